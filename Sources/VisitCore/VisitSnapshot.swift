import Configuration
import Platform
import Submission

/// The visit as the API shows it (`GET /api/v1/visit`). Times are seconds here (numbers in the JSON the
/// browser and `fotoboxctl` read), converted from the machine's durations in this one place. A tab that does not own the running visit sees
/// only that one is running, its step and language: never the case number, the photo or the receipt.
public struct VisitSnapshot: Sendable, Encodable, Equatable {
    public struct Timeout: Sendable, Encodable, Equatable {
        /// Seconds the inactivity timeout allows in all.
        public var seconds: Int
        /// Seconds left while the warning is due; nil before that.
        public var warningSecondsLeft: Int?
    }

    public struct Photo: Sendable, Encodable, Equatable {
        public var compliant: Bool
        public var advice: [String]
        /// Each failed mandatory check (`check`: the report's id) with what helps (`advice`: a code).
        public var findings: [Finding]
    }

    public struct Finding: Sendable, Encodable, Equatable {
        public var check: CheckID
        public var advice: String
    }

    public struct Receipt: Sendable, Encodable, Equatable {
        public var caseNumber: String
        public var confirmationCode: String
        /// false: "your photo will be sent automatically" (it is queued either way).
        public var officeReachable: Bool
    }

    public var revision: Int
    public var step: VisitStep
    public var language: Language
    /// "rtl" for Arabic.
    public var direction: String
    /// A visit is running (someone is at the station).
    public var active: Bool
    /// This request carries the running visit's token.
    public var owned: Bool
    public var camera: String
    /// What is out of order (`camera`, `pad`): the welcome screen says so and no visit starts.
    public var faults: [StationFault]
    /// The capture starts by itself once the guidance has been good for this many seconds (absent: off).
    public var autoCaptureSeconds: Double?
    public var caseNumber: String?
    public var retakesLeft: Int?
    public var guidance: String?
    /// During the liveness challenge, once its prompt shows: the movement asked for (the UI's arrow and
    /// `challenge.<code>` text). The challenge's score and decision are never part of a snapshot.
    public var challenge: ChallengePrompt?
    public var problem: String?
    /// For `no-usable-frame`: what to change (a guidance code).
    public var problemAdvice: String?
    public var timeout: Timeout?
    /// Seconds until the burst, during the capture step's countdown.
    public var countdownSeconds: Double?
    public var photo: Photo?
    public var receipt: Receipt?

    /// What a tab sees of `machine` at `now` (`owned`: the tab carries the visit's token).
    public init(machine: VisitMachine, owned: Bool, now: VisitInstant) {
        revision = machine.revision
        step = machine.step
        language = machine.language
        direction = machine.language.isRightToLeft ? "rtl" : "ltr"
        active = machine.visit != nil
        self.owned = owned
        camera = machine.cameraAvailable ? "ok" : "unavailable"
        faults = machine.faults
        if machine.settings.autoCaptureHold > .zero { autoCaptureSeconds = machine.settings.autoCaptureHold.inSeconds }
        let seconds = Int(machine.settings.inactivityTimeout.inSeconds.rounded())
        if machine.step.waitsForCitizen {
            timeout = Timeout(seconds: seconds, warningSecondsLeft: machine.timeUntilTimeout(now: now).map { Int($0.inSeconds.rounded(.up)) })
        }
        guard owned, let visit = machine.visit else { return }
        caseNumber = visit.caseNumber
        retakesLeft = machine.retakesLeft
        if machine.step == .guidance || machine.step == .challenge { guidance = machine.guidance.rawValue }
        challenge = machine.challengePrompt(now: now)
        if let problem = machine.problem {
            self.problem = problem.code
            if case .noUsableFrame(let code) = problem { problemAdvice = code.rawValue }
        }
        if machine.step == .guidance && !machine.cameraAvailable { problem = VisitProblem.cameraUnavailable.code }
        if let burstAt = machine.burstStartsAt { countdownSeconds = max(0, (burstAt - now).inSeconds) }
        if let photo = visit.photo, [.review, .signature, .summary].contains(machine.step) {
            self.photo = Photo(compliant: photo.compliant, advice: photo.advice.map(\.rawValue),
                               findings: photo.findings.map { Finding(check: $0.check, advice: $0.advice.code) })
        }
        if machine.step == .receipt, let caseNumber = visit.caseNumber, let code = visit.confirmationCode {
            receipt = Receipt(caseNumber: caseNumber, confirmationCode: code.text, officeReachable: visit.officeReachable)
        }
    }
}
