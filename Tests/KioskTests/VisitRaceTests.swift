import Dispatch
import KioskTestSupport
import Platform
import Testing
import VisitCore

/// Conflicting events from several threads at once, many times over: the visit thread applies them one
/// at a time, so no interleaving leaves an impossible state (a pad inking outside the signature step, a
/// visit's data held on the welcome screen). Run under ThreadSanitizer by `make tsan`.
@Suite("Visit service races", .serialized)
struct VisitRaceTests {
    /// What must hold whenever the service is at rest.
    static func expectPossible(_ rig: ServiceRig, _ context: String) {
        let residue = rig.service.residue
        #expect(!residue.padActive || residue.step == .signature, "pad active in \(residue.step) (\(context))")
        #expect(!rig.pad.isInking || residue.step == .signature, "pad inking in \(residue.step) (\(context))")
        #expect(residue.hasVisit == (residue.step != .welcome), "visit \(residue.hasVisit) in \(residue.step) (\(context))")
        if residue.step == .welcome {
            #expect(!residue.hasPreview && !residue.hasMirror && residue.burstFrames == 0, "residue on the welcome screen (\(context))")
        }
    }

    /// Fires `events` at once, one thread each, as several browser tabs and the pad would. A `.start`
    /// is another tab starting its own visit (no token), which wins whenever it comes after a cancel:
    /// the tokens of visits started so are returned, so the round can end them.
    @discardableResult
    static func fire(_ rig: ServiceRig, token: String, _ events: [VisitEvent]) -> [String] {
        let started = Locked<[String]>([])
        DispatchQueue.concurrentPerform(iterations: events.count) { index in
            if case .start(let language) = events[index] {
                if let (other, _) = try? rig.service.startVisit(language) { started.withLock { $0.append(other) } }
            } else {
                _ = try? rig.service.perform(events[index], token: token)
            }
        }
        return started.withLock { $0 }
    }

    @Test func earlyStepsUnderConflictingEvents() throws {
        let rig = ServiceRig()
        defer { rig.cleanUp() }
        rig.service.start()
        let mixes: [[VisitEvent]] = [
            [.caseNumber("ABCD-1234"), .cancel, .keepAlive, .setLanguage(.en)],
            [.consent(true), .consent(false), .cancel, .caseNumber("ABCD-1234")],
            [.caseNumber("ABCD-1234"), .consent(true), .takePhoto, .cancel, .finish],
            [.start(.de), .cancel, .setLanguage(.ar), .keepAlive, .consent(true)],
        ]
        for round in 0..<2_000 {
            let (token, _) = try rig.service.startVisit(.de)
            if round % 2 == 1 { _ = try? rig.service.perform(.caseNumber("ABCD-1234"), token: token) }
            let others = Self.fire(rig, token: token, mixes[round % mixes.count])
            Self.expectPossible(rig, "round \(round)")
            for owner in [token] + others { _ = try? rig.service.perform(.cancel, token: owner) }
            Self.expectPossible(rig, "round \(round), cancelled")
        }
        #expect(rig.queue.submissions.isEmpty)
    }

    @Test func signatureStartAgainstCancelAndRetake() throws {
        let rig = ServiceRig()
        defer { rig.cleanUp() }
        rig.service.start()
        for round in 0..<150 {
            let (token, _) = try rig.service.startVisit(.de)
            try rig.service.perform(.caseNumber("ABCD-1234"), token: token)
            try rig.service.perform(.consent(true), token: token)
            try rig.service.perform(.takePhoto, token: token)
            #expect(eventually { rig.service.snapshot(token: token).step == .review })
            // Accept (the pad starts) against cancel, retake and activity from other threads.
            Self.fire(rig, token: token, [.review(accept: true), .cancel, .review(accept: false), .keepAlive])
            Self.expectPossible(rig, "round \(round)")
            if rig.service.residue.step == .signature {
                Self.fire(rig, token: token, [.signature(accept: false), .cancel, .keepAlive])
                Self.expectPossible(rig, "round \(round), signing")
            }
            _ = try? rig.service.perform(.cancel, token: token)
            #expect(eventually { rig.service.residue.step == .welcome })
            Self.expectPossible(rig, "round \(round), cancelled")
        }
        #expect(rig.queue.submissions.isEmpty)
    }
}
