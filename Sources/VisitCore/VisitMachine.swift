import Configuration
import Platform
import Submission

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
    /// One preview frame's (debounced) guidance. A face counts as activity only while it is the same
    /// person (continuously in view since the last touch) and only up to `VisitSettings.faceKeepsAliveFor`;
    /// `good` held for `VisitSettings.autoCaptureHold` starts the capture by itself.
    case guidance(GuidanceCode)
    case cameraAvailable(Bool)
    /// Whether a signature pad is there (checked between visits, so a missing pad is told up front).
    case padAvailable(Bool)
    case photoProcessed(attempt: Int, Result<ProcessedPhoto, PhotoFailure>)
    case padFailed(SignatureFailure)
    /// New ink on the pad: the citizen is signing, which counts as activity.
    case padActivity
    /// The citizen pressed a button on the pad itself.
    case padButton(PadButton)
    case signatureRendered(Result<[UInt8], SignatureFailure>)
    case queued(Result<Bool, QueueFailure>)
    /// The detector chose what challenge `attempt` asks and when (`VisitEffect.startChallenge`).
    case challengePlanned(attempt: Int, ChallengePlan)
    /// The detector's judgement of challenge `attempt` (`VisitEffect.judgeChallenge`).
    case challengeJudged(attempt: Int, PresentationJudgement)
}

/// The citizen's actions on a running visit, each with its one name: the API's path
/// (`POST /api/v1/visit/<action>`, Kiosk's routing) and a wrong-step refusal use these.
public enum VisitAction: String, Sendable, CaseIterable {
    case language
    case caseNumber = "case-number"
    case consent, capture, review, signature, confirm, finish, cancel
    case keepAlive = "keep-alive"
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
    /// `PresentationDetector.begin`, feed it the preview frames from now on, then send `.challengePlanned`.
    case startChallenge(attempt: Int)
    /// `PresentationDetector.judge`, then send `.challengeJudged`.
    case judgeChallenge(attempt: Int)
    /// Stop feeding the detector and let it forget the frames (camera lost, visit ended).
    case stopChallenge
    /// Write the judgement to the journal (never image data, never the case number).
    case recordLiveness(LivenessRecord)
}

/// Timing of a visit; the defaults are the station's (config `visit.inactivity-timeout`). Durations on the
/// monotonic clock; the config's seconds become these in one place (`StationConfig`), the API's seconds
/// come from them in one place (`VisitSnapshot`).
public struct VisitSettings: Sendable, Equatable {
    /// Without a touch (or a face during the guidance) for this long, the visit is wiped.
    public var inactivityTimeout: Duration
    /// How long before the wipe the warning with "continue" is shown.
    public var warningLead: Duration
    /// The capture (countdown, burst, processing) must end within this (TR-03121: 30 s).
    public var captureLimit: Duration
    /// The countdown the UI shows (and sounds) before the burst.
    public var countdown: Duration
    public var maxRetakes: Int
    /// During the guidance, a face keeps the visit open for at most this long after the citizen's last
    /// touch; then only a touch does (the warning's "continue"). So a visit left with a face in view (the
    /// next person, or someone waiting) still ends: at the latest this plus `inactivityTimeout`.
    public var faceKeepsAliveFor: Duration
    /// No face for this long after one was seen: the person left, and a face seen afterwards is taken for
    /// somebody else (it neither keeps the visit open nor triggers the automatic capture) until a touch.
    public var personGap: Duration
    /// Continuous "good" guidance for this long starts the capture by itself (the button stays as an
    /// alternative); zero turns the automatic capture off.
    public var autoCaptureHold: Duration
    /// What the liveness judgement does (`[liveness] mode`): `enforce` continues only with a bona fide
    /// presentation, `observe` asks and judges but always continues, `off` asks nothing. Unit tests that are
    /// not about liveness leave it off; the station always takes it from its config.
    public var liveness: LivenessMode
    /// Challenges a visit gets in enforce mode before the come-back screen (the first and one retry).
    public var challengeAttempts: Int
    /// How long the come-back screen stays before the station is ready for the next person.
    public var comeBackScreen: Duration

    public init(inactivityTimeout: Duration = .seconds(60), warningLead: Duration? = nil, captureLimit: Duration = .seconds(30),
                countdown: Duration = .seconds(3), maxRetakes: Int = 3, faceKeepsAliveFor: Duration = .seconds(120),
                personGap: Duration = .seconds(3), autoCaptureHold: Duration = .milliseconds(1500), liveness: LivenessMode = .off,
                challengeAttempts: Int = 2, comeBackScreen: Duration = .seconds(20)) {
        self.inactivityTimeout = inactivityTimeout
        // A quarter of the timeout, at most 20 s: long enough to read and reach the button.
        self.warningLead = warningLead ?? min(.seconds(20), inactivityTimeout / 4)
        self.captureLimit = captureLimit
        self.countdown = countdown
        self.maxRetakes = maxRetakes
        self.faceKeepsAliveFor = faceKeepsAliveFor
        self.personGap = personGap
        self.autoCaptureHold = autoCaptureHold
        self.liveness = liveness
        self.challengeAttempts = max(1, challengeAttempts)
        self.comeBackScreen = comeBackScreen
    }
}

/// Everything of one citizen's visit. Only the machine holds it; the wipe zeroes and drops it.
public struct Visit: Sendable {
    /// The bearer token of the browser tab that started the visit.
    public let token: String
    public let startedAt: VisitInstant
    public var caseNumber: String?
    public var retakes = 0
    /// Increases with every "take photo"; results of an older attempt are ignored.
    public var captureAttempt = 0
    public var captureStartedAt: VisitInstant?
    public var photo: ProcessedPhoto?
    public var signatureJPEG: [UInt8]?
    public var confirmationCode: ConfirmationCode?
    public var officeReachable = true
    /// Challenges asked in this visit (the running one's number).
    public var challengeAttempt = 0
    /// Challenges not passed in enforce mode; at `VisitSettings.challengeAttempts` the visit ends.
    public var challengesFailed = 0
    /// The running challenge.
    public var challenge: ChallengeRun?
    /// The judgement of the last challenge: it goes with the photo taken right after it.
    public var liveness: LivenessRecord?
    /// When the running presentation (challenge, countdown, burst, processing) began: the capture limit
    /// (TR-03121: 30 s) runs from here, so a challenge does not lengthen it.
    public var presentationStartedAt: VisitInstant?

    init(token: String, startedAt: VisitInstant) {
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

/// One liveness challenge of a visit: when it began, what the detector chose, where it stands.
public struct ChallengeRun: Sendable, Equatable {
    public let attempt: Int
    public let startedAt: VisitInstant
    /// nil until the detector answered `startChallenge`.
    public var plan: ChallengePlan?
    /// The prompt's revision was announced to the UI.
    var prompted = false
    /// `judgeChallenge` was asked for.
    var judging = false

    /// When the prompt shows.
    public var promptAt: VisitInstant? { plan.map { startedAt + $0.promptDelay } }
    /// When the response window ends and the judgement is due.
    public var judgeAt: VisitInstant? { plan.map { startedAt + $0.promptDelay + $0.responseWindow } }
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
/// Pure and synchronous: `handle` and `tick` take the time from the caller (an injectable clock, as a
/// `VisitInstant`: tests say `now: .seconds(10)`), change
/// the state, and return the effects for the service to carry out. Every change bumps `revision`, which
/// the server pushes to the browser as a Server-Sent Event.
public struct VisitMachine: Sendable {
    public let settings: VisitSettings
    public let defaultLanguage: Language
    /// nil when the case number is acceptable, else why not.
    let validateCaseNumber: @Sendable (String) -> CaseIDRules.Rejection?

    public private(set) var step: VisitStep = .welcome
    public private(set) var language: Language
    public private(set) var visit: Visit?
    public private(set) var revision = 0
    public private(set) var problem: VisitProblem?
    public private(set) var guidance: GuidanceCode = .noFace
    public private(set) var cameraAvailable = true
    public private(set) var padAvailable = true
    /// When the citizen last acted (or was seen during the guidance, or the service finished work for them):
    /// the inactivity timeout runs from here.
    public private(set) var lastActivity: VisitInstant
    /// When the citizen last touched the screen or the pad: the face allowance runs from here.
    public private(set) var lastTouch: VisitInstant
    public private(set) var stepEnteredAt: VisitInstant
    /// The last reason a visit was wiped (tests and logs).
    public private(set) var lastWipe: WipeReason?
    private var warningAnnounced = false
    // Presence during the guidance: a face seen since the last touch, when it went out of view, and whether
    // it stayed away long enough that a face now is somebody else's.
    private var faceSeenSinceTouch = false
    private var faceGoneSince: VisitInstant?
    private var personLeft = false
    /// Since when the guidance has been `good` without a break (automatic capture).
    private var goodSince: VisitInstant?

    public init(settings: VisitSettings = VisitSettings(), defaultLanguage: Language = .de, now: VisitInstant,
                validateCaseNumber: @escaping @Sendable (String) -> CaseIDRules.Rejection?) {
        self.settings = settings
        self.defaultLanguage = defaultLanguage
        self.language = defaultLanguage
        self.validateCaseNumber = validateCaseNumber
        self.lastActivity = now
        self.lastTouch = now
        self.stepEnteredAt = now
    }

    public var retakesLeft: Int { max(0, settings.maxRetakes - (visit?.retakes ?? 0)) }

    /// What is out of order now; a visit starts only when this is empty.
    public var faults: [StationFault] {
        (cameraAvailable ? [] : [.camera]) + (padAvailable ? [] : [.pad])
    }

    /// Whether the face in view is still taken for the visit's citizen (not after they left, not after the
    /// face allowance since the last touch ran out).
    public func faceCountsAsCitizen(now: VisitInstant) -> Bool {
        !personLeft && now - lastTouch < settings.faceKeepsAliveFor
    }

    /// Whether `token` may act on the running visit.
    public func owns(_ token: String?) -> Bool {
        guard let visit, let token else { return false }
        return constantTimeEqual(visit.token, token)
    }

    /// The time left until the inactivity wipe while the warning is due, else nil.
    public func timeUntilTimeout(now: VisitInstant) -> Duration? {
        guard step.waitsForCitizen else { return nil }
        let left = lastActivity + settings.inactivityTimeout - now
        return left <= settings.warningLead ? max(.zero, left) : nil
    }

    /// The movement the citizen is asked for now (the challenge's prompt is showing), else nil.
    public func challengePrompt(now: VisitInstant) -> ChallengePrompt? {
        guard step == .challenge, let run = visit?.challenge, let plan = run.plan, let promptAt = run.promptAt,
              now >= promptAt else { return nil }
        return plan.prompt
    }

    /// When the burst starts (the end of the countdown), during the capture step.
    public var burstStartsAt: VisitInstant? {
        guard step == .capture, let started = visit?.captureStartedAt else { return nil }
        return started + settings.countdown
    }

    // MARK: events

    /// Applies one event at time `now`. Refused actions change nothing and throw.
    public mutating func handle(_ event: VisitEvent, now: VisitInstant) throws(VisitRefusal) -> [VisitEffect] {
        switch event {
        case .start(let chosen):
            guard visit == nil else { throw .visitInProgress }
            guard faults.isEmpty else { throw .outOfOrder(faults) }
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
            try expect(.caseNumber, for: .caseNumber)
            touch(now)
            let accepted: String
            switch Self.acceptCaseNumber(text, validate: validateCaseNumber) {
            case .success(let caseNumber): accepted = caseNumber
            case .failure(let refusal):
                changed()
                throw refusal
            }
            visit!.caseNumber = accepted
            enter(.consent, now)
            return []

        case .consent(let accepted):
            try expect(.consent, for: .consent)
            guard accepted else { return wipe(.declinedConsent, now) }
            touch(now)
            enter(.guidance, now)
            return []

        case .takePhoto:
            try expect(.guidance, for: .capture)
            guard cameraAvailable else { throw .cameraUnavailable }
            touch(now)
            return beginPresentation(now)

        case .review(let accept):
            try expect(.review, for: .review)
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
            try expect(.signature, for: .signature)
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
            // Only after the outbox failed to store the submission ("send again" on the summary).
            try expect(.summary, for: .confirm)
            touch(now)
            guard let submission = submission(now) else { throw .wrongStep(action: .confirm, step: step) }
            enter(.queued, now)
            return [.enqueue(submission)]

        case .finish:
            // "OK" on the come-back screen: the station is free for the next person at once.
            if step == .comeBackLater, visit != nil { return wipe(.livenessRefused, now) }
            try expect(.receipt, for: .finish)
            return wipe(.finished, now)

        case .cancel:
            guard visit != nil else { throw .wrongStep(action: .cancel, step: step) }
            return wipe(.cancelled, now)

        case .keepAlive:
            guard visit != nil else { return [] }
            touch(now)
            changed()
            return []

        case .guidance(let code) where step == .challenge:
            // During the challenge the face is presence as in the guidance; the capture starts after it.
            notePresence(face: code != .noFace, now)
            if code != guidance {
                guidance = code
                changed()
            }
            return []

        case .guidance(let code):
            guard step == .guidance else { return [] }
            notePresence(face: code != .noFace, now)
            if code != guidance {
                guidance = code
                changed()
            }
            // A failed capture's banner stays only while the live guidance still says the same; once it says
            // something else (or "good") the live text is what counts.
            let stale: Bool
            switch problem {
            case .noUsableFrame(let advice): stale = code != advice
            case .captureTooLong: stale = code == .good
            case nil, .cameraUnavailable, .padUnavailable, .signatureTooSmall, .queueFailed, .challengeRetry: stale = false
            }
            if stale {
                problem = nil
                changed()
            }
            if code == .good { goodSince = goodSince ?? now } else { goodSince = nil }
            return autoCaptureIfDue(now)

        case .cameraAvailable(let available):
            guard available != cameraAvailable else { return [] }
            cameraAvailable = available
            if available, problem == .cameraUnavailable, step == .guidance { problem = nil }
            changed()
            // Lost during the challenge: not the citizen's failure; back to the guidance, nothing counted.
            if !available, step == .challenge {
                visit!.challenge = nil
                refresh(now)
                enter(.guidance, now, problem: .cameraUnavailable)
                return [.stopChallenge]
            }
            // Lost during the countdown or burst: say so at once instead of waiting for the capture limit.
            if !available, step == .capture {
                visit!.captureStartedAt = nil
                refresh(now)
                enter(.guidance, now, problem: .cameraUnavailable)
                return [.stopCapture]
            }
            return []

        case .padAvailable(let available):
            guard available != padAvailable else { return [] }
            padAvailable = available
            changed()
            return []

        case .photoProcessed(let attempt, let result):
            guard step == .capture, attempt == visit?.captureAttempt else { return [] }
            visit!.captureStartedAt = nil
            // Not a touch: whoever is in view now must not gain a fresh face allowance by it.
            refresh(now)
            switch result {
            case .success(var photo):
                // The office's report says how the presentation was judged (or that nothing was asked).
                photo.reportJSON = (visit!.liveness ?? LivenessRecord(mode: settings.liveness)).attached(to: photo.reportJSON)
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
                // Signing is the citizen's last act: the signature screen shows the case number and whether the
                // office may refuse the photo, and the accepted signature sends (no second confirmation).
                visit!.signatureJPEG = jpeg
                guard let submission = submission(now) else {
                    enter(.summary, now, problem: .queueFailed)
                    return [.endSignature]
                }
                enter(.queued, now)
                return [.endSignature, .enqueue(submission)]
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

        case .challengePlanned(let attempt, let plan):
            guard step == .challenge, visit?.challenge?.attempt == attempt, visit?.challenge?.plan == nil else { return [] }
            visit!.challenge!.plan = plan
            changed()
            // A prompt due at once is announced now rather than at the next tick.
            return tick(now: now)

        case .challengeJudged(let attempt, let judgement):
            guard step == .challenge, visit?.challenge?.attempt == attempt else { return [] }
            return concludeChallenge(judgement, now)
        }
    }

    // MARK: time

    /// Advances time: fires the inactivity wipe, the warning before it, and the capture limit.
    public mutating func tick(now: VisitInstant) -> [VisitEffect] {
        if step == .welcome {
            // A language chosen by someone who walked away goes back to the station's default.
            if language != defaultLanguage && now - lastActivity >= settings.inactivityTimeout {
                language = defaultLanguage
                changed()
            }
            return []
        }
        if step == .comeBackLater {
            return now - stepEnteredAt >= settings.comeBackScreen ? wipe(.livenessRefused, now) : []
        }
        if step == .challenge, let run = visit?.challenge {
            // Unanswered within the capture's limit (a detector that never planned or judged): a failed attempt.
            if now - run.startedAt >= settings.captureLimit {
                return [.stopChallenge] + concludeChallenge(.unjudged(.deadline), now)
            }
            if let judgeAt = run.judgeAt, now >= judgeAt, !run.judging {
                visit!.challenge!.judging = true
                return [.judgeChallenge(attempt: run.attempt)]
            }
            if let promptAt = run.promptAt, now >= promptAt, !run.prompted {
                visit!.challenge!.prompted = true
                changed()
            }
            return []
        }
        if step == .capture, let started = visit?.presentationStartedAt ?? visit?.captureStartedAt, now - started >= settings.captureLimit {
            visit!.captureStartedAt = nil
            refresh(now)
            enter(.guidance, now, problem: .captureTooLong)
            return [.stopCapture]
        }
        if step == .guidance {
            let effects = autoCaptureIfDue(now)
            if !effects.isEmpty { return effects }
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

    private mutating func wipe(_ reason: WipeReason, _ now: VisitInstant) -> [VisitEffect] {
        var effects: [VisitEffect] = []
        if step == .capture { effects.append(.stopCapture) }
        if step == .signature { effects.append(.endSignature) }
        if step == .challenge { effects.append(.stopChallenge) }
        visit?.zero()
        visit = nil
        problem = nil
        guidance = .noFace
        lastWipe = reason
        // The next person starts in the station's language, whatever the last one chose.
        language = defaultLanguage
        touch(now)
        enter(.welcome, now)
        effects.append(.wipe(reason))
        return effects
    }

    /// What goes to the outbox, with a new confirmation code; nil if the visit lacks a part (never expected).
    private mutating func submission(_ now: VisitInstant) -> VisitSubmission? {
        guard let visit, let caseNumber = visit.caseNumber, let photo = visit.photo, let signature = visit.signatureJPEG else {
            return nil
        }
        let code = ConfirmationCode.random()
        self.visit!.confirmationCode = code
        return VisitSubmission(
            caseNumber: caseNumber, photoJPEG: photo.jpeg, signatureJPEG: signature, reportJSON: photo.reportJSON,
            confirmationCode: code,
            context: CaptureContext(language: language, retakes: visit.retakes, compliant: photo.compliant,
                                    visitSeconds: Int(max(.zero, now - visit.startedAt).inSeconds.rounded()), capturedAt: photo.capturedAt))
    }

    private mutating func discardPhoto() {
        if visit?.photo != nil {
            visit!.photo!.jpeg.zeroAll()
            visit!.photo = nil
        }
    }

    /// Refuses `action` unless a visit is running and is at the step `wanted`.
    private func expect(_ wanted: VisitStep, for action: VisitAction) throws(VisitRefusal) {
        guard step == wanted, visit != nil else { throw .wrongStep(action: action, step: step) }
    }

    private mutating func enter(_ next: VisitStep, _ now: VisitInstant, problem: VisitProblem? = nil) {
        step = next
        stepEnteredAt = now
        self.problem = problem
        if next == .guidance && self.problem == nil { guidance = .noFace }
        if next != .challenge && next != .capture && visit != nil {
            visit!.presentationStartedAt = nil
            visit!.challenge = nil
        }
        goodSince = nil
        changed()
    }

    /// "Take photo" (a tap or the held good guidance): the challenge first unless liveness is off, then the
    /// capture.
    private mutating func beginPresentation(_ now: VisitInstant) -> [VisitEffect] {
        guard settings.liveness != .off else {
            visit!.liveness = LivenessRecord(mode: .off)
            return beginCapture(now)
        }
        visit!.challengeAttempt += 1
        visit!.liveness = nil
        visit!.presentationStartedAt = now
        visit!.challenge = ChallengeRun(attempt: visit!.challengeAttempt, startedAt: now)
        enter(.challenge, now)
        return [.startChallenge(attempt: visit!.challengeAttempt)]
    }

    /// What the mode does with a challenge's judgement: the capture (bona fide, or any answer when only
    /// observing), one more challenge, or after the last one the come-back screen.
    private mutating func concludeChallenge(_ judgement: PresentationJudgement, _ now: VisitInstant) -> [VisitEffect] {
        let run = visit!.challenge
        visit!.challenge = nil
        let record = LivenessRecord(mode: settings.liveness, attempt: run?.attempt, challenge: run?.plan?.prompt, judgement: judgement)
        visit!.liveness = record
        // The judging was the station's work, not a touch.
        refresh(now)
        if settings.liveness != .enforce || judgement.decision == .bonaFide {
            return [.recordLiveness(record)] + beginCapture(now)
        }
        visit!.challengesFailed += 1
        guard visit!.challengesFailed >= settings.challengeAttempts else {
            enter(.guidance, now, problem: .challengeRetry)
            return [.recordLiveness(record)]
        }
        return [.recordLiveness(record)] + refuse(now)
    }

    /// Enforce mode, the last challenge not passed: everything of the visit is wiped and nothing is queued,
    /// but the citizen's screen stays a moment to say, kindly and in their language, to come back during
    /// opening hours or to ask the staff (then the station is free again).
    private mutating func refuse(_ now: VisitInstant) -> [VisitEffect] {
        visit!.zero()
        visit!.photo = nil
        visit!.signatureJPEG = nil
        visit!.liveness = nil
        problem = nil
        guidance = .noFace
        lastWipe = .livenessRefused
        enter(.comeBackLater, now)
        return [.wipe(.livenessRefused)]
    }

    private mutating func beginCapture(_ now: VisitInstant) -> [VisitEffect] {
        visit!.captureAttempt += 1
        visit!.presentationStartedAt = visit!.presentationStartedAt ?? now
        visit!.captureStartedAt = now
        enter(.capture, now)
        return [.startCapture(attempt: visit!.captureAttempt)]
    }

    /// The capture starts by itself once the guidance has been good for a moment, for the citizen whose
    /// visit it is (not for a face that came after they left).
    private mutating func autoCaptureIfDue(_ now: VisitInstant) -> [VisitEffect] {
        guard settings.autoCaptureHold > .zero, step == .guidance, visit != nil, cameraAvailable,
              let since = goodSince, now - since >= settings.autoCaptureHold, faceCountsAsCitizen(now: now) else { return [] }
        refresh(now)
        return beginPresentation(now)
    }

    /// A face in view is activity only while it is the same person and within the face allowance.
    private mutating func notePresence(face: Bool, _ now: VisitInstant) {
        if face {
            guard faceCountsAsCitizen(now: now) else { return }
            faceSeenSinceTouch = true
            faceGoneSince = nil
            // A warning already shown must then disappear (a new revision).
            if refresh(now) { changed() }
        } else if faceSeenSinceTouch && !personLeft {
            let gone = faceGoneSince ?? now
            faceGoneSince = gone
            if now - gone >= settings.personGap { personLeft = true }
        }
    }

    /// The citizen touched the screen or the pad: activity, and whoever touches is the citizen in view.
    @discardableResult
    private mutating func touch(_ now: VisitInstant) -> Bool {
        lastTouch = now
        faceSeenSinceTouch = false
        faceGoneSince = nil
        personLeft = false
        return refresh(now)
    }

    /// Restarts the inactivity timeout; true when a timeout warning was showing (and is now withdrawn).
    @discardableResult
    private mutating func refresh(_ now: VisitInstant) -> Bool {
        lastActivity = now
        defer { warningAnnounced = false }
        return warningAnnounced
    }

    private mutating func changed() { revision &+= 1 }

    /// Upper case, without spaces, any dash as the hyphen: what a scanner or a keypad typed, as the rules
    /// expect it.
    static func normalise(caseNumber text: String) -> String {
        let dashes: Set<Unicode.Scalar> = ["\u{2010}", "\u{2011}", "\u{2012}", "\u{2013}", "\u{2014}", "\u{2212}", "\u{FE63}", "\u{FF0D}"]
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars.prefix(200) where !scalar.properties.isWhitespace {
            scalars.append(dashes.contains(scalar) ? "-" : scalar)
        }
        return String(String(scalars).prefix(80)).uppercased()
    }

    /// The case number as the rules accept it, forgiving what people do when they type one: spaces, other
    /// dashes, lower case, and a missing hyphen (`KLMN4711` is `KLMN-4711` when exactly one place for the
    /// hyphen makes it valid). Otherwise the rules' reason for refusing what was typed.
    static func acceptCaseNumber(_ text: String, validate: (String) -> CaseIDRules.Rejection?) -> Result<String, VisitRefusal> {
        let typed = normalise(caseNumber: text)
        guard let reason = validate(typed) else { return .success(typed) }
        if !typed.contains("-") && typed.count > 1 && typed.count <= 40 {
            let characters = Array(typed)
            let fits = (1..<characters.count).map { String(characters[..<$0]) + "-" + String(characters[$0...]) }
                .filter { validate($0) == nil }
            if fits.count == 1 { return .success(fits[0]) }
        }
        return .failure(.caseNumberRefused(reason: reason))
    }

    static func newToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<2).map { _ in
            let word = generator.next() as UInt64
            let hex = String(word, radix: 16)
            return String(repeating: "0", count: 16 - hex.count) + hex
        }.joined()
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
