#ifndef FOTOBOX_CPLATFORM_SHIM_H
#define FOTOBOX_CPLATFORM_SHIM_H
/// What Platform needs from C that Swift's Glibc module leaves out. Declarations only: nothing here is linked
/// beyond the C library itself.

/// adjtimex(2) and struct timex (the kernel's NTP state, KernelClock).
#include <sys/timex.h>

/// ThreadSanitizer's annotation entry points (compiler-rt's sanitizer/tsan_interface.h). They live in the TSan
/// runtime, which only `-sanitize=thread` links: Platform's `Locked` calls them only when compiled with
/// -DFOTOBOX_TSAN (`make tsan`), so a normal build references neither symbol.
/// `__tsan_acquire(addr)`: what happened before the last `__tsan_release(addr)` happened before this point.
void __tsan_acquire(void *addr);
void __tsan_release(void *addr);
#endif
