import Capture
import FaceAnalysis
import FotoboxTestSupport
import Foundation
import Imaging
import Kiosk
import Liveness
import LivenessTestSupport
import Testing
import VisitCore

/// The station's detector as the camera thread drives it: the pipeline's guidance for a frame, then the
/// detector for the same frame (it reuses the chain's face). Its judgement must be the judge's on the same
/// faces: the wiring adds nothing and loses nothing.
@Suite("Chain presentation detector (real face chain)", .serialized)
struct ChainPresentationDetectorTests {
    static func frames(_ images: [RGBImage]) throws -> [Frame] {
        try images.enumerated().map { index, image in
            Frame(format: .mjpeg, size: FrameSize(width: image.width, height: image.height), bytesPerLine: 0,
                  bytes: try JPEG.encode(image), sequence: UInt32(index), capturedNanoseconds: nil, dequeuedNanoseconds: 0)
        }
    }

    /// Plays `frames` through pipeline and detector: the first before the prompt (at 1 s, turn left, from the
    /// injected random numbers), the others 0.3 s apart in the response window. Also the judge's direct result
    /// on the same decoded frames, analysed by a second analyzer.
    static func play(_ frames: [Frame]) throws -> (detector: PresentationJudgement, direct: LivenessResult?) {
        let models = try #require(TestData.modelDirectory)
        let pipeline = try CompliancePhotoPipeline(modelDirectory: models, profile: .scan)
        let policy = LivenessPolicy(mode: .enforce)
        let detector = ChainPresentationDetector(pipeline: pipeline, policy: policy, random: { (0, 0) })
        let plan = detector.begin(at: .seconds(100))
        #expect(plan == ChallengePlan(prompt: .turnLeft, promptDelay: .seconds(1), responseWindow: .seconds(ChallengeSession.responseWindow)))
        var observations: [FaceObservation?] = []
        let analyzer = try FaceAnalyzer(modelDirectory: models)
        for (index, frame) in frames.enumerated() {
            _ = pipeline.guidance(for: frame)
            let seconds = 100 + (index == 0 ? 0.5 : 1 + 0.3 * Double(index - 1))
            detector.observe(frame, at: .seconds(seconds))
            let image = try frame.rgbImage()
            let faces = analyzer.analyze(image, mode: .preview)
            observations.append(faces.count == 1 ? FaceObservation(faces[0], in: image) : nil)
        }
        return (detector.judge(), try? LivenessJudge(policy: policy).judge(observations, challenge: .turn(.left)))
    }

    @Test(.needsTestData("liveness"), .needsTestData("faces/frll"), .needsModels)
    func aPhotoTurnedInTheHandIsNotTakenForAPerson() throws {
        let name = try #require(try PresentationSets.frllNames().first)
        let attack = PresentationSets.planarAttack(try PresentationSets.frllPhoto(name), maxDegrees: 40, look: .plain, seed: 7)
        let (judgement, direct) = try Self.play(try Self.frames(attack))
        #expect(judgement.decision != .bonaFide)
        #expect(judgement.score < 0.5)
        let cues = try #require(judgement.cues)
        #expect(cues.framesWithFace >= 2 && cues.frames == attack.count)
        #expect(judgement.score == direct?.score)
    }

    @Test(.needsTestData("liveness"), .needsModels)
    func aRealTurnIsJudgedAsTheJudgeJudgesItsFaces() throws {
        for subject in ["s3", "s4", "s5"] {
            let turn = try PresentationSets.orlBonaFide(subject)
            let (judgement, direct) = try Self.play(try Self.frames(turn))
            let result = try #require(direct, "\(subject)")
            #expect(judgement.score == result.score, "\(subject)")
            #expect(judgement.cues?.parallax == result.cues.parallax, "\(subject)")
            #expect(judgement.cues?.framesWithFace == result.cues.framesWithFace, "\(subject)")
        }
    }

    @Test(.needsModels)
    func framesWithoutAFaceAreNotJudgedAndResetForgetsTheFrames() throws {
        let models = try #require(TestData.modelDirectory)
        let pipeline = try CompliancePhotoPipeline(modelDirectory: models, profile: .scan)
        let detector = ChainPresentationDetector(pipeline: pipeline, policy: LivenessPolicy(), random: { (0.5, 0.9) })
        #expect(detector.begin(at: .zero).prompt == .nod)
        let grey = try Self.frames(Array(repeating: RGBImage(width: 320, height: 240, pixels: [UInt8](repeating: 128, count: 320 * 240 * 3)), count: 6))
        for (index, frame) in grey.enumerated() {
            _ = pipeline.guidance(for: frame)
            detector.observe(frame, at: .seconds(2.5 + 0.5 * Double(index)))
        }
        #expect(detector.judge() == .unjudged(.noFace))
        // Judged once: the frames are gone; and a reset leaves nothing of the preview in the pipeline.
        #expect(detector.judge() == .unjudged(.tooFewFrames))
        detector.reset()
        #expect(pipeline.lastPreview() == nil)
    }
}
