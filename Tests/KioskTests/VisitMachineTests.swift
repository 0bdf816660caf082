import VisitCore
import Submission
import Testing
import Kiosk
import struct Configuration.CaseIDRules

/// Accepts ABCD-1234; refuses anything else as `pattern`.
let testRules: @Sendable (String) -> CaseIDRules.Rejection? = { id in
    id.count == 9 && id.hasSuffix("-1234") ? nil : .pattern
}

func photo(_ byte: UInt8 = 7) -> ProcessedPhoto {
    ProcessedPhoto(jpeg: [0xFF, 0xD8, byte, 0xFF, 0xD9], compliant: true, reportJSON: Array("{}".utf8))
}

struct MachineDriver {
    var machine: VisitMachine
    var now = VisitInstant.seconds(1000)

    init(settings: VisitSettings = VisitSettings()) {
        machine = VisitMachine(settings: settings, defaultLanguage: .de, now: now, validateCaseNumber: testRules)
    }

    @discardableResult
    mutating func send(_ event: VisitEvent) throws -> [VisitEffect] { try machine.handle(event, now: now) }

    mutating func tick(after duration: Duration) -> [VisitEffect] {
        now += duration
        return machine.tick(now: now)
    }

    /// Drives a visit up to `step` the normal way.
    mutating func advance(to step: VisitStep) throws {
        let order: [VisitStep] = VisitStep.allCases
        while machine.step != step {
            switch machine.step {
            case .welcome: try send(.start(.en))
            case .caseNumber: try send(.caseNumber("ABCD-1234"))
            case .consent: try send(.consent(true))
            case .guidance: try send(.takePhoto)
            case .challenge:
                let attempt = machine.visit!.challenge!.attempt
                try send(.challengeJudged(attempt: attempt, PresentationJudgement(score: 1, decision: .bonaFide)))
            case .capture: try send(.photoProcessed(attempt: machine.visit!.captureAttempt, .success(photo())))
            case .review: try send(.review(accept: true))
            case .signature: try send(.signatureRendered(.success([0xFF, 0xD8, 1, 0xFF, 0xD9])))
            case .summary: try send(.confirm)
            // The summary is reached only when the outbox could not store the submission.
            case .queued: try send(.queued(step == .summary ? .failure(QueueFailure("disk full")) : .success(true)))
            case .receipt, .comeBackLater: return
            }
            precondition(order.contains(machine.step))
        }
    }
}

@Suite("Visit state machine")
struct VisitMachineTests {
    @Test func startsAtWelcomeWithoutAVisit() {
        let driver = MachineDriver()
        #expect(driver.machine.step == .welcome)
        #expect(driver.machine.visit == nil)
        #expect(driver.machine.language == .de)
    }

    @Test func welcomeToCaseNumberChoosesLanguageAndIssuesToken() throws {
        var driver = MachineDriver()
        try driver.send(.start(.ar))
        #expect(driver.machine.step == .caseNumber)
        #expect(driver.machine.language == .ar)
        let token = try #require(driver.machine.visit?.token)
        #expect(token.count == 32)
        #expect(driver.machine.owns(token))
        let other = (token.first == "0" ? "1" : "0") + token.dropFirst()
        #expect(!driver.machine.owns(other))
        #expect(!driver.machine.owns(nil))
    }

    @Test func secondStartIsRefused() throws {
        var driver = MachineDriver()
        try driver.send(.start(.de))
        #expect(throws: VisitRefusal.visitInProgress) { try driver.send(.start(.en)) }
    }

    @Test func refusedCaseNumberStaysAndAcceptedOneMovesToConsent() throws {
        var driver = MachineDriver()
        try driver.send(.start(.de))
        #expect(throws: VisitRefusal.caseNumberRefused(reason: .pattern)) { try driver.send(.caseNumber("XX-1")) }
        #expect(driver.machine.step == .caseNumber)
        #expect(driver.machine.visit?.caseNumber == nil)
        try driver.send(.caseNumber(" abcd-1234\n"))
        #expect(driver.machine.step == .consent)
        #expect(driver.machine.visit?.caseNumber == "ABCD-1234")
    }

    @Test func consentLeadsToGuidanceAndDeclineWipes() throws {
        var driver = MachineDriver()
        try driver.advance(to: .consent)
        var other = driver
        try driver.send(.consent(true))
        #expect(driver.machine.step == .guidance)
        let effects = try other.send(.consent(false))
        #expect(other.machine.step == .welcome)
        #expect(other.machine.visit == nil)
        #expect(effects == [.wipe(.declinedConsent)])
    }

    @Test func takePhotoStartsCaptureAndResultGoesToReview() throws {
        var driver = MachineDriver()
        try driver.advance(to: .guidance)
        let effects = try driver.send(.takePhoto)
        #expect(effects == [.startCapture(attempt: 1)])
        #expect(driver.machine.step == .capture)
        #expect(driver.machine.burstStartsAt == driver.now + .seconds(3))
        // A result of another attempt is ignored.
        try driver.send(.photoProcessed(attempt: 7, .success(photo())))
        #expect(driver.machine.step == .capture)
        try driver.send(.photoProcessed(attempt: 1, .success(photo())))
        #expect(driver.machine.step == .review)
        // The photo as processed; its report gained the `liveness` member (off here).
        #expect(driver.machine.visit?.photo?.jpeg == photo().jpeg)
    }

    @Test func noUsableFrameGoesBackToGuidanceWithAdvice() throws {
        var driver = MachineDriver()
        try driver.advance(to: .capture)
        try driver.send(.photoProcessed(attempt: 1, .failure(.noUsableFrame(.openEyes))))
        #expect(driver.machine.step == .guidance)
        #expect(driver.machine.problem == .noUsableFrame(.openEyes))
        #expect(driver.machine.guidance == .openEyes)
    }

    @Test func cameraLostDuringTheBurstIsShownAndAllowsAnotherTry() throws {
        var driver = MachineDriver()
        try driver.advance(to: .capture)
        try driver.send(.photoProcessed(attempt: 1, .failure(.cameraUnavailable("gone"))))
        #expect(driver.machine.step == .guidance)
        #expect(driver.machine.problem == .cameraUnavailable)
        try driver.send(.takePhoto)
        #expect(driver.machine.step == .capture)
    }

    @Test func cameraUnavailableRefusesThePhoto() throws {
        var driver = MachineDriver()
        try driver.advance(to: .guidance)
        try driver.send(.cameraAvailable(false))
        #expect(throws: VisitRefusal.cameraUnavailable) { try driver.send(.takePhoto) }
        try driver.send(.cameraAvailable(true))
        try driver.send(.takePhoto)
        #expect(driver.machine.step == .capture)
    }

    @Test func atMostThreeRetakes() throws {
        var driver = MachineDriver()
        try driver.advance(to: .review)
        for taken in 1...3 {
            #expect(driver.machine.retakesLeft == 4 - taken)
            try driver.send(.review(accept: false))
            #expect(driver.machine.step == .guidance)
            #expect(driver.machine.visit?.photo == nil)
            try driver.advance(to: .review)
        }
        #expect(driver.machine.retakesLeft == 0)
        #expect(throws: VisitRefusal.noRetakesLeft) { try driver.send(.review(accept: false)) }
        #expect(driver.machine.step == .review)
        let effects = try driver.send(.review(accept: true))
        #expect(effects == [.startSignature])
        #expect(driver.machine.step == .signature)
    }

    @Test func signatureAcceptRetryTooSmallAndPadFailure() throws {
        var driver = MachineDriver()
        try driver.advance(to: .signature)
        #expect(try driver.send(.signature(accept: false)) == [.clearSignature])
        #expect(try driver.send(.signature(accept: true)) == [.finishSignature])
        #expect(try driver.send(.signatureRendered(.failure(.tooSmall))) == [.clearSignature])
        #expect(driver.machine.problem == .signatureTooSmall)
        try driver.send(.padFailed(.padUnavailable("gone")))
        #expect(driver.machine.problem == .padUnavailable)
        // "Try again" after a pad failure starts the pad afresh.
        #expect(try driver.send(.signature(accept: true)) == [.startSignature])
        #expect(driver.machine.problem == nil)
        #expect(try driver.send(.padButton(.accept)) == [.finishSignature])
        let sent = try driver.send(.signatureRendered(.success([1, 2, 3])))
        #expect(sent.first == .endSignature && sent.count == 2)
        #expect(driver.machine.step == .queued)
    }

    /// Signing is the last act: the accepted signature sends at once (the signature screen shows what is sent).
    @Test func acceptedSignatureQueuesTheSubmissionAndReceiptShowsCode() throws {
        var driver = MachineDriver()
        try driver.advance(to: .signature)
        let effects = try driver.send(.signatureRendered(.success([0xFF, 0xD8, 1, 0xFF, 0xD9])))
        #expect(driver.machine.step == .queued)
        #expect(effects.first == .endSignature)
        guard case .enqueue(let submission) = try #require(effects.last) else { Issue.record("no enqueue"); return }
        #expect(submission.caseNumber == "ABCD-1234")
        #expect(submission.photoJPEG == photo().jpeg)
        #expect(submission.signatureJPEG == [0xFF, 0xD8, 1, 0xFF, 0xD9])
        #expect(submission.confirmationCode.text.count == 7)
        #expect(submission.confirmationCode.text.allSatisfy { $0 == "-" || "23456789ABCDEFGHJKMNPQRSTUVWXYZ".contains($0) })
        try driver.send(.queued(.success(false)))
        #expect(driver.machine.step == .receipt)
        #expect(driver.machine.visit?.confirmationCode == submission.confirmationCode)
        #expect(driver.machine.visit?.officeReachable == false)
        // The outbox has the photo now; the visit no longer holds it.
        #expect(driver.machine.visit?.photo == nil)
        #expect(driver.machine.visit?.signatureJPEG == nil)
        #expect(try driver.send(.finish) == [.wipe(.finished)])
        #expect(driver.machine.step == .welcome)
        #expect(driver.machine.visit == nil)
    }

    @Test func queueFailureGoesToSummaryWithProblemAndSendsAgain() throws {
        var driver = MachineDriver()
        try driver.advance(to: .queued)
        try driver.send(.queued(.failure(QueueFailure("disk full"))))
        #expect(driver.machine.step == .summary)
        #expect(driver.machine.problem == .queueFailed)
        #expect(driver.machine.visit?.confirmationCode == nil)
        // "Send" on the summary tries again with a new confirmation code.
        let again = try driver.send(.confirm)
        #expect(driver.machine.step == .queued)
        guard case .enqueue(let submission) = try #require(again.first) else { Issue.record("no enqueue"); return }
        #expect(driver.machine.visit?.confirmationCode == submission.confirmationCode)
    }

    @Test func actionsOutOfStepAreRefusedAndChangeNothing() throws {
        var driver = MachineDriver()
        #expect(throws: VisitRefusal.wrongStep(action: .caseNumber, step: .welcome)) { try driver.send(.caseNumber("ABCD-1234")) }
        #expect(throws: VisitRefusal.wrongStep(action: .cancel, step: .welcome)) { try driver.send(.cancel) }
        try driver.advance(to: .consent)
        let revision = driver.machine.revision
        #expect(throws: VisitRefusal.wrongStep(action: .capture, step: .consent)) { try driver.send(.takePhoto) }
        #expect(throws: VisitRefusal.wrongStep(action: .confirm, step: .consent)) { try driver.send(.confirm) }
        #expect(throws: VisitRefusal.wrongStep(action: .review, step: .consent)) { try driver.send(.review(accept: true)) }
        #expect(driver.machine.revision == revision)
        #expect(driver.machine.step == .consent)
    }

    @Test func cancelWipesFromEveryStep() throws {
        for step in [VisitStep.caseNumber, .consent, .guidance, .capture, .review, .signature, .summary, .receipt] {
            var driver = MachineDriver()
            try driver.advance(to: step)
            let effects = try driver.send(.cancel)
            #expect(effects.last == .wipe(.cancelled), "from \(step)")
            if step == .capture { #expect(effects.first == .stopCapture) }
            if step == .signature { #expect(effects.first == .endSignature) }
            #expect(driver.machine.step == .welcome)
            #expect(driver.machine.visit == nil)
        }
    }

    @Test func languageSwitchesAnywhere() throws {
        var driver = MachineDriver()
        try driver.send(.setLanguage(.tr))
        #expect(driver.machine.language == .tr)
        try driver.advance(to: .review)
        try driver.send(.setLanguage(.ar))
        #expect(driver.machine.language == .ar)
        #expect(driver.machine.step == .review)
    }

    @Test(arguments: [VisitStep.caseNumber, .consent, .guidance, .review, .signature, .summary, .receipt])
    func inactivityWarnsThenWipes(step: VisitStep) throws {
        var driver = MachineDriver(settings: VisitSettings(inactivityTimeout: .seconds(60), warningLead: .seconds(15)))
        try driver.advance(to: step)
        let revision = driver.machine.revision
        #expect(driver.tick(after: .seconds(44)).isEmpty)
        #expect(driver.machine.timeUntilTimeout(now: driver.now) == nil)
        #expect(driver.tick(after: .seconds(1)).isEmpty)
        // The warning is announced (a new revision) before the wipe.
        #expect(driver.machine.revision == revision + 1)
        #expect(driver.machine.timeUntilTimeout(now: driver.now) == .seconds(15))
        let effects = driver.tick(after: .seconds(15))
        #expect(effects.last == .wipe(.inactivity))
        #expect(driver.machine.step == .welcome)
        #expect(driver.machine.visit == nil)
        #expect(driver.machine.lastWipe == .inactivity)
        #expect(driver.machine.language == .de)
    }

    @Test func keepAliveResetsTheTimeout() throws {
        var driver = MachineDriver(settings: VisitSettings(inactivityTimeout: .seconds(60), warningLead: .seconds(15)))
        try driver.advance(to: .consent)
        _ = driver.tick(after: .seconds(50))
        #expect(driver.machine.timeUntilTimeout(now: driver.now) == .seconds(10))
        try driver.send(.keepAlive)
        #expect(driver.machine.timeUntilTimeout(now: driver.now) == nil)
        #expect(driver.tick(after: .seconds(50)).isEmpty)
        #expect(driver.machine.step == .consent)
    }

    @Test func aFaceDuringGuidanceCountsAsActivity() throws {
        var driver = MachineDriver(settings: VisitSettings(inactivityTimeout: .seconds(60)))
        try driver.advance(to: .guidance)
        _ = driver.tick(after: .seconds(50))
        try driver.send(.guidance(.moveLeft))
        #expect(driver.machine.guidance == .moveLeft)
        #expect(driver.tick(after: .seconds(50)).isEmpty)
        try driver.send(.guidance(.noFace))
        #expect(driver.tick(after: .seconds(11)) == [.wipe(.inactivity)])
    }

    @Test func activityWithdrawsAShownWarning() throws {
        var driver = MachineDriver(settings: VisitSettings(inactivityTimeout: .seconds(60), warningLead: .seconds(15)))
        try driver.advance(to: .guidance)
        _ = driver.tick(after: .seconds(46))
        #expect(driver.machine.timeUntilTimeout(now: driver.now) != nil)
        let shown = driver.machine.revision
        try driver.send(.guidance(.noFace))
        #expect(driver.machine.revision == shown, "no face: nothing changes")
        try driver.send(.guidance(.good))
        #expect(driver.machine.timeUntilTimeout(now: driver.now) == nil)
        #expect(driver.machine.revision > shown, "the withdrawn warning is a change the UI must see")
    }

    @Test func signingOnThePadCountsAsActivity() throws {
        var driver = MachineDriver(settings: VisitSettings(inactivityTimeout: .seconds(60)))
        try driver.advance(to: .signature)
        let revision = driver.machine.revision
        _ = driver.tick(after: .seconds(30))
        try driver.send(.padActivity)
        #expect(driver.machine.revision == revision, "ink alone is not a new state")
        #expect(driver.tick(after: .seconds(40)).isEmpty)
        #expect(driver.machine.step == .signature)
    }

    @Test func captureIsLimitedTo30Seconds() throws {
        var driver = MachineDriver(settings: VisitSettings(inactivityTimeout: .seconds(20)))
        try driver.advance(to: .capture)
        // No inactivity wipe while the station itself is busy.
        #expect(driver.tick(after: .seconds(29)).isEmpty)
        #expect(driver.tick(after: .seconds(1)) == [.stopCapture])
        #expect(driver.machine.step == .guidance)
        #expect(driver.machine.problem == .captureTooLong)
        // A late result of that attempt is ignored.
        try driver.send(.photoProcessed(attempt: 1, .success(photo())))
        #expect(driver.machine.step == .guidance)
    }

    @Test func queuedStepHasNoTimeout() throws {
        var driver = MachineDriver(settings: VisitSettings(inactivityTimeout: .seconds(10)))
        try driver.advance(to: .summary)
        try driver.send(.confirm)
        #expect(driver.tick(after: .seconds(100)).isEmpty)
        #expect(driver.machine.step == .queued)
    }

    @Test func welcomeLanguageFallsBackAfterTimeout() throws {
        var driver = MachineDriver(settings: VisitSettings(inactivityTimeout: .seconds(60)))
        try driver.send(.setLanguage(.uk))
        _ = driver.tick(after: .seconds(59))
        #expect(driver.machine.language == .uk)
        _ = driver.tick(after: .seconds(1))
        #expect(driver.machine.language == .de)
    }

    @Test func settingsDefaultFromTheTimeout() {
        let settings = VisitSettings(inactivityTimeout: .seconds(60))
        #expect(settings.warningLead == .seconds(15))
        #expect(settings.captureLimit == .seconds(30))
        #expect(settings.maxRetakes == 3)
        #expect(VisitSettings(inactivityTimeout: .seconds(200)).warningLead == .seconds(20))
    }

    @Test func wipeLeavesNoVisitDataInTheMachine() throws {
        var driver = MachineDriver()
        try driver.advance(to: .summary)
        _ = try driver.send(.cancel)
        #expect(driver.machine.visit == nil)
        #expect(driver.machine.problem == nil)
        #expect(driver.machine.guidance == .noFace)
        // A fresh visit gets a fresh token and starts empty.
        try driver.send(.start(.en))
        #expect(driver.machine.visit?.caseNumber == nil)
        #expect(driver.machine.visit?.retakes == 0)
    }
}
