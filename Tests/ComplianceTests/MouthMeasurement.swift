import Compliance
import FaceAnalysis
import FotoboxTestSupport
import Foundation
import Imaging
import Testing

@Suite struct MouthMeasurement {
    @Test(.needsTestData("faces/frll"), .needsTestData("faces/attributes"), .needsModels)
    func teethAndCavityOnRealMouths() throws {
        let analyzer = try FaceAnalyzer(modelDirectory: try #require(FaceModels.locate(["models"])))
        var closed: [(String, Double, Double, Double)] = [], open: [(String, Double, Double, Double)] = []
        for portrait in try AnnotatedPortrait.loadAll() {
            let photo = try PhotoProcessor.process(portrait.image, face: portrait.face, profile: .scan)
            guard let face = analyzer.analyze(photo.image).first, let m = MouthInterior.measure(photo.image, face) else { continue }
            closed.append(("frll/" + portrait.name, m.teeth, m.cavity, face.mouthOpenness))
        }
        let labels = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: TestData.path("faces/attributes/labels.json")))) as! [String: [String: String]]
        for (name, label) in labels.sorted(by: { $0.key < $1.key }) {
            let notes = label["notes"] ?? ""
            let image = try JPEG.decode([UInt8](try Data(contentsOf: URL(fileURLWithPath: TestData.path("faces/attributes/" + name)))))
            guard let face = analyzer.analyze(image).first, let m = MouthInterior.measure(image, face) else { continue }
            // Open: teeth visible or lips parted (labels by eye); "eyes open" does not count.
            let isOpen = name.hasPrefix("mouth_open/") || notes.contains("teeth") || notes.contains("parted") || notes.contains("mouth wide open")
            (isOpen ? { open.append((name, m.teeth, m.cavity, face.mouthOpenness)) } : { closed.append((name, m.teeth, m.cavity, face.mouthOpenness)) })()
        }
        func show(_ rows: [(String, Double, Double, Double)]) -> String {
            rows.map { "\($0.0) t\(String(format: "%.3f", $0.1)) c\(String(format: "%.3f", $0.2)) gap\(String(format: "%.3f", $0.3))" }.joined(separator: "; ")
        }
        let closedTeeth = closed.map(\.1).sorted(), closedCavity = closed.map(\.2).sorted()
        print("MOUTH closed (\(closed.count)): teeth max \(closedTeeth.last ?? .nan), p90 \(closedTeeth.isEmpty ? .nan : closedTeeth[closedTeeth.count * 9 / 10]); cavity max \(closedCavity.last ?? .nan)")
        print("MOUTH closed highest: \(show(closed.sorted { max($0.1, $0.2) > max($1.1, $1.2) }.prefix(6).map { $0 }))")
        print("MOUTH open (\(open.count)): \(show(open.sorted { $0.1 < $1.1 }))")
    }
}
