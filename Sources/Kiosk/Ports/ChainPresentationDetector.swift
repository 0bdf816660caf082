import Capture
import FaceAnalysis
import Imaging
import Liveness
import Platform
import VisitCore

/// The station's presentation-attack detector behind the visit's `PresentationDetector` port: a
/// `ChallengeSession` (random moment and movement) fed with the face chain's result for every preview frame
/// of the challenge, judged by `LivenessJudge` with the config's thresholds.
///
/// The face chain runs once per preview frame: the camera thread asks the pipeline for the guidance and then
/// this detector for the same frame, which takes the pipeline's face (`CompliancePhotoPipeline.lastPreview`)
/// instead of analysing the frame again. Its cost beside the chain is the observation (rigid points and the
/// grey texture crop) per frame and the judge once per challenge (`make bench`).
public final class ChainPresentationDetector: PresentationDetector {
    private let pipeline: CompliancePhotoPipeline
    private let judgeWith: LivenessJudge
    /// Two numbers in [0, 1) per challenge: its moment and its kind (tests inject fixed ones).
    private let random: @Sendable () -> (Double, Double)

    private struct State {
        var session: ChallengeSession?
        var beganAt = VisitInstant.zero
    }
    private let state = Locked(State())

    public init(pipeline: CompliancePhotoPipeline, policy: LivenessPolicy,
                random: @escaping @Sendable () -> (Double, Double) = ChainPresentationDetector.systemRandom) {
        self.pipeline = pipeline
        self.judgeWith = LivenessJudge(policy: policy)
        self.random = random
    }

    /// The operating system's random numbers: neither the moment nor the movement can be predicted.
    public static let systemRandom: @Sendable () -> (Double, Double) = {
        var generator = SystemRandomNumberGenerator()
        return (Double.random(in: 0..<1, using: &generator), Double.random(in: 0..<1, using: &generator))
    }

    public func begin(at time: VisitInstant) -> ChallengePlan {
        let session = ChallengeSession(random: random())
        state.withLock { state in
            state.session = session
            state.beganAt = time
        }
        // The Liveness module counts in seconds since the challenge began; the visit, in durations.
        return ChallengePlan(prompt: ChallengePrompt(session.challenge), promptDelay: .seconds(session.promptAt),
                             responseWindow: .seconds(ChallengeSession.responseWindow))
    }

    public func observe(_ frame: Frame, at time: VisitInstant) {
        let active = state.withLock { $0.session != nil }
        guard active else { return }
        // The face the pipeline just found in this frame (the preview image it was found in: the texture is
        // cut from the same pixels the landmarks refer to).
        let observation = pipeline.lastPreview().flatMap { preview in preview.face.map { FaceObservation($0, in: preview.image) } }
        state.withLock { state in
            guard state.session != nil else { return }
            state.session!.add(observation, at: (time - state.beganAt).inSeconds)
        }
    }

    public func judge() -> PresentationJudgement {
        guard var session = state.withLock({ state -> ChallengeSession? in
            defer { state.session = nil }
            return state.session
        }) else { return .unjudged(.tooFewFrames) }
        defer { session.zero() }
        do throws(LivenessError) {
            let result = try session.judge(with: judgeWith)
            return PresentationJudgement(result)
        } catch {
            switch error {
            case .noFace: return .unjudged(.noFace)
            case .tooFewFrames, .tooManyFrames, .mixedFrameSizes, .unreadableFrame, .unreadableFolder, .noPresentations:
                return .unjudged(.tooFewFrames)
            }
        }
    }

    public func reset() {
        state.withLock { state in
            state.session?.zero()
            state.session = nil
        }
        pipeline.forgetPreview()
    }
}

extension ChallengePrompt {
    /// The visit's prompt for a challenge the session chose (a turn without a direction is never chosen).
    init(_ challenge: Challenge) {
        switch challenge {
        case .turn(.right): self = .turnRight
        case .nod: self = .nod
        case .turn(.left), .turn(nil), .none: self = .turnLeft
        }
    }
}

extension PresentationJudgement {
    /// The visit's view of the judge's result.
    init(_ result: LivenessResult) {
        let decision: PresentationDecision = switch result.decision {
        case .bonaFide: .bonaFide
        case .attack: .attack
        case .unsure: .unsure
        }
        let cues = result.cues
        self.init(score: result.score, decision: decision,
                  cues: PresentationCues(frames: cues.frames, framesWithFace: cues.framesWithFace, movementDegrees: cues.movementDegrees,
                                         challengeMet: cues.challengeMet, parallax: cues.parallax, blink: cues.blink))
    }
}
