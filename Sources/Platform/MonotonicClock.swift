#if canImport(Glibc)
import Glibc
#endif

/// CLOCK_MONOTONIC read and slept on directly: the clock V4L2 drivers stamp camera buffers with
/// (V4L2_BUF_FLAG_TIMESTAMP_MONOTONIC), so frame ages and the device code's deadlines compare with those
/// stamps. Everywhere else, deadlines use `ContinuousClock` (on Linux it may count suspended time,
/// which a buffer stamp does not).
public enum MonotonicClock {
    /// Nanoseconds since an arbitrary start (boot), never going back.
    public static func nanoseconds() -> UInt64 {
        var now = timespec()
        // Cannot fail for CLOCK_MONOTONIC with a valid pointer.
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) &* 1_000_000_000 &+ UInt64(now.tv_nsec)
    }

    /// Milliseconds of the same clock: pen report arrival, the pad's and camera's deadlines.
    public static func milliseconds() -> Int { Int(nanoseconds() / 1_000_000) }

    /// Sleeps the whole duration: a signal wakes nanosleep early, the remainder is slept again (here, once).
    public static func sleep(nanoseconds: UInt64) {
        guard nanoseconds > 0 else { return }
        var request = timespec(tv_sec: Int(nanoseconds / 1_000_000_000), tv_nsec: Int(nanoseconds % 1_000_000_000))
        var left = timespec()
        while nanosleep(&request, &left) == -1 && errno == EINTR { request = left }
    }

    /// Sleeps `milliseconds` (nothing for zero or less).
    public static func sleep(milliseconds: Int) {
        guard milliseconds > 0 else { return }
        sleep(nanoseconds: UInt64(milliseconds) &* 1_000_000)
    }
}
