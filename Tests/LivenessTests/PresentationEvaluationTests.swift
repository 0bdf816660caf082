import Foundation
import Liveness
import Platform
import Testing

/// The ISO/IEC 30107-3 figures `fotoboxctl liveness evaluate` prints, on hand-made judgements.
@Suite struct PresentationEvaluationTests {
    static func judged(_ score: Double?, _ decision: LivenessDecision?) -> JudgedPresentation {
        JudgedPresentation(path: "p", score: score, decision: decision, error: decision == nil ? "no face found in any of the 3 frames" : nil)
    }

    @Test func apcerPerAttackTypeAndBPCERCountUnsureAndUnjudgedAsNotBonaFide() {
        let bonaFide = [Self.judged(0.9, .bonaFide), Self.judged(0.4, .unsure), Self.judged(nil, nil), Self.judged(0.8, .bonaFide)]
        let print = [Self.judged(0.1, .attack), Self.judged(0.62, .bonaFide)]
        let screen = [Self.judged(0.0, .attack), Self.judged(0.2, .attack)]
        let evaluation = LivenessEvaluation(threshold: 0.5, bonaFide: bonaFide,
                                            attacks: [(folder: "print", presentations: print), (folder: "screen", presentations: screen)])
        #expect(evaluation.attacks.map(\.apcer) == [0.5, 0])
        #expect(evaluation.attacks.map(\.accepted) == [1, 0])
        #expect(evaluation.bonaFideRejected == 2)
        #expect(evaluation.bpcer == 0.5)
        // APCER ≤ 5 % needs a threshold above the accepted print's 0.62: 0.65, where the 0.8 and 0.9 pass.
        #expect(evaluation.thresholdAtApcer5.map { $0.rounded(decimals: 2) } == 0.65)
        #expect(evaluation.bpcerAtApcer5 == 0.5)
        #expect(evaluation.notJudged.count == 1)
        #expect(evaluation.summaryLines(challenge: .turn(nil)) == [
            "threshold 0.50 (challenge turn)",
            "APCER 50.0 %  1 of 2 accepted  print",
            "APCER 0.0 %  0 of 2 accepted  screen",
            "BPCER 50.0 %  2 of 4 bona fide presentations not accepted",
            "BPCER at APCER ≤ 5 %: 50.0 % (threshold 0.65)",
            "BPCER at APCER ≤ 10 %: 50.0 % (threshold 0.65)",
        ])
    }

    @Test func noAttackThresholdReachesTheLimitWhenAnAttackScoresOne() {
        let evaluation = LivenessEvaluation(threshold: 0.5, bonaFide: [Self.judged(1, .bonaFide)],
                                            attacks: [(folder: "mask", presentations: [Self.judged(1, .bonaFide)])])
        // Only the threshold past the top score (1.05) refuses the attack, and then every bona fide too.
        #expect(evaluation.thresholdAtApcer5 == 1.05)
        #expect(evaluation.bpcerAtApcer5 == 1)
    }

    @Test func aFolderOfFramesIsOnePresentationAFolderOfFoldersIsASet() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("presentations-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        for folder in ["b", "a", ".hidden"] { try FileManager.default.createDirectory(atPath: root + "/" + folder, withIntermediateDirectories: true) }
        _ = FileManager.default.createFile(atPath: root + "/a/0000.jpg", contents: Data())
        _ = FileManager.default.createFile(atPath: root + "/notes.txt", contents: Data())
        #expect(try PresentationFolder.presentations(in: root) == [root + "/a", root + "/b"])
        #expect(try PresentationFolder.presentations(in: root + "/a") == [root + "/a"])
        #expect(throws: LivenessError.noPresentations(path: root + "/b")) { try PresentationFolder.presentations(in: root + "/b") }
        #expect(throws: LivenessError.self) { try PresentationFolder.presentations(in: root + "/absent") }
        #expect(LivenessError.noPresentations(path: "x").description == "x holds neither JPEG frames nor presentation folders")
    }
}
