import Capture
import Configuration
import Foundation

// Presentation-attack detection ("liveness", issue 13) as the visit sees it: the challenge the citizen is
// asked for, the judgement the detector gives, and the port the service drives. The judging itself lives in
// the Liveness module; Kiosk adapts it to this port (`ChainPresentationDetector`). VisitCore knows neither
// frames' faces nor thresholds: only what to ask, when, and what the mode does with the answer.

/// What the visit does with the judgement (`[liveness] mode`): the config's typed value.
public typealias LivenessMode = StationConfig.LivenessMode

/// The movement the citizen is asked for during the challenge, as the UI shows it (`challenge.<code>` in
/// the catalogues, with an arrow). Directions are the citizen's own left and right.
public enum ChallengePrompt: String, Sendable, Codable, CaseIterable {
    case turnLeft = "turn-left"
    case turnRight = "turn-right"
    case nod
}

/// The detector's answer for one presentation.
public enum PresentationDecision: String, Sendable, Codable {
    case bonaFide = "bona-fide"
    case attack
    /// The asked movement was not seen (or could not be judged): neither accepted nor called an attack.
    case unsure
}

/// Why a presentation could not be judged at all (then the decision is `unsure`, the score 0).
public enum UnjudgedReason: String, Sendable, Codable {
    /// No face (or in fewer than two frames) during the challenge.
    case noFace = "no-face"
    /// Too few preview frames arrived during the challenge.
    case tooFewFrames = "too-few-frames"
    /// The challenge was not answered before the capture's deadline.
    case deadline
    /// The station has no detector (it could not be built): enforce mode then lets nobody through.
    case detectorUnavailable = "detector-unavailable"
}

/// The measured cues behind a score, in their physical units (docs/liveness.md has the formulas). For the
/// office's report and the journal only: never shown to the citizen.
public struct PresentationCues: Sendable, Equatable, Encodable {
    public var frames: Int
    public var framesWithFace: Int
    /// How far the head moved in the asked way, degrees.
    public var movementDegrees: Double
    /// The asked movement was made (direction, extent, and back).
    public var challengeMet: Bool
    /// What a plane cannot explain but a rigid head can, ÷ what a head would show (≈ 1 head, ≤ 0 plane).
    public var parallax: Double?
    /// The deepest eye closing (≈ 1 a blink).
    public var blink: Double

    public init(frames: Int, framesWithFace: Int, movementDegrees: Double, challengeMet: Bool, parallax: Double?, blink: Double) {
        self.frames = frames
        self.framesWithFace = framesWithFace
        self.movementDegrees = movementDegrees
        self.challengeMet = challengeMet
        self.parallax = parallax
        self.blink = blink
    }

    enum CodingKeys: String, CodingKey { case frames, framesWithFace, movementDegrees, challengeMet, parallax, blink }

    /// Every key always present (null when not measured), rounded to what the measurement resolves.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(frames, forKey: .frames)
        try c.encode(framesWithFace, forKey: .framesWithFace)
        try c.encode(roundedTo(movementDegrees, 100), forKey: .movementDegrees)
        try c.encode(challengeMet, forKey: .challengeMet)
        try c.encode(parallax.map { roundedTo($0, 1000) }, forKey: .parallax)
        try c.encode(roundedTo(blink, 1000), forKey: .blink)
    }
}

private func roundedTo(_ value: Double, _ scale: Double) -> Double { value.isFinite ? (value * scale).rounded() / scale : 0 }

/// The detector's judgement of one presentation.
public struct PresentationJudgement: Sendable, Equatable {
    /// In [0, 1] (1 = bona fide), in the detector's steps.
    public var score: Double
    public var decision: PresentationDecision
    /// nil when the presentation could be judged.
    public var unjudged: UnjudgedReason?
    public var cues: PresentationCues?

    public init(score: Double, decision: PresentationDecision, unjudged: UnjudgedReason? = nil, cues: PresentationCues? = nil) {
        self.score = score.isFinite ? min(max(score, 0), 1) : 0
        self.decision = decision
        self.unjudged = unjudged
        self.cues = cues
    }

    /// A presentation that could not be judged.
    public static func unjudged(_ reason: UnjudgedReason) -> PresentationJudgement {
        PresentationJudgement(score: 0, decision: .unsure, unjudged: reason)
    }
}

/// When and what to ask, as the detector chose it (randomly: a replayed video cannot know either).
public struct ChallengePlan: Sendable, Equatable {
    public var prompt: ChallengePrompt
    /// From the challenge's beginning (the face held good) until the prompt shows.
    public var promptDelay: Duration
    /// After the prompt, the time in which the movement is judged (at least half a second).
    public var responseWindow: Duration

    public init(prompt: ChallengePrompt, promptDelay: Duration, responseWindow: Duration) {
        self.prompt = prompt
        self.promptDelay = max(.zero, promptDelay)
        self.responseWindow = max(.milliseconds(500), responseWindow)
    }
}

/// The liveness part of the compliance report sent to the office (`liveness` object) and of the journal.
/// Never in a citizen-facing snapshot.
public struct LivenessRecord: Sendable, Equatable, Encodable {
    public var mode: LivenessMode
    /// Which challenge of the visit this was (1, 2, …); nil in `off` mode.
    public var attempt: Int?
    public var challenge: ChallengePrompt?
    public var score: Double?
    public var decision: PresentationDecision?
    public var unjudged: UnjudgedReason?
    public var cues: PresentationCues?

    /// `off`: nothing asked, nothing judged.
    public static let off = LivenessRecord(mode: .off)

    public init(mode: LivenessMode, attempt: Int? = nil, challenge: ChallengePrompt? = nil, judgement: PresentationJudgement? = nil) {
        self.mode = mode
        self.attempt = attempt
        self.challenge = challenge
        score = judgement.map { roundedTo($0.score, 1000) }
        decision = judgement?.decision
        unjudged = judgement?.unjudged
        cues = judgement?.cues
    }

    enum CodingKeys: String, CodingKey { case mode, attempt, challenge, score, decision, unjudged, cues }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(mode.rawValue, forKey: .mode)
        try c.encode(attempt, forKey: .attempt)
        try c.encode(challenge, forKey: .challenge)
        try c.encode(score, forKey: .score)
        try c.encode(decision, forKey: .decision)
        try c.encode(unjudged, forKey: .unjudged)
        try c.encode(cues, forKey: .cues)
    }

    /// The record as JSON (sorted keys, every key present).
    public var json: [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(self)).map { [UInt8]($0) } ?? Array(#"{"mode":"\#(mode.rawValue)"}"#.utf8)
    }

    /// The compliance report with this record as its top-level `liveness` member. The report is the
    /// pipeline's JSON object; one that is not an object (or already has a `liveness` member) is wrapped as
    /// `{"compliance": <report>, "liveness": …}` so the record is never lost and never duplicated.
    public func attached(to report: [UInt8]) -> [UInt8] {
        let whitespace: Set<UInt8> = [0x20, 0x09, 0x0A, 0x0D]
        guard let first = report.firstIndex(where: { !whitespace.contains($0) }),
              let last = report.lastIndex(where: { !whitespace.contains($0) }),
              report[first] == UInt8(ascii: "{"), report[last] == UInt8(ascii: "}"), first < last,
              !containsTopLevelKey("liveness", report)
        else {
            let inner = report.isEmpty ? Array("null".utf8) : report
            return Array(#"{"compliance":"#.utf8) + inner + Array(#","liveness":"#.utf8) + json + [UInt8(ascii: "}")]
        }
        let body = report[report.index(after: first)..<last]
        let empty = body.allSatisfy { whitespace.contains($0) }
        return [UInt8(ascii: "{")] + Array(body) + Array((empty ? "" : ",").utf8) + Array(#""liveness":"#.utf8) + json + [UInt8(ascii: "}")]
    }
}

/// Whether the JSON object `report` has `key` as a member at its top level (strings skipped, depth counted).
private func containsTopLevelKey(_ key: String, _ report: [UInt8]) -> Bool {
    let wanted = Array("\"\(key)\"".utf8)
    var depth = 0, index = 0
    while index < report.count {
        let byte = report[index]
        if byte == UInt8(ascii: "\"") {
            let start = index
            index += 1
            while index < report.count && report[index] != UInt8(ascii: "\"") {
                index += report[index] == UInt8(ascii: "\\") ? 2 : 1
            }
            if depth == 1 && index < report.count && Array(report[start...index]) == wanted {
                // A member name is followed by a colon.
                var next = index + 1
                while next < report.count && [0x20, 0x09, 0x0A, 0x0D].contains(report[next]) { next += 1 }
                if next < report.count && report[next] == UInt8(ascii: ":") { return true }
            }
        } else if byte == UInt8(ascii: "{") || byte == UInt8(ascii: "[") {
            depth += 1
        } else if byte == UInt8(ascii: "}") || byte == UInt8(ascii: "]") {
            depth -= 1
        }
        index += 1
    }
    return false
}

/// The presentation-attack detector, in the few operations a visit needs. `observe` runs on the camera
/// thread, the others on the visit thread; implementations keep their own state behind one lock.
public protocol PresentationDetector: AnyObject, Sendable {
    /// A new presentation beginning at `time` (the visit's monotonic clock): forgets earlier frames and
    /// chooses, at random, what to ask and when.
    func begin(at time: VisitInstant) -> ChallengePlan
    /// One preview frame during the challenge, after `PhotoPipeline.guidance(for:)` was asked about the same
    /// frame on the same thread (so an implementation may reuse the face chain's result for it).
    func observe(_ frame: Frame, at time: VisitInstant)
    /// Judges the frames since `begin` and forgets them.
    func judge() -> PresentationJudgement
    /// Forgets every frame (wipe, camera lost).
    func reset()
}
