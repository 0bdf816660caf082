import FaceAnalysis
import Foundation
import FotoboxTestSupport
import Imaging
import Liveness
import LivenessTestSupport
import Platform
import Testing

/// The liveness figures of docs/liveness.md, on real and on synthetic presentations, reported apart. Writes
/// the presentations as JPEG folders under `.build/liveness-sets/` (for `fotoboxctl liveness evaluate`).
///
///     swift test -c release --skip-build --filter LivenessMeasurementTests
@Suite(.serialized) struct LivenessMeasurementTests {
    static let output = TestData.packageRoot + "/.build/liveness-sets"

    /// Every presentation: real bona fide (ORL turns, Silent-Face person), real attacks (Silent-Face print and
    /// replay), synthetic planar attacks (ORL and FRLL photos turned in the hand, plain/halftone/screen looks).
    static func presentations() throws -> [(set: String, name: String, frames: [RGBImage], bonaFide: Bool, real: Bool)] {
        var all: [(String, String, [RGBImage], Bool, Bool)] = []
        for subject in PresentationSets.orlSubjects {
            all.append(("real bona fide: ORL turns", subject, try PresentationSets.orlBonaFide(subject), true, true))
        }
        for (i, subject) in PresentationSets.orlSubjects.enumerated() {
            // A photo of the same person in the same format (grey, enlarged, on the canvas): judge the face.
            let photo = try PresentationSets.orlFrame(subject, shot: 1).cropped(to: PixelRect(x: 160, y: 40, width: 320, height: 400))
            all.append(("synthetic attack: ORL photo turned", subject,
                        PresentationSets.planarAttack(photo, frames: 10, maxDegrees: 40, look: .plain, seed: UInt64(i + 1), faceWidthFraction: 0.3), false, false))
        }
        for (i, name) in try PresentationSets.frllNames().enumerated() {
            let look = PresentationSets.Look.allCases[i % 3]
            all.append(("synthetic attack: FRLL \(look.rawValue) turned", name,
                        PresentationSets.planarAttack(try PresentationSets.frllPhoto(name), maxDegrees: 40, look: look, seed: UInt64(100 + i)), false, false))
        }
        return all
    }

    @Test(.needsTestData("liveness"), .needsTestData("faces/frll"), .needsModels)
    func parallaxOnRealTurnsAndOnPlanarWarps() throws {
        let analyzer = try FaceAnalyzer(modelDirectory: TestData.modelDirectory!)
        let judge = LivenessJudge(policy: LivenessPolicy())
        var judged: [(set: String, bonaFide: Bool, real: Bool, name: String, result: LivenessResult?, error: String?)] = []
        for p in try Self.presentations() {
            let folder = Self.output + "/" + p.set.replacingOccurrences(of: ": ", with: "/").replacingOccurrences(of: " ", with: "-") + "/" + p.name
            try? FileSystem.removeTree(folder)
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try PresentationSets.write(p.frames, to: folder)
            let observations = p.frames.map { image in analyzer.analyze(image, mode: .preview).first.map { FaceObservation($0, in: image) } }
            do {
                judged.append((p.set, p.bonaFide, p.real, p.name, try judge.judge(observations, challenge: .turn(nil)), nil))
            } catch {
                judged.append((p.set, p.bonaFide, p.real, p.name, nil, "\(error)"))
            }
        }
        for set in PresentationSets.silentFace {
            let observations = try PresentationFolder(directory: set.path).observations(analyzer: analyzer)
            let name = set.bonaFide ? "real bona fide: Silent-Face person" : "real attack: \(set.name)"
            judged.append((name, set.bonaFide, true, "demo", try? judge.judge(observations, challenge: .turn(nil)), nil))
        }
        // Figures per set.
        var sets: [String] = []
        for j in judged where !sets.contains(j.set) { sets.append(j.set) }
        for set in sets {
            let members = judged.filter { $0.set == set }
            let accepted = members.filter { $0.result?.decision == .bonaFide }.count
            let ratios = members.compactMap { $0.result?.cues.parallax }
            let rate = Double(members[0].bonaFide ? members.count - accepted : accepted) / Double(members.count) * 100
            print("LIVENESS \(set): \(members.count) presentations, \(members[0].bonaFide ? "BPCER" : "APCER") \(String(format: "%.1f", rate)) % (\(accepted) accepted as bona fide); parallax measured in \(ratios.count), median \(String(format: "%.2f", median(ratios))), range \(String(format: "%.2f", ratios.min() ?? 0))…\(String(format: "%.2f", ratios.max() ?? 0))")
            for m in members {
                print("  \(m.name): \(m.result.map { "score \(String(format: "%.2f", $0.score)) \($0.decision.rawValue), movement \(String(format: "%.1f", $0.cues.movementDegrees))°, parallax \($0.cues.parallax.map { String(format: "%.2f", $0) } ?? "–"), blink \(String(format: "%.2f", $0.cues.blink))" } ?? "not judged: \(m.error ?? "")")")
            }
        }
        // The physics: a plane's texture leaves the rigid model no advantage (parallax ≤ 0 up to noise), a head's does.
        let real = judged.filter { $0.set == "real bona fide: ORL turns" }.compactMap { $0.result?.cues.parallax }
        let planar = judged.filter { !$0.real && !$0.bonaFide }.compactMap { $0.result?.cues.parallax }
        #expect(real.count == 18 && planar.count >= 20, "parallax measured on \(real.count) real and \(planar.count) planar presentations")
        #expect(median(real) > median(planar) + 0.2, "real \(real.sorted()), planar \(planar.sorted())")
        let acceptedAttacks = judged.filter { !$0.real && !$0.bonaFide && $0.result?.decision == .bonaFide }.count
        #expect(acceptedAttacks <= planar.count / 20, "synthetic planar attacks accepted: \(acceptedAttacks) of \(planar.count)")
    }

}

private func median(_ values: [Double]) -> Double {
    guard !values.isEmpty else { return 0 }
    let sorted = values.sorted()
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}
