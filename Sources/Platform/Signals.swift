#if canImport(Glibc)
import Glibc
#endif

/// The process's signal handling: the services take SIGTERM and SIGINT synchronously (blocked in every
/// thread, then waited for by one), and a peer closing its socket must fail a write with EPIPE, not kill
/// the process.
public enum Signals {
    /// SIGPIPE ignored for the whole process: writes to a closed socket or pipe then fail with EPIPE.
    public static func ignoreBrokenPipe() {
        signal(SIGPIPE, SIG_IGN)
    }

    /// Blocks `signals` in the calling thread; threads started afterwards inherit the mask, so call it
    /// before any thread starts to make sure no thread is interrupted by them.
    public static func block(_ signals: [Int32]) {
        var set = makeSet(signals)
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }

    /// Waits up to `timeout` for one of `signals` (which must be blocked) and takes it: the signal's number,
    /// or nil when none came (also when another signal interrupted the wait: the caller loops anyway).
    public static func wait(for signals: [Int32], timeout: Duration) -> Int32? {
        var set = makeSet(signals)
        let (seconds, attoseconds) = max(timeout, .zero).components
        var time = timespec(tv_sec: Int(seconds), tv_nsec: Int(attoseconds / 1_000_000_000))
        let received = sigtimedwait(&set, nil, &time)
        return received > 0 ? received : nil
    }

    private static func makeSet(_ signals: [Int32]) -> sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        for number in signals { sigaddset(&set, number) }
        return set
    }
}
