import VisitCore
import Testing
import Kiosk
import Submission
import struct Configuration.CaseIDRules

/// The guidance's own timing (who is in view, the automatic capture), faults told up front, the forgiving
/// case number and the reset for the next person.
@Suite("Visit state machine: guidance, faults, next person")
struct VisitMachineGuidanceTests {
    /// Sends one guidance code per second for `seconds` seconds; returns the effects of the last tick.
    static func faceFor(_ seconds: Int, _ code: GuidanceCode, _ driver: inout MachineDriver) throws -> [VisitEffect] {
        var effects: [VisitEffect] = []
        for _ in 0..<seconds {
            effects = try driver.send(.guidance(code))
            if !effects.isEmpty { return effects }
            effects = driver.tick(after: .seconds(1))
            if !effects.isEmpty { return effects }
        }
        return effects
    }

    @Test func aFaceKeepsTheGuidanceOpenOnlyUpToTheHardLimit() throws {
        var driver = MachineDriver(settings: VisitSettings(inactivityTimeout: .seconds(60), faceKeepsAliveFor: .seconds(120), autoCaptureHold: .seconds(0)))
        try driver.advance(to: .guidance)
        let touched = driver.now
        // Someone stays in view and never touches anything: the visit still ends, at the latest 120 + 60 s
        // after the last touch.
        let effects = try Self.faceFor(400, .moveLeft, &driver)
        #expect(effects == [.wipe(.inactivity)])
        #expect(driver.now - touched <= .seconds(181) && driver.now - touched >= .seconds(179), "ended after \(driver.now - touched)")
        #expect(driver.machine.step == .welcome && driver.machine.visit == nil)
    }

    @Test func aTouchRenewsTheFaceAllowance() throws {
        var driver = MachineDriver(settings: VisitSettings(inactivityTimeout: .seconds(60), faceKeepsAliveFor: .seconds(120), autoCaptureHold: .seconds(0)))
        try driver.advance(to: .guidance)
        #expect(try Self.faceFor(150, .tooFar, &driver).isEmpty)
        #expect(driver.machine.timeUntilTimeout(now: driver.now) == nil)
        _ = driver.tick(after: .seconds(20))
        #expect(driver.machine.timeUntilTimeout(now: driver.now) != nil, "the warning is up")
        try driver.send(.keepAlive)
        #expect(driver.machine.timeUntilTimeout(now: driver.now) == nil)
        #expect(try Self.faceFor(100, .tooFar, &driver).isEmpty, "faces count again after the touch")
    }

    @Test func aFaceAfterThePersonLeftIsSomebodyElse() throws {
        var driver = MachineDriver(settings: VisitSettings(inactivityTimeout: .seconds(60), personGap: .seconds(3), autoCaptureHold: .milliseconds(1_500)))
        try driver.advance(to: .guidance)
        #expect(try Self.faceFor(10, .moveLeft, &driver).isEmpty)
        let lastSeen = driver.now
        // The citizen walks away; after a while a face appears again (the next person, waiting).
        #expect(try Self.faceFor(5, .noFace, &driver).isEmpty)
        #expect(try Self.faceFor(30, .moveRight, &driver).isEmpty)
        // Their face neither keeps the visit open nor takes a photo under the first person's case number.
        let effects = try Self.faceFor(60, .good, &driver)
        #expect(effects == [.wipe(.inactivity)])
        #expect(driver.now - lastSeen <= .seconds(61), "ended \(driver.now - lastSeen) after the citizen was last seen")
    }

    @Test func aShortLookAwayIsStillTheSamePerson() throws {
        var driver = MachineDriver(settings: VisitSettings(inactivityTimeout: .seconds(60), personGap: .seconds(3), autoCaptureHold: .seconds(0)))
        try driver.advance(to: .guidance)
        // 96 s: within the face allowance (120 s), so only the look-aways matter here.
        for _ in 0..<8 {
            #expect(try Self.faceFor(10, .lookStraight, &driver).isEmpty)
            #expect(try Self.faceFor(2, .noFace, &driver).isEmpty)
        }
        #expect(driver.machine.step == .guidance)
        #expect(driver.machine.faceCountsAsCitizen(now: driver.now))
    }

    @Test func goodGuidanceForAMomentStartsTheCaptureByItself() throws {
        var driver = MachineDriver(settings: VisitSettings(autoCaptureHold: .milliseconds(1_500)))
        try driver.advance(to: .guidance)
        #expect(try driver.send(.guidance(.good)).isEmpty)
        driver.now += .seconds(1)
        #expect(try driver.send(.guidance(.good)).isEmpty)
        driver.now += .milliseconds(400)
        try driver.send(.guidance(.holdStill))
        driver.now += .milliseconds(400)
        #expect(try driver.send(.guidance(.good)).isEmpty, "a break starts the moment afresh")
        driver.now += .milliseconds(1_500)
        #expect(try driver.send(.guidance(.good)) == [.startCapture(attempt: 1)])
        #expect(driver.machine.step == .capture)
        #expect(driver.machine.burstStartsAt == driver.now + driver.machine.settings.countdown)
    }

    @Test func theButtonStillWorksAndAutomaticCaptureCanBeOff() throws {
        var driver = MachineDriver(settings: VisitSettings(autoCaptureHold: .seconds(0)))
        try driver.advance(to: .guidance)
        #expect(try Self.faceFor(10, .good, &driver).isEmpty)
        #expect(driver.machine.step == .guidance)
        #expect(try driver.send(.takePhoto) == [.startCapture(attempt: 1)])
    }

    @Test func aFailedCapturesBannerGoesOnceTheLiveGuidanceSaysSomethingElse() throws {
        var driver = MachineDriver(settings: VisitSettings(autoCaptureHold: .seconds(0)))
        try driver.advance(to: .capture)
        try driver.send(.photoProcessed(attempt: 1, .failure(.noUsableFrame(.tooFar))))
        #expect(driver.machine.problem == .noUsableFrame(.tooFar))
        try driver.send(.guidance(.tooFar))
        #expect(driver.machine.problem == .noUsableFrame(.tooFar), "still what the live text says")
        try driver.send(.guidance(.moveLeft))
        #expect(driver.machine.problem == nil)
    }

    @Test func cameraLostDuringTheCountdownIsToldAtOnce() throws {
        var driver = MachineDriver()
        try driver.advance(to: .capture)
        driver.now += .seconds(1)
        #expect(try driver.send(.cameraAvailable(false)) == [.stopCapture])
        #expect(driver.machine.step == .guidance)
        #expect(driver.machine.problem == .cameraUnavailable)
        #expect(throws: VisitRefusal.cameraUnavailable) { try driver.send(.takePhoto) }
        try driver.send(.cameraAvailable(true))
        #expect(driver.machine.problem == nil)
    }

    @Test(arguments: [[StationFault.camera], [.pad], [.camera, .pad]])
    func aStationOutOfOrderStartsNoVisit(faults: [StationFault]) throws {
        var driver = MachineDriver()
        if faults.contains(.camera) { try driver.send(.cameraAvailable(false)) }
        if faults.contains(.pad) { try driver.send(.padAvailable(false)) }
        #expect(driver.machine.faults == faults)
        #expect(throws: VisitRefusal.outOfOrder(faults)) { try driver.send(.start(.de)) }
        #expect(driver.machine.visit == nil)
        try driver.send(.cameraAvailable(true))
        try driver.send(.padAvailable(true))
        try driver.send(.start(.de))
        #expect(driver.machine.step == .caseNumber)
    }

    @Test(arguments: [VisitEvent.cancel, .consent(false)])
    func theNextPersonStartsInGerman(ending: VisitEvent) throws {
        var driver = MachineDriver()
        try driver.send(.start(.ar))
        if case .consent = ending { try driver.advance(to: .consent) }
        try driver.send(ending)
        #expect(driver.machine.step == .welcome)
        #expect(driver.machine.language == .de)
    }

    @Test func theNextPersonStartsInGermanAfterAFinishedVisit() throws {
        var driver = MachineDriver()
        try driver.send(.start(.uk))
        try driver.advance(to: .receipt)
        try driver.send(.finish)
        #expect(driver.machine.language == .de)
    }

    @Test(arguments: [("abcd-1234", "ABCD-1234"), (" AB CD - 12 34 ", "ABCD-1234"), ("ABCD1234", "ABCD-1234"),
                      ("ABCD\u{2013}1234", "ABCD-1234"), ("abcd\u{2212}1234", "ABCD-1234")])
    func forgivingCaseNumberInput(typed: String, accepted: String) throws {
        var driver = MachineDriver()
        try driver.send(.start(.de))
        try driver.send(.caseNumber(typed))
        #expect(driver.machine.visit?.caseNumber == accepted)
    }

    @Test func aMissingHyphenIsAddedOnlyWhereItIsUnambiguous() throws {
        // Two places would make this valid: refused, not guessed.
        let rules: @Sendable (String) -> CaseIDRules.Rejection? = { $0 == "AB-CD" || $0 == "ABC-D" ? nil : .pattern }
        var machine = VisitMachine(now: .zero, validateCaseNumber: rules)
        _ = try machine.handle(.start(.de), now: .seconds(0))
        #expect(throws: VisitRefusal.caseNumberRefused(reason: .pattern)) { _ = try machine.handle(.caseNumber("ABCD"), now: .seconds(1)) }
        _ = try machine.handle(.caseNumber("ab-cd"), now: .seconds(2))
        #expect(machine.visit?.caseNumber == "AB-CD")
    }
}
