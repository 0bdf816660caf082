import FaceAnalysis
import FotoboxTestSupport
import Foundation
import Imaging
import Platform
import Testing

/// Per-eye openness (issue 14): the figures docs/compliance.md ("eyesOpen") reports, on real closed eyes
/// (`faces/eyes-closed`, CEW) and on open ones (FRLL, attributes), for the full chain and the live preview.
/// The threshold is the anatomical one (the upper lid over the pupil's centre: 0.20 of the eye's width), not
/// fitted to these files; the test prints the rates and bounds only what the issue asks.
@Suite(.serialized) struct EyeOpennessTests {
    /// docs/compliance.md: iris radius ≈ 0.20 of the eye's width (11.7 mm iris, 28–30 mm eye).
    static let threshold = 0.20

    /// The CEW crops are tight: the detector needs room around the face, so the border pixels are repeated.
    static func padded(_ image: RGBImage) -> RGBImage {
        let pad = image.width / 2
        var big = RGBImage(width: image.width + 2 * pad, height: image.height + 2 * pad)
        for y in 0..<big.height {
            for x in 0..<big.width {
                big[x, y] = image[min(max(x - pad, 0), image.width - 1), min(max(y - pad, 0), image.height - 1)]
            }
        }
        return big
    }

    static func jpegs(_ folder: String) throws -> [String] {
        try FileSystem.listDirectory(TestData.path(folder)).filter { $0.hasSuffix(".jpg") }.sorted().map { TestData.path(folder) + "/" + $0 }
    }

    @Test(.needsModels, .needsTestData("faces/eyes-closed"), .needsTestData("faces/frll"), .needsTestData("faces/attributes"))
    func closedEyesAreCaughtAndOpenEyesPass() throws {
        let analyzer = try FaceAnalyzer(modelDirectory: try TestData.models())
        var report = "eye openness (widest middle lid gap ÷ eye width), threshold \(Self.threshold)\n"
        // Closed: both eyes of every CEW face, judged each on its own (a wink is one closed eye).
        var people = 0, caughtPeople = 0, eyes = 0, caughtEyes = 0, notFound = 0, noIris = 0
        for path in try Self.jpegs("faces/eyes-closed") {
            guard let face = analyzer.analyze(Self.padded(try TestData.image(path))).first else { notFound += 1; continue }
            if !face.eyeContourFromIrisModel { noIris += 1 }
            let (l, r) = face.eyeOpenness
            people += 1; eyes += 2
            if min(l, r) < Self.threshold { caughtPeople += 1 }
            caughtEyes += (l < Self.threshold ? 1 : 0) + (r < Self.threshold ? 1 : 0)
        }
        report += "  eyes-closed (real, CEW): \(caughtPeople)/\(people) faces refused, \(caughtEyes)/\(eyes) closed eyes caught one by one"
            + " (\(notFound) faces not found, \(noIris) without the iris model)\n"
        // Open: FRLL originals (full chain and preview), the attribute set.
        var frllFalse = 0, frllPreviewFalse = 0, frll = 0, lowest = 1.0, lowestPreview = 1.0
        for path in try Self.jpegs("faces/frll") {
            let image = try TestData.image(path)
            guard let face = analyzer.analyze(image).first else { continue }
            frll += 1
            let less = min(face.eyeOpenness.imageLeft, face.eyeOpenness.imageRight)
            lowest = min(lowest, less)
            if less < Self.threshold { frllFalse += 1 }
            if let preview = analyzer.analyze(image, mode: .preview).first {
                let p = min(preview.eyeOpenness.imageLeft, preview.eyeOpenness.imageRight)
                lowestPreview = min(lowestPreview, p)
                if p < Self.threshold { frllPreviewFalse += 1 }
            }
        }
        report += String(format: "  frll originals: %d/%d refused (lowest %.3f); preview mode (mesh lids): %d/%d asked to open (lowest %.3f)\n",
                         frllFalse, frll, lowest, frllPreviewFalse, frll, lowestPreview)
        for folder in ["controls", "expression", "gaze_averted", "head_covering", "mouth_open", "occlusion", "smiling", "yaw"] {
            for path in try Self.jpegs("faces/attributes/" + folder) {
                guard let face = analyzer.analyze(try TestData.image(path)).first else { report += "  \(folder)/\(path.split(separator: "/").last!): no face\n"; continue }
                let (l, r) = face.eyeOpenness
                if min(l, r) < Self.threshold {
                    report += String(format: "  attributes/%@/%@: %.3f / %.3f (refused)\n", folder, String(path.split(separator: "/").last!), l, r)
                }
            }
        }
        print(report)
        #expect(frllFalse <= 1)   // issue 14: no new mandatory check refuses more than 1 of the 34 originals
    }
}
