import Dispatch

/// Wakes threads that wait for shared state to change (the visit's event streams, preview and capture
/// worker; the fleet reporter and the office's watchdog at stop; a second upload of the same submission).
/// The state itself lives behind its own `Locked`; this only says "look again".
///
/// A waiter registers before it checks its condition, so a change between the check and the wait is
/// never lost.
public final class ChangeSignal: Sendable {
    private let waiters = Locked<[DispatchSemaphore]>([])

    public init() {}

    /// Wakes every thread waiting now.
    public func broadcast() {
        let woken = waiters.withLock { list in
            defer { list = [] }
            return list
        }
        for semaphore in woken { semaphore.signal() }
    }

    /// Returns once `done()` is true or at `deadline` (monotonic), whichever comes first.
    public func wait(until deadline: ContinuousClock.Instant, done: () -> Bool) {
        while true {
            let semaphore = DispatchSemaphore(value: 0)
            waiters.withLock { $0.append(semaphore) }
            defer { waiters.withLock { list in list.removeAll { $0 === semaphore } } }
            if done() { return }
            let left = deadline - ContinuousClock.now
            guard left > .zero else { return }
            _ = semaphore.wait(timeout: .now() + left.dispatchInterval)
        }
    }
}

extension Duration {
    /// For `DispatchSemaphore.wait(timeout:)` (Dispatch's clock is monotonic too).
    public var dispatchInterval: DispatchTimeInterval {
        let (seconds, attoseconds) = components
        let nanoseconds = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        guard !nanoseconds.overflow, seconds >= 0 else { return seconds < 0 ? .nanoseconds(0) : .never }
        return .nanoseconds(Int(nanoseconds.partialValue + attoseconds / 1_000_000_000))
    }

    /// `seconds` as a duration; negative and non-finite values count as zero.
    public static func seconds(clamping seconds: Double) -> Duration {
        guard seconds.isFinite, seconds > 0 else { return .zero }
        return .nanoseconds(Int64(min(seconds, 1e9) * 1e9))
    }
}
