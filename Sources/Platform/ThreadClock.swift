#if canImport(Glibc)
import Glibc
#endif

/// The CPU time the calling thread has used: a one-thread benchmark's figure, unaffected by other
/// processes sharing the machine (they add wall time, not this thread's CPU time).
public enum ThreadClock {
    public static func nanoseconds() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }
}
