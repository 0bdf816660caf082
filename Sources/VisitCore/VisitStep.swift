import Submission

// `VisitStep` itself is defined in Submission (StationStep.swift): the station's status on the wire carries it
// to `fotoboxctl status`, which does not link the visit core.
extension VisitStep {
    /// Steps where the citizen is expected to act, so that inactivity ends the visit.
    var waitsForCitizen: Bool {
        switch self {
        case .caseNumber, .consent, .guidance, .review, .signature, .summary, .receipt: true
        case .welcome, .challenge, .capture, .queued, .comeBackLater: false
        }
    }
}

/// The languages the UI speaks (one catalogue each in `ui/i18n/`).
public enum Language: String, Sendable, CaseIterable, Codable {
    case de, en, tr, uk, ar

    /// Arabic is written right to left.
    public var isRightToLeft: Bool { self == .ar }
}

/// Something the citizen should know about and can act on, shown on the current step.
public enum VisitProblem: Sendable, Equatable {
    /// No frames: "please inform the staff; nothing was stored".
    case cameraUnavailable
    /// The pad does not answer; the citizen may retry or cancel.
    case padUnavailable
    /// The burst gave no usable photo; back to the guidance with what to change.
    case noUsableFrame(GuidanceCode)
    /// The capture took longer than its limit.
    case captureTooLong
    /// The signature was empty or tiny.
    case signatureTooSmall
    /// The outbox could not store the submission: nothing was sent, the citizen should ask the staff.
    case queueFailed
    /// The liveness challenge's movement was not recognised (enforce mode): once more, with a new one.
    case challengeRetry

    /// Every code the UI must be able to show.
    public static let allCodes = ["camera-unavailable", "pad-unavailable", "no-usable-frame", "capture-too-long",
                                  "signature-too-small", "queue-failed", "challenge-retry"]

    /// The stable code the UI translates (`problem.<code>`).
    public var code: String {
        switch self {
        case .cameraUnavailable: "camera-unavailable"
        case .padUnavailable: "pad-unavailable"
        case .noUsableFrame: "no-usable-frame"
        case .captureTooLong: "capture-too-long"
        case .signatureTooSmall: "signature-too-small"
        case .queueFailed: "queue-failed"
        case .challengeRetry: "challenge-retry"
        }
    }
}

/// Why a visit was wiped (for logs; never with the case number).
public enum WipeReason: String, Sendable, Equatable {
    case finished
    case cancelled
    case declinedConsent = "declined-consent"
    case inactivity
    /// Enforce mode: the second challenge was not taken for a live person either (the come-back screen).
    case livenessRefused = "liveness-refused"
}

/// Why an action was refused. The API answers with the matching 4xx status.
public enum VisitRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    /// The action does not belong to the current step.
    case wrongStep(action: String, step: VisitStep)
    /// Another visit is running (a second browser tab).
    case visitInProgress
    /// The request does not carry the running visit's token.
    case notYourVisit
    /// The case number does not pass the configured rules; `reason` is a stable code
    /// (`format`, `pattern`, `check-digit`).
    case caseNumberRefused(reason: String)
    case noRetakesLeft
    case cameraUnavailable
    /// The station is out of order (camera or pad): no visit starts.
    case outOfOrder([StationFault])

    public var code: String {
        switch self {
        case .wrongStep: "wrong-step"
        case .visitInProgress: "visit-in-progress"
        case .notYourVisit: "not-your-visit"
        case .caseNumberRefused: "case-number-refused"
        case .noRetakesLeft: "no-retakes-left"
        case .cameraUnavailable: "camera-unavailable"
        case .outOfOrder: "out-of-order"
        }
    }

    public var description: String {
        switch self {
        case .wrongStep(let action, let step): "'\(action)' is not possible in the step '\(step.rawValue)'"
        case .visitInProgress: "another visit is in progress at this station"
        case .notYourVisit: "the request does not carry this visit's token"
        case .caseNumberRefused(let reason): "the case number was refused (\(reason))"
        case .noRetakesLeft: "no retakes left"
        case .cameraUnavailable: "the camera is unavailable"
        case .outOfOrder(let faults): "the station is out of order (\(faults.map(\.rawValue).joined(separator: ", ")))"
        }
    }
}
