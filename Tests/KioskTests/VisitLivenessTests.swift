import Foundation
import KioskTestSupport
import Testing
import Submission
import VisitCore

// The liveness challenge in the visit (issue 13): the machine's challenge, retry and refusal paths and the
// three modes; then the service on the stand-ins with the camera thread feeding the detector.

private let plan = ChallengePlan(prompt: .turnRight, promptDelay: .seconds(2), responseWindow: .seconds(5))

private func judged(_ decision: PresentationDecision, _ score: Double) -> PresentationJudgement {
    StandInDetector.judgement(decision, score: score)
}

private func livenessDriver(_ mode: LivenessMode, autoCapture: Duration = .zero) throws -> MachineDriver {
    var driver = MachineDriver(settings: VisitSettings(autoCaptureHold: autoCapture, liveness: mode))
    try driver.advance(to: .guidance)
    return driver
}

/// Every member name in a snapshot's JSON (at any depth).
private func jsonKeys(_ snapshot: VisitSnapshot) throws -> Set<String> {
    let data = try JSONEncoder().encode(snapshot)
    var keys = Set<String>()
    func collect(_ value: Any) {
        if let object = value as? [String: Any] {
            for (key, inner) in object { keys.insert(key); collect(inner) }
        } else if let array = value as? [Any] {
            array.forEach(collect)
        }
    }
    collect(try JSONSerialization.jsonObject(with: data))
    return keys
}

private func livenessObject(_ report: [UInt8]) throws -> [String: Any] {
    let object = try #require(try JSONSerialization.jsonObject(with: Data(report)) as? [String: Any])
    return try #require(object["liveness"] as? [String: Any])
}

@Suite("Visit liveness challenge (machine)")
struct VisitMachineLivenessTests {
    @Test func offModeCapturesAtOnceAndReportsThatNothingWasAsked() throws {
        var driver = try livenessDriver(.off)
        let effects = try driver.send(.takePhoto)
        #expect(effects == [.startCapture(attempt: 1)])
        #expect(driver.machine.step == .capture)
        try driver.send(.photoProcessed(attempt: 1, .success(photo())))
        let liveness = try livenessObject(driver.machine.visit!.photo!.reportJSON)
        #expect(liveness["mode"] as? String == "off")
        #expect(liveness["score"] is NSNull)
    }

    @Test func enforceAsksAtTheRandomMomentThenCapturesABonaFidePresentation() throws {
        var driver = try livenessDriver(.enforce)
        let started = driver.now
        #expect(try driver.send(.takePhoto) == [.startChallenge(attempt: 1)])
        #expect(driver.machine.step == .challenge)
        // Nothing shown before the detector chose, nor before the chosen moment.
        #expect(driver.machine.challengePrompt(now: driver.now) == nil)
        #expect(try driver.send(.challengePlanned(attempt: 1, plan)).isEmpty)
        #expect(driver.tick(after: .seconds(1)).isEmpty)
        #expect(VisitSnapshot(machine: driver.machine, owned: true, now: driver.now).challenge == nil)
        let revision = driver.machine.revision
        #expect(driver.tick(after: .seconds(1)).isEmpty)
        #expect(driver.machine.revision != revision, "the prompt's moment is a new revision for the UI")
        #expect(VisitSnapshot(machine: driver.machine, owned: true, now: driver.now).challenge == .turnRight)
        #expect(VisitSnapshot(machine: driver.machine, owned: false, now: driver.now).challenge == nil, "only the owner's tab")
        // The response window ends: judge; a bona fide answer starts the capture at once.
        #expect(driver.tick(after: .milliseconds(4_900)).isEmpty)
        #expect(driver.tick(after: .milliseconds(100)) == [.judgeChallenge(attempt: 1)])
        #expect(driver.tick(after: .milliseconds(100)).isEmpty, "asked once")
        let effects = try driver.send(.challengeJudged(attempt: 1, judged(.bonaFide, 0.85)))
        #expect(effects.contains(.startCapture(attempt: 1)))
        guard case .recordLiveness(let record)? = effects.first else { Issue.record("no journal record"); return }
        #expect(record.mode == .enforce && record.score == 0.85 && record.decision == .bonaFide && record.challenge == .turnRight)
        #expect(driver.machine.step == .capture)
        #expect(driver.machine.visit?.presentationStartedAt == started, "the 30 s run from the challenge's start")
        try driver.send(.photoProcessed(attempt: 1, .success(photo())))
        let liveness = try livenessObject(driver.machine.visit!.photo!.reportJSON)
        #expect(liveness["score"] as? Double == 0.85)
        #expect(liveness["decision"] as? String == "bona-fide")
        #expect(liveness["challenge"] as? String == "turn-right")
        #expect((liveness["cues"] as? [String: Any])?["challengeMet"] as? Bool == true)
    }

    @Test func enforceGivesOneRetryWithANewChallengeThenTheComeBackScreen() throws {
        var driver = try livenessDriver(.enforce)
        try driver.send(.takePhoto)
        try driver.send(.challengePlanned(attempt: 1, plan))
        var effects = try driver.send(.challengeJudged(attempt: 1, judged(.unsure, 0.35)))
        #expect(driver.machine.step == .guidance)
        #expect(driver.machine.problem == .challengeRetry)
        #expect(effects.count == 1 && !effects.contains(.startCapture(attempt: 1)))
        // The retry is a new challenge (new attempt, the detector chooses again).
        #expect(try driver.send(.takePhoto) == [.startChallenge(attempt: 2)])
        // A late answer to the first challenge changes nothing.
        #expect(try driver.send(.challengeJudged(attempt: 1, judged(.bonaFide, 1))).isEmpty)
        #expect(driver.machine.step == .challenge)
        try driver.send(.challengePlanned(attempt: 2, ChallengePlan(prompt: .nod, promptDelay: .seconds(1), responseWindow: .seconds(5))))
        effects = try driver.send(.challengeJudged(attempt: 2, judged(.attack, 0.05)))
        #expect(effects.contains(.wipe(.livenessRefused)))
        #expect(!effects.contains { if case .enqueue = $0 { true } else { false } })
        #expect(driver.machine.step == .comeBackLater)
        #expect(driver.machine.visit?.caseNumber == nil, "the visit's data is wiped at once")
        #expect(driver.machine.visit?.photo == nil && driver.machine.visit?.liveness == nil)
        let snapshot = VisitSnapshot(machine: driver.machine, owned: true, now: driver.now)
        #expect(snapshot.step == .comeBackLater && snapshot.caseNumber == nil && snapshot.problem == nil && snapshot.timeout == nil)
        // Nothing the citizen can do there but leave; the screen ends by itself.
        #expect(throws: VisitRefusal.self) { try driver.send(.takePhoto) }
        #expect(throws: VisitRefusal.self) { try driver.send(.confirm) }
        #expect(driver.tick(after: .seconds(19)).isEmpty)
        #expect(driver.tick(after: .seconds(1)) == [.wipe(.livenessRefused)])
        #expect(driver.machine.step == .welcome && driver.machine.visit == nil)
    }

    @Test func theComeBackScreenEndsAtOnceWithOK() throws {
        var driver = try livenessDriver(.enforce)
        for attempt in 1...2 {
            try driver.send(.takePhoto)
            try driver.send(.challengeJudged(attempt: attempt, judged(.attack, 0)))
        }
        #expect(driver.machine.step == .comeBackLater)
        #expect(try driver.send(.finish) == [.wipe(.livenessRefused)])
        #expect(driver.machine.step == .welcome && driver.machine.lastWipe == .livenessRefused)
    }

    @Test func enforceRetryPassesOnTheSecondChallenge() throws {
        var driver = try livenessDriver(.enforce)
        try driver.send(.takePhoto)
        try driver.send(.challengeJudged(attempt: 1, judged(.unsure, 0.4)))
        try driver.send(.takePhoto)
        let effects = try driver.send(.challengeJudged(attempt: 2, judged(.bonaFide, 0.7)))
        #expect(effects.contains(.startCapture(attempt: 1)))
        try driver.advance(to: .receipt)
        #expect(driver.machine.step == .receipt)
    }

    @Test func observeContinuesWhateverTheDecisionAndTheReportCarriesTheScore() throws {
        var driver = try livenessDriver(.observe)
        try driver.send(.takePhoto)
        try driver.send(.challengePlanned(attempt: 1, plan))
        let effects = try driver.send(.challengeJudged(attempt: 1, judged(.attack, 0.1)))
        #expect(effects.contains(.startCapture(attempt: 1)))
        try driver.send(.photoProcessed(attempt: 1, .success(photo())))
        try driver.send(.review(accept: true))
        let queued = try driver.send(.signatureRendered(.success([0xFF, 0xD8, 1, 0xFF, 0xD9])))
        guard case .enqueue(let submission)? = queued.last else { Issue.record("nothing queued"); return }
        let liveness = try livenessObject(submission.reportJSON)
        #expect(liveness["mode"] as? String == "observe")
        #expect(liveness["score"] as? Double == 0.1)
        #expect(liveness["decision"] as? String == "attack")
    }

    @Test func anUnansweredChallengeIsAFailedAttemptAtTheCaptureLimit() throws {
        var driver = try livenessDriver(.enforce)
        try driver.send(.takePhoto)
        // The detector never plans or never judges: at 30 s from the challenge's start it counts as failed.
        #expect(driver.tick(after: .milliseconds(29_900)).isEmpty)
        let effects = driver.tick(after: .milliseconds(100))
        #expect(effects.first == .stopChallenge)
        #expect(driver.machine.step == .guidance && driver.machine.problem == .challengeRetry)
        try driver.send(.takePhoto)
        try driver.send(.challengePlanned(attempt: 2, plan))
        #expect(driver.tick(after: .seconds(7)) == [.judgeChallenge(attempt: 2)])
        _ = driver.tick(after: .seconds(23))
        #expect(driver.machine.step == .comeBackLater)
    }

    @Test func theCaptureLimitRunsFromTheChallengesStart() throws {
        var driver = try livenessDriver(.enforce)
        try driver.send(.takePhoto)
        try driver.send(.challengePlanned(attempt: 1, plan))
        _ = driver.tick(after: .seconds(7))
        try driver.send(.challengeJudged(attempt: 1, judged(.bonaFide, 1)))
        #expect(driver.machine.step == .capture)
        #expect(driver.tick(after: .milliseconds(22_900)).isEmpty)
        #expect(driver.tick(after: .milliseconds(100)) == [.stopCapture])
        #expect(driver.machine.problem == .captureTooLong)
    }

    @Test func losingTheCameraDuringTheChallengeIsNotTheCitizensFailure() throws {
        var driver = try livenessDriver(.enforce)
        try driver.send(.takePhoto)
        #expect(try driver.send(.cameraAvailable(false)) == [.stopChallenge])
        #expect(driver.machine.step == .guidance && driver.machine.problem == .cameraUnavailable)
        #expect(driver.machine.visit?.challengesFailed == 0)
    }

    @Test func autoCaptureStartsTheChallengeNotTheCapture() throws {
        var driver = try livenessDriver(.enforce, autoCapture: .milliseconds(1500))
        try driver.send(.guidance(.good))
        let effects = driver.tick(after: .milliseconds(1_500))
        #expect(effects == [.startChallenge(attempt: 1)])
        // During the challenge the face is presence; no second challenge, no capture.
        try driver.send(.guidance(.good))
        #expect(driver.tick(after: .seconds(2)).isEmpty)
        #expect(driver.machine.step == .challenge)
    }

    @Test func cancellingDuringTheChallengeWipesAndStopsIt() throws {
        var driver = try livenessDriver(.enforce)
        try driver.send(.takePhoto)
        let effects = try driver.send(.cancel)
        #expect(effects == [.stopChallenge, .wipe(.cancelled)])
    }

    @Test(arguments: [LivenessMode.enforce, .observe, .off])
    func theScoreIsInNoCitizenFacingSnapshotField(mode: LivenessMode) throws {
        var driver = MachineDriver(settings: VisitSettings(autoCaptureHold: .seconds(0), liveness: mode))
        var keys = Set<String>()
        var texts: [String] = []
        func look(_ driver: MachineDriver) throws {
            for owned in [true, false] {
                let snapshot = VisitSnapshot(machine: driver.machine, owned: owned, now: driver.now)
                keys.formUnion(try jsonKeys(snapshot))
                texts.append(String(decoding: try JSONEncoder().encode(snapshot), as: UTF8.self))
            }
        }
        while driver.machine.step != .receipt {
            try look(driver)
            if driver.machine.step == .challenge {
                let attempt = driver.machine.visit!.challenge!.attempt
                try driver.send(.challengePlanned(attempt: attempt, plan))
                _ = driver.tick(after: .seconds(2))
                try look(driver)
                try driver.send(.challengeJudged(attempt: attempt, judged(.bonaFide, 0.65)))
            } else {
                try driver.advance(to: VisitStep.allCases[VisitStep.allCases.firstIndex(of: driver.machine.step)! + 1])
            }
        }
        try look(driver)
        for forbidden in ["score", "liveness", "decision", "cues", "parallax", "unjudged"] { #expect(!keys.contains(forbidden)) }
        #expect(texts.allSatisfy { !$0.contains("0.65") && !$0.contains("bona-fide") })
        if mode != .off { #expect(keys.contains("challenge")) }
    }

    @Test func theRecordJoinsAnyReportWithoutLosingIt() throws {
        let record = LivenessRecord(mode: .observe, attempt: 1, challenge: .nod, judgement: judged(.unsure, 0.45))
        for report in [#"{"compliant":true,"checks":[]}"#, " { } ", #"[1,2]"#, "", #"{"liveness":1}"#, #"{"a":{"liveness":2}}"#] {
            let joined = record.attached(to: Array(report.utf8))
            let object = try #require(try JSONSerialization.jsonObject(with: Data(joined)) as? [String: Any], "\(report)")
            #expect((object["liveness"] as? [String: Any])?["score"] as? Double == 0.45, "\(report)")
        }
        let kept = try #require(try JSONSerialization.jsonObject(with: Data(record.attached(to: Array(#"{"liveness":1}"#.utf8)))) as? [String: Any])
        #expect((kept["compliance"] as? [String: Any])?["liveness"] as? Int == 1)
    }
}

@Suite("Visit liveness challenge (service)", .serialized)
struct VisitServiceLivenessTests {
    private func startGuidance(_ rig: ServiceRig) throws -> String {
        rig.service.start()
        let (token, _) = try rig.service.startVisit(.en)
        try rig.service.perform(.caseNumber("ABCD-1234"), token: token)
        try rig.service.perform(.consent(true), token: token)
        #expect(eventually { rig.service.snapshot(token: token).guidance == "good" })
        return token
    }

    @Test func enforceRefusesTwiceFailedPresentationsAndQueuesNothing() throws {
        let detector = StandInDetector(judgements: [judged(.unsure, 0.3), judged(.attack, 0.05)])
        let rig = ServiceRig(liveness: .enforce, detector: detector, comeBackScreen: .milliseconds(500))
        defer { rig.cleanUp() }
        let token = try startGuidance(rig)
        try rig.service.perform(.takePhoto, token: token)
        #expect(eventually { rig.service.snapshot(token: token).challenge == .turnLeft })
        #expect(eventually { rig.service.snapshot(token: token).problem == "challenge-retry" })
        #expect(detector.framesObserved > 0, "the camera thread fed the challenge")
        // The held good guidance may have started the second challenge already (auto-capture).
        _ = try? rig.service.perform(.takePhoto, token: token)
        #expect(eventually { rig.service.snapshot(token: token).step == .comeBackLater })
        #expect(rig.queue.submissions.isEmpty)
        let residue = rig.service.residue
        #expect(!residue.hasPreview && residue.burstFrames == 0)
        #expect(rig.service.snapshot(token: token).caseNumber == nil)
        // Then the station is free again by itself.
        #expect(eventually(3) { rig.service.snapshot(token: nil).step == .welcome && !rig.service.snapshot(token: nil).active })
        #expect(detector.challengesBegun == 2)
        let lines = rig.log.all.filter { $0.contains("event=liveness") }
        #expect(lines.count == 2)
        #expect(lines.allSatisfy { $0.contains("score=") && $0.contains("mode=enforce") && $0.contains("challenge=turn-left") })
        #expect(rig.log.all.allSatisfy { !$0.contains("ABCD-1234") })
        #expect(rig.log.all.contains { $0.contains("reason=liveness-refused") })
    }

    @Test func observeCompletesTheVisitAndTheSubmissionCarriesTheScore() throws {
        let detector = StandInDetector(judgements: [judged(.attack, 0.15)])
        let rig = ServiceRig(liveness: .observe, detector: detector)
        defer { rig.cleanUp() }
        let token = try startGuidance(rig)
        try rig.service.perform(.takePhoto, token: token)
        #expect(eventually { rig.service.snapshot(token: token).step == .review })
        try rig.service.perform(.review(accept: true), token: token)
        #expect(eventually { (rig.service.signatureMirror(token: token)?.pointCount ?? 0) >= 100 })
        try rig.service.perform(.signature(accept: true), token: token)
        #expect(eventually { rig.queue.submissions.count == 1 })
        let submission = try #require(rig.queue.submissions.first)
        let liveness = try livenessObject(submission.reportJSON)
        #expect(liveness["score"] as? Double == 0.15 && liveness["mode"] as? String == "observe")
        // The stand-in pipeline's own report is still there.
        #expect(String(decoding: submission.reportJSON, as: UTF8.self).contains(#""standIn":true"#))
    }

    @Test func enforceWithoutADetectorLetsNobodyThrough() throws {
        let rig = ServiceRig(liveness: .enforce, detector: nil, comeBackScreen: .seconds(5))
        defer { rig.cleanUp() }
        let token = try startGuidance(rig)
        try rig.service.perform(.takePhoto, token: token)
        #expect(eventually { rig.service.snapshot(token: token).problem == "challenge-retry" })
        _ = try? rig.service.perform(.takePhoto, token: token)
        #expect(eventually { rig.service.snapshot(token: token).step == .comeBackLater })
        #expect(rig.log.all.contains { $0.contains("unjudged=detector-unavailable") })
    }

    @Test func enforceBonaFideCapturesAndReports() throws {
        let detector = StandInDetector(judgements: [judged(.bonaFide, 0.9)])
        let rig = ServiceRig(liveness: .enforce, detector: detector)
        defer { rig.cleanUp() }
        let token = try startGuidance(rig)
        try rig.service.perform(.takePhoto, token: token)
        #expect(eventually { rig.service.snapshot(token: token).step == .review })
        let report = try #require(rig.service.snapshot(token: token).photo)
        #expect(report.compliant)
    }
}
