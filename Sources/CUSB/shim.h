#ifndef FOTOBOX_CUSB_SHIM_H
#define FOTOBOX_CUSB_SHIM_H
#include <libusb-1.0/libusb.h>
#endif
