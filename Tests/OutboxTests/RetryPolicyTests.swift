import Outbox
import Testing

@Suite("Retry policy")
struct RetryPolicyTests {
    @Test func doublesFromTheInitialDelayUpToTheCap() {
        let policy = RetryPolicy(initialDelay: 2, multiplier: 2, maximumDelay: 60, jitter: 0)
        #expect((1...7).map { policy.delay(afterFailures: $0, random: 0) } == [2, 4, 8, 16, 32, 60, 60])
        #expect(policy.delay(afterFailures: 10_000, random: 0) == 60)
        #expect(policy.delay(afterFailures: 0, random: 0) == 0)
    }

    @Test func jitterTakesUpToItsFractionOff() {
        let policy = RetryPolicy(initialDelay: 10, multiplier: 2, maximumDelay: 100, jitter: 0.5)
        #expect(policy.delay(afterFailures: 1, random: 0) == 10)
        #expect(policy.delay(afterFailures: 1, random: 0.999_999) > 5)
        for _ in 0..<100 {
            let wait = policy.delay(afterFailures: 3)
            #expect(wait > 20 && wait <= 40)
        }
    }

    @Test func nonsenseSettingsAreClamped() {
        let policy = RetryPolicy(initialDelay: -1, multiplier: 0.5, maximumDelay: -5, jitter: 7)
        #expect(policy.delay(afterFailures: 5, random: 0.5) == 0)
        #expect(policy.jitter == 1)
    }
}
