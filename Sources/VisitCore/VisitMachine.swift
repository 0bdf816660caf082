/// What happens to a visit: the citizen's actions (through the API) and the results of the work the
/// service did for the machine (capture, pad, outbox).
public enum VisitEvent: Sendable {
    // The citizen.
    case start(Language)
    case setLanguage(Language)
    case caseNumber(String)
    case consent(Bool)
    case takePhoto
    case review(accept: Bool)
    case signature(accept: Bool)
    case confirm
    case finish
    case cancel
    /// "Continue" on the timeout warning, or any touch that should count as activity.
    case keepAlive

    // The service.
    /// A face in front of the camera during the guidance counts as activity; `code` is shown.
    case guidance(GuidanceCode)
    case cameraAvailable(Bool)
    case photoProcessed(attempt: Int, Result<ProcessedPhoto, PhotoFailure>)
    case padFailed(SignatureFailure)
    /// New ink on the pad: the citizen is signing, which counts as activity.
    case padActivity
    /// The citizen pressed a button on the pad itself.
    case padButton(PadButton)
    case signatureRendered(Result<[UInt8], SignatureFailure>)
    case queued(Result<Bool, QueueFailure>)

    var action: String {
        switch self {
        case .start: "start"
        case .setLanguage: "language"
        case .caseNumber: "case-number"
        case .consent: "consent"
        case .takePhoto: "capture"
        case .review: "review"
        case .signature: "signature"
        case .confirm: "confirm"
        case .finish: "finish"
        case .cancel: "cancel"
        case .keepAlive: "keep-alive"
        case .guidance: "guidance"
        case .cameraAvailable: "camera"
        case .photoProcessed: "photo"
        case .padFailed, .padButton, .padActivity: "pad"
        case .signatureRendered: "signature-rendered"
        case .queued: "queued"
        }
    }
}

/// Work the machine asks the service to do. The machine itself never blocks and never touches a device.
public enum VisitEffect: Sendable, Equatable {
    /// Count down, take a burst, process it, then send `.photoProcessed(attempt:)`.
    case startCapture(attempt: Int)
    case stopCapture
    /// `SignatureCapture.begin`, then poll it.
    case startSignature
    case clearSignature
    /// Render the signature and send `.signatureRendered`.
    case finishSignature
    case endSignature
    /// Store durably, then send `.queued`.
    case enqueue(VisitSubmission)
    /// Forget everything of the visit that lives outside the machine (preview frames, temp files, pad).
    case wipe(WipeReason)
}

/// Timing of a visit; the defaults are the station's (config `visit.inactivity-timeout`).
public struct VisitSettings: Sendable, Equatable {
    /// Seconds without a touch (or a face during the guidance) before the visit is wiped.
    public var inactivityTimeout: Double
    /// Seconds before the wipe during which the warning with "continue" is shown.
    public var warningLead: Double
    /// The capture (countdown, burst, processing) must end within this (TR-03121: 30 s).
    public var captureLimit: Double
    /// The countdown the UI shows before the burst.
    public var countdown: Double
    public var maxRetakes: Int

    public init(inactivityTimeout: Double = 60, warningLead: Double? = nil, captureLimit: Double = 30,
                countdown: Double = 3, maxRetakes: Int = 3) {
        self.inactivityTimeout = inactivityTimeout
        // A quarter of the timeout, at most 20 s: long enough to read and reach the button.
        self.warningLead = warningLead ?? min(20, inactivityTimeout / 4)
        self.captureLimit = captureLimit
        self.countdown = countdown
        self.maxRetakes = maxRetakes
    }
}

/// Everything of one citizen's visit. Only the machine holds it; the wipe zeroes and drops it.
public struct Visit: Sendable {
    /// The bearer token of the browser tab that started the visit.
    public let token: String
    public let startedAt: Double
    public var caseNumber: String?
    public var retakes = 0
    /// Increases with every "take photo"; results of an older attempt are ignored.
    public var captureAttempt = 0
    public var captureStartedAt: Double?
    public var photo: ProcessedPhoto?
    public var signatureJPEG: [UInt8]?
    public var confirmationCode: String?
    public var officeReachable = true

    init(token: String, startedAt: Double) {
        self.token = token
        self.startedAt = startedAt
    }

    /// Overwrites the biometric bytes this value holds before it is dropped (copies handed to the outbox
    /// are the outbox's; arrays shared copy-on-write are copied, not zeroed, by this).
    mutating func zero() {
        if photo != nil { photo!.jpeg.zeroAll(); photo!.reportJSON.zeroAll() }
        signatureJPEG?.zeroAll()
        caseNumber = nil
    }
}

extension Array where Element == UInt8 {
    mutating func zeroAll() {
        withUnsafeMutableBufferPointer { buffer in
            for index in buffer.indices { buffer[index] = 0 }
        }
    }
}

/// The visit state machine: one citizen at a time, from welcome to receipt, then wiped.
///
/// Pure and synchronous: `handle` and `tick` take the time from the caller (an injectable clock), change
/// the state, and return the effects for the service to carry out. Every change bumps `revision`, which
/// the server pushes to the browser as a Server-Sent Event.
public struct VisitMachine: Sendable {
    public let settings: VisitSettings
    public let defaultLanguage: Language
    /// nil when the case number is acceptable, else a stable reason code.
    let validateCaseNumber: @Sendable (String) -> String?

    public private(set) var step: VisitStep = .welcome
    public private(set) var language: Language
    public private(set) var visit: Visit?
    public private(set) var revision = 0
    public private(set) var problem: VisitProblem?
    public private(set) var guidance: GuidanceCode = .noFace
    public private(set) var cameraAvailable = true
    /// When the citizen last acted (or was seen during the guidance).
    public private(set) var lastActivity: Double
    public private(set) var stepEnteredAt: Double
    /// The last reason a visit was wiped (tests and logs).
    public private(set) var lastWipe: WipeReason?
    private var warningAnnounced = false

    public init(settings: VisitSettings = VisitSettings(), defaultLanguage: Language = .de, now: Double,
                validateCaseNumber: @escaping @Sendable (String) -> String?) {
        self.settings = settings
        self.defaultLanguage = defaultLanguage
        self.language = defaultLanguage
        self.validateCaseNumber = validateCaseNumber
        self.lastActivity = now
        self.stepEnteredAt = now
    }

    public var retakesLeft: Int { max(0, settings.maxRetakes - (visit?.retakes ?? 0)) }

    /// Whether `token` may act on the running visit.
    public func owns(_ token: String?) -> Bool {
        guard let visit, let token else { return false }
        return constantTimeEqual(visit.token, token)
    }

    /// Seconds until the inactivity wipe while the warning is due, else nil.
    public func secondsUntilTimeout(now: Double) -> Double? {
        guard step.waitsForCitizen else { return nil }
        let left = lastActivity + settings.inactivityTimeout - now
        return left <= settings.warningLead ? max(0, left) : nil
    }

    /// When the burst starts (the end of the countdown), during the capture step.
    public var burstStartsAt: Double? {
        guard step == .capture, let started = visit?.captureStartedAt else { return nil }
        return started + settings.countdown
    }

    // MARK: events

    /// Applies one event at time `now`. Refused actions change nothing and throw.
    public mutating func handle(_ event: VisitEvent, now: Double) throws(VisitRefusal) -> [VisitEffect] {
        switch event {
        case .start(let chosen):
            guard visit == nil else { throw .visitInProgress }
            language = chosen
            visit = Visit(token: Self.newToken(), startedAt: now)
            touch(now)
            enter(.caseNumber, now)
            return []

        case .setLanguage(let chosen):
            language = chosen
            touch(now)
            changed()
            return []

        case .caseNumber(let text):
            try expect(.caseNumber, event)
            touch(now)
            let normalised = Self.normalise(caseNumber: text)
            if let reason = validateCaseNumber(normalised) {
                changed()
                throw .caseNumberRefused(reason: reason)
            }
            visit!.caseNumber = normalised
            enter(.consent, now)
            return []

        case .consent(let accepted):
            try expect(.consent, event)
            guard accepted else { return wipe(.declinedConsent, now) }
            touch(now)
            enter(.guidance, now)
            return []

        case .takePhoto:
            try expect(.guidance, event)
            guard cameraAvailable else { throw .cameraUnavailable }
            touch(now)
            visit!.captureAttempt += 1
            visit!.captureStartedAt = now
            enter(.capture, now)
            return [.startCapture(attempt: visit!.captureAttempt)]

        case .review(let accept):
            try expect(.review, event)
            touch(now)
            if accept {
                enter(.signature, now)
                return [.startSignature]
            }
            guard retakesLeft > 0 else { throw .noRetakesLeft }
            visit!.retakes += 1
            discardPhoto()
            enter(.guidance, now)
            return []

        case .signature(let accept):
            try expect(.signature, event)
            touch(now)
            if problem == .padUnavailable {
                // "Try again" after the pad failed: start it afresh.
                problem = nil
                changed()
                return [.startSignature]
            }
            problem = nil
            changed()
            return [accept ? .finishSignature : .clearSignature]

        case .confirm:
            try expect(.summary, event)
            touch(now)
            guard let visit, let caseNumber = visit.caseNumber, let photo = visit.photo, let signature = visit.signatureJPEG else {
                throw .wrongStep(action: event.action, step: step)
            }
            let code = Self.newConfirmationCode()
            self.visit!.confirmationCode = code
            let submission = VisitSubmission(
                caseNumber: caseNumber, photoJPEG: photo.jpeg, signatureJPEG: signature, reportJSON: photo.reportJSON,
                confirmationCode: code,
                metadata: ["language": language.rawValue, "retakes": String(visit.retakes),
                           "compliant": String(photo.compliant), "visitSeconds": String(Int((now - visit.startedAt).rounded()))])
            enter(.queued, now)
            return [.enqueue(submission)]

        case .finish:
            try expect(.receipt, event)
            return wipe(.finished, now)

        case .cancel:
            guard visit != nil else { throw .wrongStep(action: event.action, step: step) }
            return wipe(.cancelled, now)

        case .keepAlive:
            guard visit != nil else { return [] }
            touch(now)
            changed()
            return []

        case .guidance(let code):
            guard step == .guidance else { return [] }
            // A face counts as activity; a warning already shown must then disappear (a new revision).
            if code != .noFace && touch(now) { changed() }
            if code != guidance {
                guidance = code
                if case .noUsableFrame = problem, code == .good { problem = nil }
                changed()
            }
            return []

        case .cameraAvailable(let available):
            guard available != cameraAvailable else { return [] }
            cameraAvailable = available
            changed()
            return []

        case .photoProcessed(let attempt, let result):
            guard step == .capture, attempt == visit?.captureAttempt else { return [] }
            visit!.captureStartedAt = nil
            touch(now)
            switch result {
            case .success(let photo):
                visit!.photo = photo
                enter(.review, now)
            case .failure(.noUsableFrame(let code)):
                guidance = code
                enter(.guidance, now, problem: .noUsableFrame(code))
            case .failure(.tooLong):
                enter(.guidance, now, problem: .captureTooLong)
            case .failure(.cameraUnavailable):
                // Shown once; whether the camera delivers is the camera thread's to say (`.cameraAvailable`).
                enter(.guidance, now, problem: .cameraUnavailable)
            case .failure(.processing):
                enter(.guidance, now, problem: .noUsableFrame(.holdStill))
            }
            return []

        case .padFailed(let failure):
            guard step == .signature else { return [] }
            problem = failure == .tooSmall ? .signatureTooSmall : .padUnavailable
            changed()
            return []

        case .padActivity:
            guard step == .signature else { return [] }
            if touch(now) { changed() }
            return []

        case .padButton(let button):
            guard step == .signature, problem != .padUnavailable else { return [] }
            touch(now)
            problem = nil
            changed()
            return [button == .accept ? .finishSignature : .clearSignature]

        case .signatureRendered(let result):
            guard step == .signature else { return [] }
            switch result {
            case .success(let jpeg):
                visit!.signatureJPEG = jpeg
                enter(.summary, now)
                return [.endSignature]
            case .failure(.tooSmall):
                problem = .signatureTooSmall
                changed()
                return [.clearSignature]
            case .failure:
                problem = .padUnavailable
                changed()
                return []
            }

        case .queued(let result):
            guard step == .queued else { return [] }
            switch result {
            case .success(let reachable):
                visit!.officeReachable = reachable
                // The outbox has its own copy now; the visit's photo and signature are no longer needed.
                discardPhoto()
                visit!.signatureJPEG?.zeroAll()
                visit!.signatureJPEG = nil
                touch(now)
                enter(.receipt, now)
            case .failure:
                visit!.confirmationCode = nil
                touch(now)
                enter(.summary, now, problem: .queueFailed)
            }
            return []
        }
    }

    // MARK: time

    /// Advances time: fires the inactivity wipe, the warning before it, and the capture limit.
    public mutating func tick(now: Double) -> [VisitEffect] {
        if step == .welcome {
            // A language chosen by someone who walked away goes back to the station's default.
            if language != defaultLanguage && now - lastActivity >= settings.inactivityTimeout {
                language = defaultLanguage
                changed()
            }
            return []
        }
        if step == .capture, let started = visit?.captureStartedAt, now - started >= settings.captureLimit {
            visit!.captureStartedAt = nil
            touch(now)
            enter(.guidance, now, problem: .captureTooLong)
            return [.stopCapture]
        }
        guard step.waitsForCitizen else { return [] }
        let idle = now - lastActivity
        if idle >= settings.inactivityTimeout { return wipe(.inactivity, now) }
        if idle >= settings.inactivityTimeout - settings.warningLead && !warningAnnounced {
            warningAnnounced = true
            changed()
        }
        return []
    }

    // MARK: internals

    private mutating func wipe(_ reason: WipeReason, _ now: Double) -> [VisitEffect] {
        var effects: [VisitEffect] = []
        if step == .capture { effects.append(.stopCapture) }
        if step == .signature { effects.append(.endSignature) }
        visit?.zero()
        visit = nil
        problem = nil
        guidance = .noFace
        lastWipe = reason
        if reason == .inactivity { language = defaultLanguage }
        touch(now)
        enter(.welcome, now)
        effects.append(.wipe(reason))
        return effects
    }

    private mutating func discardPhoto() {
        if visit?.photo != nil {
            visit!.photo!.jpeg.zeroAll()
            visit!.photo = nil
        }
    }

    private func expect(_ wanted: VisitStep, _ event: VisitEvent) throws(VisitRefusal) {
        guard step == wanted, visit != nil else { throw .wrongStep(action: event.action, step: step) }
    }

    private mutating func enter(_ next: VisitStep, _ now: Double, problem: VisitProblem? = nil) {
        step = next
        stepEnteredAt = now
        self.problem = problem
        if next == .guidance && self.problem == nil { guidance = .noFace }
        changed()
    }

    /// Records activity; true when a timeout warning was showing (and is now withdrawn).
    @discardableResult
    private mutating func touch(_ now: Double) -> Bool {
        lastActivity = now
        defer { warningAnnounced = false }
        return warningAnnounced
    }

    private mutating func changed() { revision &+= 1 }

    /// Upper case, without spaces: what a scanner or a keypad typed, as the rules expect it.
    static func normalise(caseNumber text: String) -> String {
        String(text.unicodeScalars.filter { $0 != " " && $0 != "\t" && $0 != "\r" && $0 != "\n" }.prefix(80)).uppercased()
    }

    static func newToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<2).map { _ in
            let word = generator.next() as UInt64
            let hex = String(word, radix: 16)
            return String(repeating: "0", count: 16 - hex.count) + hex
        }.joined()
    }

    /// Six characters without look-alikes (no 0/O, 1/I/L), shown as "ABC-234".
    static func newConfirmationCode() -> String {
        let alphabet = Array("23456789ABCDEFGHJKMNPQRSTUVWXYZ")
        var generator = SystemRandomNumberGenerator()
        let characters = (0..<6).map { _ in alphabet[Int(generator.next(upperBound: UInt(alphabet.count)))] }
        return String(characters[0..<3]) + "-" + String(characters[3..<6])
    }
}

/// Compares tokens without an early exit, so timing does not reveal a prefix.
func constantTimeEqual(_ a: String, _ b: String) -> Bool {
    let x = Array(a.utf8), y = Array(b.utf8)
    guard x.count == y.count else { return false }
    var difference: UInt8 = 0
    for index in x.indices { difference |= x[index] ^ y[index] }
    return difference == 0
}
