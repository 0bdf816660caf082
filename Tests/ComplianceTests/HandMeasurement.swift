import Compliance
import FaceAnalysis
import FotoboxTestSupport
import Foundation
import Imaging
import Testing

/// Prints, for every real photo in the shared test data, each palm the detector finds and how much of the face oval its
/// hand region covers (docs/compliance.md, "Hand at the face"). A measurement, not a test of a threshold:
/// `swift test -c release --skip-build --filter HandMeasurement`.
@Suite struct HandMeasurement {
    static func describe(_ name: String, _ image: RGBImage, _ analyzer: FaceAnalyzer) -> String {
        let palms = analyzer.palms(image)
        guard let face = analyzer.analyze(image).first else { return "HAND \(name): no face, \(palms.count) palm(s)" }
        guard let outline = HandFinding.faceOutline(face.landmarks) else { return "HAND \(name): no mesh" }
        let ied = face.geometry.interEyeDistance
        let rows = palms.map { palm -> String in
            let nearest = HandFinding.measure(palms: [palm], faceOutline: outline, interEyeDistance: ied).first?.distanceToFace
            let below = (palm.box.centre.y - face.chin.y) / ied
            return String(format: "score %.3f presence %.3f hand %@ distance to face %@ IED palm %.0fx%.0f centre %.1f IED below chin",
                          palm.score, palm.handPresence ?? -1, palm.isHand ? "yes" : "no", nearest.map { String(format: "%.3f", $0) } ?? "-",
                          palm.box.width, palm.box.height, below)
        }
        return "HAND \(name): \(palms.count) palm(s)" + (rows.isEmpty ? "" : ": " + rows.joined(separator: "; "))
    }

    @Test(.needsTestData("faces/frll"), .needsTestData("faces/attributes"), .needsModels)
    func palmsOnRealPhotos() throws {
        let analyzer = try FaceAnalyzer(modelDirectory: try #require(FaceModels.locate(["models"])))
        for portrait in try AnnotatedPortrait.loadAll() {
            let photo = try PhotoProcessor.process(portrait.image, face: portrait.face, profile: .scan)
            print(Self.describe("frll/" + portrait.name, photo.image, analyzer))
        }
        let labels = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: TestData.path("faces/attributes/labels.json")))) as! [String: [String: String]]
        for name in labels.keys.sorted() {
            print(Self.describe("attributes/" + name, try JPEG.decode([UInt8](try Data(contentsOf: URL(fileURLWithPath: TestData.path("faces/attributes/" + name))))), analyzer))
        }
        for folder in ["faces/eyes-closed", "frames", "faces/cluttered", "liveness/silent-face", "liveness/silent-face/demo/bona-fide",
                       "liveness/silent-face/demo/print", "liveness/silent-face/demo/replay"] {
            let names = try FileManager.default.contentsOfDirectory(atPath: TestData.path(folder)).filter { $0.lowercased().hasSuffix(".jpg") }.sorted()
            for name in names {
                print(Self.describe(folder + "/" + name, try JPEG.decode([UInt8](try Data(contentsOf: URL(fileURLWithPath: TestData.path(folder + "/" + name))))), analyzer))
            }
        }
    }
}
