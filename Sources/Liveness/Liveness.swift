import Configuration

/// What the person was asked to do during the guidance.
public enum Challenge: Sendable, Equatable, CustomStringConvertible {
    /// Nothing asked: the passive cues only (natural head movement, blinks).
    case none
    /// "Turn your head slightly to your left/right and back" (nil: either direction counts).
    case turn(TurnDirection?)
    /// "Nod slightly and back".
    case nod

    public var description: String {
        switch self {
        case .none: return "none"
        case .turn(let direction): return direction.map { "turn-\($0.rawValue)" } ?? "turn"
        case .nod: return "nod"
        }
    }

    /// `none`, `turn`, `turn-left`, `turn-right`, `nod`.
    public init?(_ text: String) {
        switch text {
        case "none": self = .none
        case "turn": self = .turn(nil)
        case "turn-left": self = .turn(.left)
        case "turn-right": self = .turn(.right)
        case "nod": self = .nod
        default: return nil
        }
    }
}

/// A direction as the person says it: their own left or right. The camera does not mirror, so turning to
/// one's left moves the nose towards larger image x: yaw grows (`HeadPose`).
public enum TurnDirection: String, Sendable, CaseIterable {
    case left, right

    /// +1 when the yaw grows with this turn, −1 when it falls.
    public var yawSign: Double { self == .left ? 1 : -1 }
}

/// The judgement of one presentation.
public enum LivenessDecision: String, Sendable, Codable {
    case bonaFide = "bona-fide"
    case attack
    case unsure
}

/// The thresholds from the config's `[liveness]` section.
public struct LivenessPolicy: Sendable, Equatable {
    public var mode: StationConfig.LivenessMode
    /// Scores at or above are bona fide.
    public var threshold: Double
    /// Below `threshold − unsureMargin` is an attack; between, unsure.
    public var unsureMargin: Double

    public init(mode: StationConfig.LivenessMode = .enforce, threshold: Double = 0.5, unsureMargin: Double = 0.2) {
        self.mode = mode
        self.threshold = threshold
        self.unsureMargin = unsureMargin
    }

    public init(_ config: StationConfig) {
        self.init(mode: config.livenessMode, threshold: config.livenessThreshold, unsureMargin: config.livenessUnsureMargin)
    }

    /// The decision for a score. `evidenceComplete` is false when the presentation could not show what
    /// was asked (the movement not made, no parallax measurable): then the answer is `unsure` — never
    /// `bona-fide` by default, and never `attack` for a person who merely did not turn.
    public func decision(score: Double, evidenceComplete: Bool) -> LivenessDecision {
        guard evidenceComplete else { return .unsure }
        if score >= threshold { return .bonaFide }
        if score < threshold - unsureMargin { return .attack }
        return .unsure
    }

    /// What the visit does with a decision under this mode.
    public func action(for decision: LivenessDecision) -> LivenessAction {
        switch mode {
        case .off: return .proceed
        case .observe: return .proceed
        case .enforce: return decision == .bonaFide ? .proceed : .refuse
        }
    }
}

/// What the visit does after the judgement.
public enum LivenessAction: Sendable, Equatable {
    case proceed
    /// Not a bona fide presentation in enforce mode: retry once, then ask the person to come back.
    case refuse
}

/// Why a presentation cannot be judged at all.
public enum LivenessError: Error, Equatable, CustomStringConvertible {
    /// Fewer frames than a movement needs.
    case tooFewFrames(count: Int, minimum: Int)
    /// More frames than a visit makes (about 40 s at 15 frames/s): refused before any is read.
    case tooManyFrames(count: Int, maximum: Int)
    /// No face in any frame (or in fewer than two).
    case noFace(framesWithFace: Int, frames: Int)
    /// One presentation comes from one camera: every frame has the first frame's size.
    case mixedFrameSizes(first: String, other: String, frame: String)
    /// A frame could not be read or decoded.
    case unreadableFrame(frame: String, reason: String)
    /// The folder could not be listed.
    case unreadableFolder(path: String, reason: String)
    /// A folder given as a set of presentations holds neither JPEG frames nor subfolders.
    case noPresentations(path: String)

    public var description: String {
        switch self {
        case .tooFewFrames(let count, let minimum):
            return "a presentation needs at least \(minimum) frames, found \(count)"
        case .tooManyFrames(let count, let maximum):
            return "\(count) frames is more than a visit records (at most \(maximum)); judge a shorter presentation"
        case .noFace(let withFace, let frames):
            return withFace == 0 ? "no face found in any of the \(frames) frames"
                : "a face was found in only \(withFace) of the \(frames) frames (at least 2 needed)"
        case .mixedFrameSizes(let first, let other, let frame):
            return "frame \(frame) is \(other), the first frame is \(first): a presentation comes from one camera"
        case .unreadableFrame(let frame, let reason):
            return "cannot read frame \(frame): \(reason)"
        case .unreadableFolder(let path, let reason):
            return "cannot read the folder \(path): \(reason)"
        case .noPresentations(let path):
            return "\(path) holds neither JPEG frames nor presentation folders"
        }
    }
}
