#ifndef FOTOBOX_CV4L2_SHIM_H
#define FOTOBOX_CV4L2_SHIM_H
#include <linux/videodev2.h>
#include <libv4l2.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

/// v4l2_ioctl is variadic, which Swift cannot call: one typed entry point.
static inline int fotobox_v4l2_ioctl(int fd, unsigned long request, void *argument) {
    return v4l2_ioctl(fd, request, argument);
}
/// libv4l2 prints its own line to stderr for every failed call (EBUSY on each retry of a busy camera);
/// the camera code reports each fault once, typed, so libv4l2's lines go to /dev/null.
static inline void fotobox_v4l2_silence_log(void) {
    if (v4l2_log_file == NULL) v4l2_log_file = fopen("/dev/null", "w");
}
/// Plain ioctl for nodes opened without libv4l2 (and for other drivers).
static inline int fotobox_ioctl(int fd, unsigned long request, void *argument) {
    return ioctl(fd, request, argument);
}
/// v4l2_open is variadic too.
static inline int fotobox_v4l2_open(const char *path, int flags) {
    return v4l2_open(path, flags);
}

/// The VIDIOC_* request numbers are macros built from sizeof, which Swift does not import.
static inline unsigned long fotobox_VIDIOC_QUERYCAP(void) { return VIDIOC_QUERYCAP; }
static inline unsigned long fotobox_VIDIOC_ENUM_FMT(void) { return VIDIOC_ENUM_FMT; }
static inline unsigned long fotobox_VIDIOC_G_FMT(void) { return VIDIOC_G_FMT; }
static inline unsigned long fotobox_VIDIOC_S_FMT(void) { return VIDIOC_S_FMT; }
static inline unsigned long fotobox_VIDIOC_TRY_FMT(void) { return VIDIOC_TRY_FMT; }
static inline unsigned long fotobox_VIDIOC_ENUM_FRAMESIZES(void) { return VIDIOC_ENUM_FRAMESIZES; }
static inline unsigned long fotobox_VIDIOC_ENUM_FRAMEINTERVALS(void) { return VIDIOC_ENUM_FRAMEINTERVALS; }
static inline unsigned long fotobox_VIDIOC_G_PARM(void) { return VIDIOC_G_PARM; }
static inline unsigned long fotobox_VIDIOC_S_PARM(void) { return VIDIOC_S_PARM; }
static inline unsigned long fotobox_VIDIOC_REQBUFS(void) { return VIDIOC_REQBUFS; }
static inline unsigned long fotobox_VIDIOC_QUERYBUF(void) { return VIDIOC_QUERYBUF; }
static inline unsigned long fotobox_VIDIOC_QBUF(void) { return VIDIOC_QBUF; }
static inline unsigned long fotobox_VIDIOC_DQBUF(void) { return VIDIOC_DQBUF; }
static inline unsigned long fotobox_VIDIOC_STREAMON(void) { return VIDIOC_STREAMON; }
static inline unsigned long fotobox_VIDIOC_STREAMOFF(void) { return VIDIOC_STREAMOFF; }
static inline unsigned long fotobox_VIDIOC_QUERYCTRL(void) { return VIDIOC_QUERYCTRL; }
static inline unsigned long fotobox_VIDIOC_G_CTRL(void) { return VIDIOC_G_CTRL; }
static inline unsigned long fotobox_VIDIOC_S_CTRL(void) { return VIDIOC_S_CTRL; }
static inline unsigned long fotobox_VIDIOC_QUERYMENU(void) { return VIDIOC_QUERYMENU; }

/// Flags and bases defined as macros with casts or shifts.
static inline unsigned int fotobox_V4L2_CTRL_FLAG_NEXT_CTRL(void) { return V4L2_CTRL_FLAG_NEXT_CTRL; }
static inline unsigned int fotobox_V4L2_BUF_FLAG_TIMESTAMP_MASK(void) { return V4L2_BUF_FLAG_TIMESTAMP_MASK; }
static inline unsigned int fotobox_V4L2_BUF_FLAG_TIMESTAMP_MONOTONIC(void) { return V4L2_BUF_FLAG_TIMESTAMP_MONOTONIC; }

/// Control ids are macros built from class bases, which Swift does not import.
static inline unsigned int fotobox_V4L2_CID_EXPOSURE_AUTO(void) { return V4L2_CID_EXPOSURE_AUTO; }
static inline unsigned int fotobox_V4L2_CID_EXPOSURE_ABSOLUTE(void) { return V4L2_CID_EXPOSURE_ABSOLUTE; }
static inline unsigned int fotobox_V4L2_CID_AUTO_WHITE_BALANCE(void) { return V4L2_CID_AUTO_WHITE_BALANCE; }
static inline unsigned int fotobox_V4L2_CID_WHITE_BALANCE_TEMPERATURE(void) { return V4L2_CID_WHITE_BALANCE_TEMPERATURE; }
static inline unsigned int fotobox_V4L2_CID_FOCUS_AUTO(void) { return V4L2_CID_FOCUS_AUTO; }
static inline unsigned int fotobox_V4L2_CID_FOCUS_ABSOLUTE(void) { return V4L2_CID_FOCUS_ABSOLUTE; }
static inline unsigned int fotobox_V4L2_CID_POWER_LINE_FREQUENCY(void) { return V4L2_CID_POWER_LINE_FREQUENCY; }
#endif
