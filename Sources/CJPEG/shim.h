#ifndef FOTOBOX_CJPEG_SHIM_H
#define FOTOBOX_CJPEG_SHIM_H
/* libjpeg reports errors by calling error_exit, whose default calls exit(). Swift cannot catch a
   longjmp, so every libjpeg call that can fail is made here, behind a setjmp, and returns 0 on
   success or -1 with the library's message in `error.message`. Warnings never reach stderr. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <jpeglib.h>
#include <jerror.h>

typedef struct fotobox_jpeg_error {
    struct jpeg_error_mgr manager;
    jmp_buf jump;
    char message[JMSG_LENGTH_MAX];
    char firstWarning[JMSG_LENGTH_MAX];
    int warnings;
} fotobox_jpeg_error;

static void fotobox_jpeg_error_exit(j_common_ptr info) {
    fotobox_jpeg_error *error = (fotobox_jpeg_error *)info->err;
    (*info->err->format_message)(info, error->message);
    longjmp(error->jump, 1);
}

static void fotobox_jpeg_emit_message(j_common_ptr info, int level) {
    fotobox_jpeg_error *error = (fotobox_jpeg_error *)info->err;
    if (level < 0) {
        if (error->warnings == 0) (*info->err->format_message)(info, error->firstWarning);
        error->warnings += 1;
    }
}

static void fotobox_jpeg_output_message(j_common_ptr info) { (void)info; }

static inline void fotobox_jpeg_install_errors(fotobox_jpeg_error *error) {
    memset(error, 0, sizeof(*error));
    jpeg_std_error(&error->manager);
    error->manager.error_exit = fotobox_jpeg_error_exit;
    error->manager.emit_message = fotobox_jpeg_emit_message;
    error->manager.output_message = fotobox_jpeg_output_message;
}

typedef struct fotobox_jpeg_decoder {
    struct jpeg_decompress_struct info;
    fotobox_jpeg_error error;
    int created;
} fotobox_jpeg_decoder;

/// Creates the decompressor over a memory buffer, keeps APP1 (EXIF) markers, reads the header.
static inline int fotobox_jpeg_decoder_begin(fotobox_jpeg_decoder *decoder, const unsigned char *data,
                                             unsigned long size, long maxMemory) {
    memset(decoder, 0, sizeof(*decoder));
    fotobox_jpeg_install_errors(&decoder->error);
    decoder->info.err = &decoder->error.manager;
    if (setjmp(decoder->error.jump)) return -1;
    jpeg_create_decompress(&decoder->info);
    decoder->created = 1;
    decoder->info.mem->max_memory_to_use = maxMemory;
    jpeg_mem_src(&decoder->info, data, size);
    jpeg_save_markers(&decoder->info, JPEG_APP0 + 1, 0xFFFF);
    if (jpeg_read_header(&decoder->info, TRUE) != JPEG_HEADER_OK) {
        strcpy(decoder->error.message, "no image in the JPEG stream");
        return -1;
    }
    return 0;
}

static inline int fotobox_jpeg_decoder_compute_output(fotobox_jpeg_decoder *decoder) {
    if (setjmp(decoder->error.jump)) return -1;
    jpeg_calc_output_dimensions(&decoder->info);
    return 0;
}

/// Starts decompression and reads every scanline into `pixels` (rows `stride` bytes apart).
static inline int fotobox_jpeg_decoder_read(fotobox_jpeg_decoder *decoder, unsigned char *pixels, size_t stride) {
    if (setjmp(decoder->error.jump)) return -1;
    jpeg_start_decompress(&decoder->info);
    while (decoder->info.output_scanline < decoder->info.output_height) {
        JSAMPROW rows[4];
        int count = 0;
        for (; count < 4 && decoder->info.output_scanline + count < decoder->info.output_height; count++)
            rows[count] = pixels + (size_t)(decoder->info.output_scanline + count) * stride;
        if (jpeg_read_scanlines(&decoder->info, rows, count) == 0) {
            strcpy(decoder->error.message, "JPEG data ended before the last scanline");
            return -1;
        }
    }
    jpeg_finish_decompress(&decoder->info);
    return 0;
}

static inline void fotobox_jpeg_decoder_end(fotobox_jpeg_decoder *decoder) {
    if (decoder->created) jpeg_destroy_decompress(&decoder->info);
    decoder->created = 0;
}

typedef struct fotobox_jpeg_encode_options {
    int quality;
    int fullChroma;        /* 1: 4:4:4, 0: 4:2:0 */
    int densityUnit;       /* 0 aspect only, 1 dots per inch, 2 dots per cm */
    unsigned short xDensity, yDensity;
    int optimizeCoding;
    int storeYCCK;         /* 4 components only: 1 store as YCCK, 0 as plain CMYK */
} fotobox_jpeg_encode_options;

/// Encodes `height` rows of `width` pixels with `components` (3 = RGB, 1 = grey, 4 = CMYK). On success
/// *output is a malloc'ed buffer the caller frees with free().
static inline int fotobox_jpeg_encode(const unsigned char *pixels, unsigned width, unsigned height,
                                      size_t stride, int components, fotobox_jpeg_encode_options options,
                                      unsigned char **output, unsigned long *outputSize, char *message) {
    struct jpeg_compress_struct info;
    fotobox_jpeg_error error;
    fotobox_jpeg_install_errors(&error);
    info.err = &error.manager;
    *output = NULL;
    *outputSize = 0;
    if (setjmp(error.jump)) {
        strcpy(message, error.message);
        jpeg_destroy_compress(&info);
        free(*output);
        *output = NULL;
        return -1;
    }
    jpeg_create_compress(&info);
    jpeg_mem_dest(&info, output, outputSize);
    info.image_width = width;
    info.image_height = height;
    info.input_components = components;
    info.in_color_space = components == 3 ? JCS_RGB : (components == 4 ? JCS_CMYK : JCS_GRAYSCALE);
    jpeg_set_defaults(&info);
    if (components == 4 && options.storeYCCK) jpeg_set_colorspace(&info, JCS_YCCK);
    jpeg_set_quality(&info, options.quality, TRUE);
    if (components == 3 && options.fullChroma) {
        info.comp_info[0].h_samp_factor = 1;
        info.comp_info[0].v_samp_factor = 1;
    }
    info.write_JFIF_header = TRUE;
    info.density_unit = (UINT8)options.densityUnit;
    info.X_density = options.xDensity;
    info.Y_density = options.yDensity;
    info.optimize_coding = options.optimizeCoding ? TRUE : FALSE;
    info.dct_method = JDCT_ISLOW;
    jpeg_start_compress(&info, TRUE);
    while (info.next_scanline < info.image_height) {
        JSAMPROW row = (JSAMPROW)(pixels + (size_t)info.next_scanline * stride);
        jpeg_write_scanlines(&info, &row, 1);
    }
    jpeg_finish_compress(&info);
    jpeg_destroy_compress(&info);
    return 0;
}
#endif
