import Compliance
import FaceAnalysis
import FotoboxTestSupport
import Foundation
import Imaging
import Testing

/// A probe, not a check (docs/compliance.md): what lies between the lips, inside the mesh's outer lip contour, in linear
/// light — teeth (brighter than the lips and less red) or the mouth's cavity (far darker than the lips).
enum MouthProbe {
    /// MediaPipe's outer lip contour.
    static let outerLips = [61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291, 375, 321, 405, 314, 17, 84, 181, 91, 146]

    static func linear(_ level: UInt8) -> Double {
        let v = Double(level) / 255
        return v <= 0.04045 ? v / 12.92 : pow((v + 0.055) / 1.055, 2.4)
    }

    /// (teeth fraction, cavity fraction) of the pixels inside the outer lip contour; nil when it is too small.
    static func measure(_ image: RGBImage, _ face: DetectedFace) -> (teeth: Double, cavity: Double)? {
        guard face.landmarks.count >= 468 else { return nil }
        let polygon = outerLips.map { face.landmarks[$0].point }
        let xs = polygon.map(\.x), ys = polygon.map(\.y)
        let box = PixelRect(x: Int(xs.min()!), y: Int(ys.min()!), width: Int(xs.max()! - xs.min()!) + 1, height: Int(ys.max()! - ys.min()!) + 1)
            .clamped(toWidth: image.width, height: image.height)
        func inside(_ x: Double, _ y: Double) -> Bool {
            var c = false
            var j = polygon.count - 1
            for i in 0..<polygon.count {
                let a = polygon[i], b = polygon[j]
                if (a.y > y) != (b.y > y), x < (b.x - a.x) * (y - a.y) / (b.y - a.y) + a.x { c.toggle() }
                j = i
            }
            return c
        }
        var pixels: [(l: Double, red: Double)] = []
        for y in box.y..<(box.y + box.height) {
            for x in box.x..<(box.x + box.width) where inside(Double(x) + 0.5, Double(y) + 0.5) {
                let p = image[x, y]
                let r = linear(p.r), g = linear(p.g), b = linear(p.b)
                let sum = r + g + b
                pixels.append((0.2126 * r + 0.7152 * g + 0.0722 * b, sum > 1e-4 ? r / sum : 0.33))
            }
        }
        guard pixels.count >= 50 else { return nil }
        // The lips' own light and redness: the medians (lips are most of the contour on any mouth that is not wide open).
        let l = pixels.map(\.l).sorted(), red = pixels.map(\.red).sorted()
        let lipLight = l[l.count / 2], lipRed = red[red.count / 2]
        let teeth = pixels.filter { $0.l >= lipLight && $0.red <= lipRed - 0.08 }.count
        let cavity = pixels.filter { $0.l <= 0.15 * lipLight }.count
        return (Double(teeth) / Double(pixels.count), Double(cavity) / Double(pixels.count))
    }
}

@Suite struct MouthMeasurement {
    @Test(.needsTestData("faces/frll"), .needsTestData("faces/attributes"), .needsModels)
    func teethAndCavityOnRealMouths() throws {
        let analyzer = try FaceAnalyzer(modelDirectory: try #require(FaceModels.locate(["models"])))
        var closed: [(String, Double, Double, Double)] = [], open: [(String, Double, Double, Double)] = []
        for portrait in try AnnotatedPortrait.loadAll() {
            let photo = try PhotoProcessor.process(portrait.image, face: portrait.face, profile: .scan)
            guard let face = analyzer.analyze(photo.image).first, let m = MouthProbe.measure(photo.image, face) else { continue }
            closed.append(("frll/" + portrait.name, m.teeth, m.cavity, face.mouthOpenness))
        }
        let labels = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: TestData.path("faces/attributes/labels.json")))) as! [String: [String: String]]
        for (name, label) in labels.sorted(by: { $0.key < $1.key }) {
            let notes = label["notes"] ?? ""
            let image = try JPEG.decode([UInt8](try Data(contentsOf: URL(fileURLWithPath: TestData.path("faces/attributes/" + name)))))
            guard let face = analyzer.analyze(image).first, let m = MouthProbe.measure(image, face) else { continue }
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
