import Synchronization
#if FOTOBOX_TSAN
import CPlatform
#endif

/// A value behind a `Synchronization.Mutex`: the project's one lock (as swift-nio's `NIOLockedValueBox`).
///
/// Why not `Mutex` itself: with Swift 6.3.1 on Linux, ThreadSanitizer does not see `Mutex` (the prebuilt
/// Synchronization module takes the lock with a bare futex, which TSan does not intercept), so under
/// `--sanitize=thread` every access guarded by a bare `Mutex` is reported as a race and a real race drowns
/// among them (`scripts/tsan-mutex-check` shows both). Built with `-DFOTOBOX_TSAN` (`make tsan` passes it),
/// `withLock` tells TSan about the lock with its annotations: acquire on this box's address after the mutex is
/// taken, release before it is given back. Without the flag it is a `Mutex` and one class allocation.
///
/// A class, not a struct: the annotations need an address that stays put for the lock's life, and a `Mutex`
/// stored in a class is what every user did before anyway.
public final class Locked<Value: ~Copyable>: Sendable {
    private let mutex: Mutex<Value>

    /// A lock around `initialValue`, which from now on is reached only through `withLock`.
    public init(_ initialValue: consuming sending Value) {
        mutex = Mutex(initialValue)
    }

    /// Runs `body` with the value while holding the lock. Keep `body` short and never wait inside it: every
    /// other thread that wants this value waits meanwhile.
    public func withLock<Result: ~Copyable, E: Error>(
        _ body: (inout sending Value) throws(E) -> sending Result
    ) throws(E) -> sending Result {
        try mutex.withLock { (value: inout sending Value) throws(E) -> sending Result in
            #if FOTOBOX_TSAN
            let address = Unmanaged.passUnretained(self).toOpaque()
            __tsan_acquire(address)
            defer { __tsan_release(address) }
            #endif
            return try body(&value)
        }
    }
}
