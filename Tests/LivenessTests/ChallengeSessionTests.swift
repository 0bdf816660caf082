import Foundation
import Liveness
import LivenessTestSupport
import Testing

@Suite struct ChallengeSessionTests {
    @Test func momentAndDirectionComeFromTheRandomNumbers() {
        #expect(ChallengeSession(random: (0, 0)).promptAt == 1)
        #expect(ChallengeSession(random: (0.999, 0)).promptAt > 3.9)
        #expect(ChallengeSession(random: (0.5, 0.1)).challenge == .turn(.left))
        #expect(ChallengeSession(random: (0.5, 0.5)).challenge == .turn(.right))
        #expect(ChallengeSession(random: (0.5, 0.9)).challenge == .nod)
        // Out-of-range numbers are clamped, never a crash.
        #expect(ChallengeSession(random: (-3, 7)).promptAt == 1)
    }

    @Test func aHeadTurningTheAskedWayAfterThePromptIsBonaFide() throws {
        var session = ChallengeSession(random: (0, 0.5))  // turn right at 1 s
        var time = 0.0
        while !session.isComplete(at: time) {
            let sinceprompt = time - session.promptAt
            let yaw = sinceprompt < 0 ? 0 : -15 * sin(min(1, sinceprompt / 3) * .pi)  // the person's right: yaw falls
            session.add(SyntheticHead.observation(yaw: yaw, noise: 0.4, seed: UInt64(time * 15) + 1), at: time)
            time += 1.0 / 15
        }
        #expect(session.isPrompting(at: session.promptAt + 1) && !session.isPrompting(at: session.promptAt - 0.1))
        let result = try session.judge(with: LivenessJudge(policy: LivenessPolicy()))
        #expect(result.decision == .bonaFide, "\(result)")
        #expect(session.framesKept <= ChallengeSession.restFrames + Int(ChallengeSession.responseWindow * 15) + 1)
    }

    @Test func aTurnTheOtherWayOrBeforeThePromptIsNotBonaFide() throws {
        var session = ChallengeSession(random: (0.5, 0.5))  // turn right at 2.5 s
        var time = 0.0
        while !session.isComplete(at: time) {
            // A replayed video: turns left, from the start, whatever was asked.
            let yaw = 15 * sin(min(1, time / 3) * .pi)
            session.add(SyntheticHead.observation(yaw: yaw, noise: 0.4, seed: UInt64(time * 15) + 1), at: time)
            time += 1.0 / 15
        }
        let result = try session.judge(with: LivenessJudge(policy: LivenessPolicy()))
        #expect(result.decision != .bonaFide, "\(result)")
    }

    @Test func memoryStaysBoundedOverALongGuidance() {
        var session = ChallengeSession(random: (0.9, 0.9))
        for k in 0..<100_000 { session.add(nil, at: Double(k) * 0.001) }  // 100 s at 1000 frames/s
        #expect(session.framesKept <= 600)
    }
}
