import Configuration
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

    /// The kinds of problem, each with the stable code the UI translates (`problem.<code>`): one definition of
    /// each code.
    public enum Kind: String, Sendable, CaseIterable {
        case cameraUnavailable = "camera-unavailable"
        case padUnavailable = "pad-unavailable"
        case noUsableFrame = "no-usable-frame"
        case captureTooLong = "capture-too-long"
        case signatureTooSmall = "signature-too-small"
        case queueFailed = "queue-failed"
        case challengeRetry = "challenge-retry"
    }

    public var kind: Kind {
        switch self {
        case .cameraUnavailable: .cameraUnavailable
        case .padUnavailable: .padUnavailable
        case .noUsableFrame: .noUsableFrame
        case .captureTooLong: .captureTooLong
        case .signatureTooSmall: .signatureTooSmall
        case .queueFailed: .queueFailed
        case .challengeRetry: .challengeRetry
        }
    }

    /// Every code the UI must be able to show.
    public static var allCodes: [String] { Kind.allCases.map(\.rawValue) }

    /// The stable code the UI translates (`problem.<code>`).
    public var code: String { kind.rawValue }
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
    case wrongStep(action: VisitAction, step: VisitStep)
    /// Another visit is running (a second browser tab).
    case visitInProgress
    /// The request does not carry the running visit's token.
    case notYourVisit
    /// The case number does not pass the configured rules; the API answers with `reason.code`.
    case caseNumberRefused(reason: CaseIDRules.Rejection)
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
        case .wrongStep(let action, let step): "'\(action.rawValue)' is not possible in the step '\(step.rawValue)'"
        case .visitInProgress: "another visit is in progress at this station"
        case .notYourVisit: "the request does not carry this visit's token"
        case .caseNumberRefused(let reason): "the case number was refused (\(reason.code))"
        case .noRetakesLeft: "no retakes left"
        case .cameraUnavailable: "the camera is unavailable"
        case .outOfOrder(let faults): "the station is out of order (\(faults.map(\.rawValue).joined(separator: ", ")))"
        }
    }
}

extension CaseIDRules.Rejection {
    /// The stable code the API answers a refused case number with (`reason`; the UI translates
    /// `caseNumber.refused.<code>`) and the journal records: the one place the reason becomes text.
    public var code: String {
        switch self {
        case .format: "format"
        case .pattern: "pattern"
        case .checkDigit: "check-digit"
        }
    }
}
