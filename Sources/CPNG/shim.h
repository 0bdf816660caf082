#ifndef FOTOBOX_CPNG_SHIM_H
#define FOTOBOX_CPNG_SHIM_H
/* libpng's simplified API (png_image_*) reports errors in the png_image structure instead of a
   longjmp, so Swift can call it directly. Used by the test support to read the ORL test faces. */
#include <string.h>
#include <png.h>

/* Decodes a PNG in memory to 8-bit RGB. On success returns 0 and fills width/height; `pixels` must then
   be filled by fotobox_png_finish with a buffer of width*height*3 bytes. On failure returns -1 and
   leaves libpng's message in `message` (at least 64 bytes). */
static inline int fotobox_png_begin(png_image *image, const unsigned char *data, size_t size) {
    memset(image, 0, sizeof *image);
    image->version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_memory(image, data, size)) return -1;
    image->format = PNG_FORMAT_RGB;
    return 0;
}

static inline int fotobox_png_finish(png_image *image, unsigned char *pixels) {
    if (!png_image_finish_read(image, NULL, pixels, 0, NULL)) return -1;
    return 0;
}
#endif
