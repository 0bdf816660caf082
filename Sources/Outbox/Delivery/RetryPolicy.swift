/// When to try again after a failed upload: exponential backoff with jitter, capped. The one retry
/// policy of the outbox; the attempt count lives in the outbox database, so the backoff survives restarts.
public struct RetryPolicy: Sendable, Equatable {
    /// The wait after the first failure.
    public var initialDelay: Double
    /// Each further failure multiplies the wait by this.
    public var multiplier: Double
    /// The wait never exceeds this (a backend down all weekend is retried every few minutes).
    public var maximumDelay: Double
    /// The fraction of the wait that is random (0…1): a fleet of stations does not retry in lockstep
    /// after the office comes back.
    public var jitter: Double

    public init(initialDelay: Double = 2, multiplier: Double = 2, maximumDelay: Double = 300, jitter: Double = 0.5) {
        self.initialDelay = max(0, initialDelay)
        self.multiplier = max(1, multiplier)
        self.maximumDelay = max(self.initialDelay, maximumDelay)
        self.jitter = min(1, max(0, jitter))
    }

    /// The wait in seconds after `failures` consecutive failures (1 = the first), with `random` in 0..<1
    /// choosing where in the jitter band it falls: `base × (1 − jitter × random)`.
    public func delay(afterFailures failures: Int, random: Double) -> Double {
        guard failures >= 1 else { return 0 }
        var base = initialDelay
        for _ in 1..<min(failures, 64) {
            base *= multiplier
            if base >= maximumDelay { base = maximumDelay; break }
        }
        return min(base, maximumDelay) * (1 - jitter * min(max(random, 0), 1))
    }

    /// The wait after `failures` failures, with system randomness.
    public func delay(afterFailures failures: Int) -> Double {
        delay(afterFailures: failures, random: Double.random(in: 0..<1))
    }
}
