#ifndef FOTOBOX_CPLATFORM_SHIM_H
#define FOTOBOX_CPLATFORM_SHIM_H
/// What Platform needs from C that Swift's Glibc module leaves out. Declarations only: nothing here is linked
/// beyond the C library itself.

/// adjtimex(2) and struct timex (the kernel's NTP state, KernelClock).
#include <sys/timex.h>

/// pthread_setname_np(3), a GNU extension the Glibc module does not import (JoinableThread names its threads,
/// as `top -H` and core dumps show them). In glibc since 2.12.
#include <pthread.h>
int pthread_setname_np(pthread_t thread, const char *name);

/// pipe2(2), GNU as well: a pipe made close-on-exec at once, so no other thread's spawn inherits it.
int pipe2(int pipefd[2], int flags);

/// inotify_init1(2), inotify_add_watch(2) and IN_* (Platform's inotify wrappers; HotplugMonitor watches /dev).
#include <sys/inotify.h>

/// pidfd_open(2) (glibc 2.36, Linux 5.3): ChildProcess waits for a child's exit in poll(2) with its pipes.
#include <sys/pidfd.h>

/// ThreadSanitizer's annotation entry points (compiler-rt's sanitizer/tsan_interface.h). They live in the TSan
/// runtime, which only `-sanitize=thread` links: Platform's `Locked` calls them only when compiled with
/// -DFOTOBOX_TSAN (`make tsan`), so a normal build references neither symbol.
/// `__tsan_acquire(addr)`: what happened before the last `__tsan_release(addr)` happened before this point.
void __tsan_acquire(void *addr);
void __tsan_release(void *addr);
#endif
