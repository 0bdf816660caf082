#ifndef FOTOBOX_CV4L2_SHIM_H
#define FOTOBOX_CV4L2_SHIM_H
#include <linux/videodev2.h>
#include <libv4l2.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

/// v4l2_ioctl is variadic, which Swift cannot call: one typed entry point.
static inline int fotobox_v4l2_ioctl(int fd, unsigned long request, void *argument) {
    return v4l2_ioctl(fd, request, argument);
}
/// Plain ioctl for nodes opened without libv4l2 (and for other drivers).
static inline int fotobox_ioctl(int fd, unsigned long request, void *argument) {
    return ioctl(fd, request, argument);
}
#endif
