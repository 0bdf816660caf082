import Configuration
import FaceAnalysis
import Foundation
import Liveness
import LivenessTestSupport
import Testing

/// A synthetic head: `FaceObservation.rigidIndices.count` points on a face-like surface (an ellipsoid's
/// front with a nose), radius 100 px, z growing away from the camera as in FaceMesh.
enum SyntheticHead {
    static let base: [(Double, Double, Double)] = {
        var random = SeededRandom(seed: 7)
        return (0..<FaceObservation.rigidIndices.count).map { k in
            if k < 6 {  // the nose ridge and tip: in front of the face
                let t = Double(k) / 5
                return (0, -30 + 60 * t, -60 - 25 * t)
            }
            let angle = random.unit() * 2 * .pi, radius = 0.3 + 0.7 * random.unit().squareRoot()
            let x = 100 * radius * cos(angle), y = 120 * radius * sin(angle)
            let depth = 1 - min(1, (x * x) / 10_000 + (y * y) / 14_400)
            return (x, y, -70 * depth.squareRoot())
        }
    }()

    /// The head turned by yaw/pitch (degrees), seen orthographically at (320, 240), with `noise` px jitter.
    static func observation(yaw: Double, pitch: Double = 0, noise: Double = 0, seed: UInt64 = 1, eyes: Double = 0.3) -> FaceObservation {
        var random = SeededRandom(seed: seed)
        let a = yaw * .pi / 180, b = pitch * .pi / 180
        let points = base.map { p -> MeshPoint in
            let x1 = p.0 * cos(a) - p.2 * sin(a), z1 = p.0 * sin(a) + p.2 * cos(a)
            let y1 = p.1 * cos(b) + z1 * sin(b), z2 = -p.1 * sin(b) + z1 * cos(b)
            return MeshPoint(x: 320 + x1 + noise * (random.unit() * 2 - 1), y: 240 + y1 + noise * (random.unit() * 2 - 1), z: z2)
        }
        return FaceObservation(points: points, yaw: yaw, pitch: pitch, eyeOpenness: eyes, mouthOpenness: 0)
    }

    /// The frontal head as a flat photo (its depth kept as the network would hallucinate it), the sheet turned
    /// by `yaw` in perspective (camera 3 face-heights away): every point moves by one homography.
    static func photo(yaw: Double, seed: UInt64 = 1, noise: Double = 0) -> FaceObservation {
        var random = SeededRandom(seed: seed)
        let a = yaw * .pi / 180, distance = 600.0
        let points = base.map { p -> MeshPoint in
            let x = p.0 * cos(a), z = p.0 * sin(a)  // the sheet (z = 0) turned about its vertical axis
            let scale = distance / (distance + z)
            return MeshPoint(x: 320 + x * scale + noise * (random.unit() * 2 - 1), y: 240 + p.1 * scale + noise * (random.unit() * 2 - 1), z: p.2)
        }
        // The pose network reads a turned photo as partly turned.
        return FaceObservation(points: points, yaw: yaw * 0.6, pitch: 0, eyeOpenness: 0.3, mouthOpenness: 0)
    }
}

@Suite struct MotionModelTests {
    @Test func aRotatedHeadLeavesThePlanarModelAResidualAndTheRigidModelNone() throws {
        let front = SyntheticHead.observation(yaw: 0), turned = SyntheticHead.observation(yaw: 15)
        let planar = try #require(MotionModels.planarResidual(from: front.points, to: turned.points))
        let rigid = try #require(MotionModels.rigidResidual(from: front.points, to: turned.points))
        #expect(rigid < 1e-6)
        #expect(planar > 2, "a 15° turn of a 70 px deep head moves points by several pixels off any plane")
    }

    @Test func aTurnedPhotoLeavesTheHomographyNothing() throws {
        let front = SyntheticHead.photo(yaw: 0), turned = SyntheticHead.photo(yaw: 30)
        let planar = try #require(MotionModels.planarResidual(from: front.points, to: turned.points))
        let rigid = try #require(MotionModels.rigidResidual(from: front.points, to: turned.points))
        #expect(planar < 1e-6)
        #expect(rigid > planar)
    }

    @Test func degeneratePointSetsGiveNoFit() {
        let line = (0..<10).map { MeshPoint(x: Double($0), y: Double($0), z: 0) }
        #expect(MotionModels.planarResidual(from: line, to: line) == nil)
        #expect(MotionModels.planarResidual(from: Array(line.prefix(4)), to: Array(line.prefix(4))) == nil)
        #expect(MotionModels.rigidResidual(from: [], to: []) == nil)
    }
}

@Suite struct LivenessJudgeTests {
    let judge = LivenessJudge(policy: LivenessPolicy())

    func turningHead(to yaw: Double, noise: Double = 0.5) -> [FaceObservation?] {
        (0..<12).map { k in SyntheticHead.observation(yaw: yaw * sin(Double(k) / 11 * .pi), noise: noise, seed: UInt64(k + 1)) }
    }

    func turnedPhoto(to yaw: Double, noise: Double = 0.5) -> [FaceObservation?] {
        (0..<12).map { k in SyntheticHead.photo(yaw: yaw * sin(Double(k) / 11 * .pi), seed: UInt64(k + 1), noise: noise) }
    }

    @Test func aTurningHeadIsBonaFideAndATurnedPhotoAnAttack() throws {
        let head = try judge.judge(turningHead(to: 15), challenge: .turn(nil))
        #expect(head.decision == .bonaFide, "\(head)")
        #expect((head.cues.parallax ?? 0) > 0.5)
        let photo = try judge.judge(turnedPhoto(to: 30), challenge: .turn(nil))
        #expect(photo.decision == .attack, "\(photo)")
        #expect((photo.cues.parallax ?? 0) < 0.2)
    }

    @Test func theDirectionMustBeTheAskedOne() throws {
        let right = try judge.judge(turningHead(to: -15), challenge: .turn(.right))
        #expect(right.cues.challengeMet)
        let wrong = try judge.judge(turningHead(to: -15), challenge: .turn(.left))
        #expect(!wrong.cues.challengeMet)
        #expect(wrong.decision != .bonaFide)
    }

    @Test func noMovementIsUnsureNeverBonaFideNorAttackByDefault() throws {
        let still = (0..<10).map { k in Optional(SyntheticHead.observation(yaw: 0, noise: 0.5, seed: UInt64(k + 1))) }
        let result = try judge.judge(still, challenge: .turn(nil))
        #expect(!result.cues.challengeMet)
        #expect(result.decision != .bonaFide)
    }

    @Test func theScoreLiesInZeroToOneInStepsOfAtMostATenth() throws {
        var seen = Set<Double>()
        for noise in [0.0, 0.5, 1, 2, 4, 8, 16] {
            for yaw in stride(from: 4.0, through: 25, by: 3) {
                for mix in stride(from: 0.0, through: 1, by: 0.1) {
                    // Frames between a head (mix 1) and a photo (mix 0): the parallax shrinks with mix.
                    let frames: [FaceObservation?] = (0..<10).map { k in
                        let angle = yaw * sin(Double(k) / 9 * .pi)
                        let head = SyntheticHead.observation(yaw: angle, noise: noise, seed: UInt64(k + 1))
                        let photo = SyntheticHead.photo(yaw: angle, seed: UInt64(k + 1), noise: noise)
                        let points = zip(head.points, photo.points).map { h, p in
                            MeshPoint(x: mix * h.x + (1 - mix) * p.x, y: mix * h.y + (1 - mix) * p.y, z: h.z)
                        }
                        return FaceObservation(points: points, yaw: angle, pitch: 0, eyeOpenness: k == 5 ? 0.3 * (1 - mix) : 0.3, mouthOpenness: 0)
                    }
                    let result = try judge.judge(frames, challenge: .turn(nil))
                    #expect((0...1).contains(result.score))
                    let steps = result.score / LivenessJudge.scoreStep
                    #expect(abs(steps - steps.rounded()) < 1e-9)
                    seen.insert(result.score)
                }
            }
        }
        #expect(seen.count >= 10, "distinct scores: \(seen.sorted())")
    }

    @Test func aBlinkIsEvidenceWithoutAChallenge() throws {
        var frames = (0..<10).map { k in Optional(SyntheticHead.observation(yaw: 0, noise: 0.3, seed: UInt64(k + 1))) }
        let without = try judge.judge(frames, challenge: .none)
        frames[4] = SyntheticHead.observation(yaw: 0, noise: 0.3, seed: 5, eyes: 0.02)
        let with = try judge.judge(frames, challenge: .none)
        #expect(with.cues.blink > 0.9)
        #expect(with.score > without.score)
    }
}

@Suite struct LivenessPolicyTests {
    @Test func decisionsFollowTheThresholdAndTheMargin() {
        let policy = LivenessPolicy(mode: .enforce, threshold: 0.6, unsureMargin: 0.2)
        #expect(policy.decision(score: 0.6, evidenceComplete: true) == .bonaFide)
        #expect(policy.decision(score: 0.9, evidenceComplete: false) == .unsure)
        #expect(policy.decision(score: 0.45, evidenceComplete: true) == .unsure)
        #expect(policy.decision(score: 0.35, evidenceComplete: true) == .attack)
        #expect(policy.decision(score: 0.0, evidenceComplete: false) == .unsure, "a person who did not turn is no attacker")
    }

    @Test func enforceRefusesAllButBonaFideObserveAndOffNever() {
        for decision in [LivenessDecision.bonaFide, .attack, .unsure] {
            #expect(LivenessPolicy(mode: .enforce).action(for: decision) == (decision == .bonaFide ? .proceed : .refuse))
            #expect(LivenessPolicy(mode: .observe).action(for: decision) == .proceed)
            #expect(LivenessPolicy(mode: .off).action(for: decision) == .proceed)
        }
    }

    @Test func theConfigSetsModeAndThresholdAndRefusesNonsense() throws {
        let config = try StationConfig.parse("[liveness]\nmode = enforce\nthreshold = 0.6\nunsure-margin = 0.1\n", path: "t.conf")
        #expect(LivenessPolicy(config) == LivenessPolicy(mode: .enforce, threshold: 0.6, unsureMargin: 0.1))
        #expect(StationConfig().livenessMode == .observe)
        for bad in ["mode = strict", "threshold = 1.5", "threshold = 0", "threshold = nan", "unsure-margin = -1"] {
            #expect(throws: ConfigError.self) { try StationConfig.parse("[liveness]\n\(bad)\n", path: "t.conf") }
        }
    }

    @Test func thePackagedConfigEnforces() throws {
        let text = try String(contentsOfFile: "packaging/fotobox.conf", encoding: .utf8)
        #expect(try StationConfig.parse(text, path: "packaging/fotobox.conf").livenessMode == .enforce)
    }
}

@Suite struct LivenessBadInputTests {
    let judge = LivenessJudge(policy: LivenessPolicy())

    @Test func oneFrameIsTooFew() {
        #expect(throws: LivenessError.tooFewFrames(count: 1, minimum: 2)) {
            try judge.judge([SyntheticHead.observation(yaw: 0)], challenge: .turn(nil))
        }
        #expect(throws: LivenessError.tooFewFrames(count: 0, minimum: 2)) { try judge.judge([], challenge: .none) }
    }

    @Test func framesWithoutAFaceAreNoFace() {
        #expect(throws: LivenessError.noFace(framesWithFace: 0, frames: 5)) {
            try judge.judge(Array(repeating: nil, count: 5), challenge: .turn(nil))
        }
        #expect(throws: LivenessError.noFace(framesWithFace: 1, frames: 3)) {
            try judge.judge([nil, SyntheticHead.observation(yaw: 0), nil], challenge: .none)
        }
        // Points that are no mesh (wrong count) count as no face.
        let broken = FaceObservation(points: [], yaw: 0, pitch: 0, eyeOpenness: 0.3, mouthOpenness: 0)
        #expect(throws: LivenessError.noFace(framesWithFace: 0, frames: 2)) { try judge.judge([broken, broken], challenge: .none) }
    }

    @Test func tooManyFramesAreRefused() {
        let frames = Array(repeating: Optional(SyntheticHead.observation(yaw: 0)), count: LivenessJudge.maximumFrames + 1)
        #expect(throws: LivenessError.tooManyFrames(count: LivenessJudge.maximumFrames + 1, maximum: LivenessJudge.maximumFrames)) {
            try judge.judge(frames, challenge: .none)
        }
    }

    @Test func nonNumbersNeverCrash() throws {
        var frames = (0..<6).map { k in Optional(SyntheticHead.observation(yaw: Double(k) * 3)) }
        frames[2]!.points[3] = MeshPoint(x: .nan, y: .infinity, z: 0)
        frames[3]!.yaw = .nan
        let result = try judge.judge(frames, challenge: .turn(nil))
        #expect((0...1).contains(result.score))
    }
}
