#if canImport(Glibc)
import Glibc
#endif
import FaceAnalysis
import Platform

/// The cues of one presentation, each in its physical unit (docs/liveness.md gives the formulas).
public struct LivenessCues: Sendable, Equatable, Codable {
    /// Frames judged and frames in which a face was found.
    public var frames: Int
    public var framesWithFace: Int
    /// The head's movement: the range of yaw (turn) or pitch (nod), or the larger of both (none), degrees.
    public var movementDegrees: Double
    /// The asked movement was made (in the asked direction, far enough, and back).
    public var challengeMet: Bool
    /// Median over the moved frames of the planar model's residual ÷ face size (nil: no frame moved
    /// enough, or too little texture was followed).
    public var planarResidual: Double?
    /// Median over the moved frames of the rigid 3-D model's residual ÷ face size.
    public var rigidResidual: Double?
    /// What the planar model cannot explain but a rigid head can, ÷ what a rigid head with this mesh's depth
    /// would show for the same movement (Σ over the moved frames of each): ≈ 1 for a head, ≤ 0 for a plane.
    public var parallax: Double?
    /// The deepest eye closing: 1 − min ÷ median of the eye openness (≈ 1 a blink, ≈ 0 none).
    public var blink: Double
    /// Evidence in [0, 1] of each cue, as fused into the score.
    public var parallaxEvidence: Double
    public var blinkEvidence: Double

    enum CodingKeys: String, CodingKey {
        case frames, framesWithFace, movementDegrees, challengeMet, planarResidual, rigidResidual, parallax, blink,
             parallaxEvidence, blinkEvidence
    }

    /// Every key always present (null when not measured), so a reader can rely on the set of keys.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(frames, forKey: .frames)
        try c.encode(framesWithFace, forKey: .framesWithFace)
        try c.encode(movementDegrees.rounded(decimals: 2), forKey: .movementDegrees)
        try c.encode(challengeMet, forKey: .challengeMet)
        try c.encode(planarResidual.map { $0.rounded(decimals: 4) }, forKey: .planarResidual)
        try c.encode(rigidResidual.map { $0.rounded(decimals: 4) }, forKey: .rigidResidual)
        try c.encode(parallax.map { $0.rounded(decimals: 3) }, forKey: .parallax)
        try c.encode(blink.rounded(decimals: 3), forKey: .blink)
        try c.encode(parallaxEvidence.rounded(decimals: 3), forKey: .parallaxEvidence)
        try c.encode(blinkEvidence.rounded(decimals: 3), forKey: .blinkEvidence)
    }
}

/// The judgement: score in [0, 1] (1 = bona fide) in steps of 0.05, the decision and the cues.
public struct LivenessResult: Sendable, Equatable {
    public var score: Double
    public var decision: LivenessDecision
    public var challenge: Challenge
    public var cues: LivenessCues
}

/// Judges one presentation from its frames' face observations (nil: no face in that frame).
///
/// Stateless and cheap (a few 8×8 least-squares solves per frame): the kiosk calls it once at the end of
/// the guidance; `fotoboxctl liveness score` once per folder.
public struct LivenessJudge: Sendable {
    public var policy: LivenessPolicy

    /// A visit makes about 15 preview frames a second for at most ~40 s.
    public static let maximumFrames = 600
    public static let minimumFrames = 2
    /// Score steps: 21 values 0, 0.05, …, 1.
    public static let scoreStep = 0.05
    /// The smallest movement that counts as the asked turn or nod: the prompt asks for 10–20°, and the
    /// mesh's pose has about 1° of noise per frame (docs/face-analysis.md).
    public static let minimumMovementDegrees = 7.0
    /// A frame counts as "moved" against the reference from this pose change on.
    public static let movedDegrees = 4.0
    /// Fewer textured points than this followed between two frames leave them out of the parallax.
    public static let minimumTrackedPoints = 12

    public init(policy: LivenessPolicy) {
        self.policy = policy
    }

    public func judge(_ frames: [FaceObservation?], challenge: Challenge) throws(LivenessError) -> LivenessResult {
        guard frames.count >= Self.minimumFrames else { throw .tooFewFrames(count: frames.count, minimum: Self.minimumFrames) }
        guard frames.count <= Self.maximumFrames else { throw .tooManyFrames(count: frames.count, maximum: Self.maximumFrames) }
        let faces = frames.compactMap { $0 }.filter(\.isUsable)
        guard faces.count >= 2 else { throw .noFace(framesWithFace: faces.count, frames: frames.count) }

        let movement = Self.movement(faces, challenge: challenge)
        let parallax = Self.parallax(faces, challenge: challenge)
        let blink = Self.blink(faces)

        // Evidence: the parallax ratio is ≤ 0 for a plane (the rigid model cannot beat the homography on
        // points that lie on one; tracking noise adds to both residuals alike) and 1 for a rigid head followed
        // perfectly; lighting changes and points lost on the turned side damp it. Full evidence from 40 % of
        // a head's parallax, so that with the challenge's weight 0.8 the score's midpoint 0.5 lies at a
        // quarter of a head's parallax.
        let parallaxEvidence = parallax.map { clamp($0.ratio / 0.4) } ?? 0
        // A blink closes the lid gap to ≈ 0 for 100–150 ms; at 15 frames/s one or two frames catch it.
        let blinkEvidence = clamp((blink - 0.3) / 0.4)

        var raw: Double
        let challengeMet: Bool
        switch challenge {
        case .none:
            challengeMet = true
            // Natural movement gives parallax when there is some; blinks are evidence on their own.
            raw = movement.moved ? max(parallaxEvidence, 0.5 * parallaxEvidence + 0.5 * blinkEvidence)
                                 : 0.5 * blinkEvidence
        case .turn, .nod:
            challengeMet = movement.met
            raw = 0.8 * parallaxEvidence + 0.2 * blinkEvidence
        }
        let faceShare = Double(faces.count) / Double(frames.count)
        raw *= faceShare >= 0.5 ? 1 : faceShare * 2
        let score = (clamp(raw) / Self.scoreStep).rounded() * Self.scoreStep
        let evidenceComplete = challengeMet && (challenge == .none ? (movement.moved || blinkEvidence > 0) : parallax != nil)
        let decision = policy.decision(score: score, evidenceComplete: evidenceComplete)
        let cues = LivenessCues(
            frames: frames.count, framesWithFace: faces.count, movementDegrees: movement.degrees, challengeMet: challengeMet,
            planarResidual: parallax?.planar, rigidResidual: parallax?.rigid, parallax: parallax?.ratio,
            blink: blink, parallaxEvidence: parallaxEvidence, blinkEvidence: blinkEvidence)
        return LivenessResult(score: score, decision: decision, challenge: challenge, cues: cues)
    }

    // MARK: movement

    struct Movement { var degrees: Double; var met: Bool; var moved: Bool }

    static func movement(_ faces: [FaceObservation], challenge: Challenge) -> Movement {
        let yaws = faces.map(\.yaw), pitches = faces.map(\.pitch)
        let yawRange = range(yaws), pitchRange = range(pitches)
        switch challenge {
        case .none:
            let degrees = max(yawRange, pitchRange)
            return Movement(degrees: degrees, met: true, moved: degrees >= minimumMovementDegrees)
        case .nod:
            return Movement(degrees: pitchRange, met: pitchRange >= minimumMovementDegrees, moved: pitchRange >= minimumMovementDegrees)
        case .turn(let direction):
            guard let direction else {
                return Movement(degrees: yawRange, met: yawRange >= minimumMovementDegrees, moved: yawRange >= minimumMovementDegrees)
            }
            // In the asked direction, both from where the head started (the median of the first frames) and
            // from facing the camera: a head that was already turned the other way and only comes back has not
            // made the asked turn.
            let start = median(Array(yaws.prefix(max(1, yaws.count / 5)))) * direction.yawSign
            let furthest = yaws.map { $0 * direction.yawSign }.max() ?? 0
            let reach = max(0, min(furthest - start, furthest))
            return Movement(degrees: reach, met: reach >= minimumMovementDegrees, moved: reach >= minimumMovementDegrees)
        }
    }

    // MARK: parallax

    struct Parallax { var planar: Double; var rigid: Double; var ratio: Double }

    /// Each frame against the reference (the frame nearest the median pose, the head at rest): the planar
    /// and the rigid model's residuals, and what a rigid head of this mesh's depth would leave the planar
    /// model for the same pose change. The medians over the moved frames.
    static func parallax(_ faces: [FaceObservation], challenge: Challenge) -> Parallax? {
        let medianYaw = median(faces.map(\.yaw)), medianPitch = median(faces.map(\.pitch))
        func poseDistance(_ f: FaceObservation) -> Double {
            switch challenge {
            case .turn: return abs(f.yaw - medianYaw)
            case .nod: return abs(f.pitch - medianPitch)
            case .none: return max(abs(f.yaw - medianYaw), abs(f.pitch - medianPitch))
            }
        }
        let reference = faces.min { poseDistance($0) < poseDistance($1) }!
        let size = reference.size
        var planar: [Double] = [], rigid: [Double] = []
        var excess = 0.0, expectedSum = 0.0
        for face in faces {
            let yawChange = face.yaw - reference.yaw, pitchChange = face.pitch - reference.pitch
            guard max(abs(yawChange), abs(pitchChange)) >= movedDegrees else { continue }
            // The texture's own movement where both frames have it; the mesh points otherwise.
            let from: [MeshPoint], to: [MeshPoint], unit: Double
            if let referenceTexture = reference.texture, let texture = face.texture {
                (from, to) = TextureTracker.track(from: reference, referenceTexture, to: face, texture)
                unit = FaceTexture.normalisedSize
                guard from.count >= minimumTrackedPoints else { continue }
            } else {
                (from, to, unit) = (reference.points, face.points, size)
            }
            guard let h = MotionModels.planarResidual(from: from, to: to),
                  let r = MotionModels.rigidResidual(from: from, to: to),
                  let expected = expectedPlanarResidual(from, yawDegrees: yawChange, pitchDegrees: pitchChange),
                  expected > 0
            else { continue }
            planar.append(h / unit)
            rigid.append(r / unit)
            excess += (h - r) / unit
            expectedSum += expected / unit
        }
        guard !planar.isEmpty, expectedSum > 0 else { return nil }
        // The least-squares ratio over the moved frames: frames that turned further (more parallax against
        // the same tracking noise) weigh more.
        return Parallax(planar: median(planar), rigid: median(rigid), ratio: excess / expectedSum)
    }

    /// The planar model's residual if the reference's 3-D points turned rigidly by the given angles (seen
    /// orthographically): what a real head with this mesh's depth must show.
    public static func expectedPlanarResidual(_ points: [MeshPoint], yawDegrees: Double, pitchDegrees: Double) -> Double? {
        let n = Double(points.count)
        let cx = points.reduce(0) { $0 + $1.x } / n, cy = points.reduce(0) { $0 + $1.y } / n, cz = points.reduce(0) { $0 + $1.z } / n
        let yaw = yawDegrees * .pi / 180, pitch = pitchDegrees * .pi / 180
        let turned = points.map { p -> MeshPoint in
            let x = p.x - cx, y = p.y - cy, z = p.z - cz
            // yaw about the vertical axis (nose, nearer the camera, moves to larger x for yaw > 0) …
            let x1 = x * cos(yaw) - z * sin(yaw), z1 = x * sin(yaw) + z * cos(yaw)
            // … then pitch about the horizontal axis (nose moves up, to smaller y, for pitch > 0).
            let y1 = y * cos(pitch) + z1 * sin(pitch), z2 = -y * sin(pitch) + z1 * cos(pitch)
            return MeshPoint(x: x1 + cx, y: y1 + cy, z: z2 + cz)
        }
        return MotionModels.planarResidual(from: points, to: turned)
    }

    // MARK: blink

    static func blink(_ faces: [FaceObservation]) -> Double {
        let openness = faces.map(\.eyeOpenness)
        let typical = median(openness)
        guard typical > 0.05, let lowest = openness.min() else { return 0 }
        return clamp(1 - lowest / typical)
    }
}

extension FaceObservation {
    /// A whole mesh of sane numbers (a damaged model or a hand-made observation must not reach the fits).
    var isUsable: Bool {
        points.count == Self.rigidIndices.count && yaw.isFinite && pitch.isFinite && eyeOpenness.isFinite
            && points.allSatisfy { $0.x.isFinite && $0.y.isFinite && $0.z.isFinite && abs($0.x) < 1e6 && abs($0.y) < 1e6 && abs($0.z) < 1e6 }
            && size > 0
    }
}

func clamp(_ value: Double) -> Double { value.isFinite ? min(max(value, 0), 1) : 0 }

func median(_ values: [Double]) -> Double {
    guard !values.isEmpty else { return 0 }
    let sorted = values.sorted()
    let mid = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

func range(_ values: [Double]) -> Double { (values.max() ?? 0) - (values.min() ?? 0) }
