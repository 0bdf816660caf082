import Compliance
import FaceAnalysis
import FotoboxTestSupport
import Foundation
import Imaging
import Testing

/// The real portraits of ../shared/testdata/faces/frll with their hand-placed points.
struct AnnotatedPortrait {
    var name: String
    var image: RGBImage
    var face: FaceGeometry

    static let directory = TestData.path("faces/frll")

    static func loadAll() throws -> [AnnotatedPortrait] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".json") }.sorted()
        return try names.map { name in
            let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(directory)/\(name)"))) as! [String: Any]
            func point(_ value: Any?) -> Point {
                let pair = value as! [Double]
                return Point(x: pair[0], y: pair[1])
            }
            let pupils = json["pupils"] as! [String: Any]
            let jpeg = [UInt8](try Data(contentsOf: URL(fileURLWithPath: "\(directory)/\(json["image"] as! String)")))
            return AnnotatedPortrait(
                name: String(name.dropLast(5)), image: try JPEG.decode(jpeg),
                face: FaceGeometry(imageLeftEye: point(pupils["imageLeft"]), imageRightEye: point(pupils["imageRight"]),
                                   chin: point(json["chin"]), crown: point(json["topOfHead"])))
        }
    }

}

/// A variant of a compliant photo that breaks one rule, and the check that must catch it.
struct RuleBreakingVariant: Sendable {
    var name: String
    var expected: Set<String>
    var make: @Sendable (RGBImage, ObservedFace) -> (RGBImage, [ObservedFace])
}

/// Landmark-independent measures (yaw, pitch, eyes, mouth) come from the face model in the station. The
/// FRLL portraits are frontal with open eyes and closed mouths by the set's design, so the annotated
/// variant states that; the variants below break image rules, not expression rules.
private func observed(_ geometry: FaceGeometry) -> ObservedFace {
    var g = geometry
    g.yaw = 0
    g.pitch = 0
    return ObservedFace(geometry: g, eyeOpenness: 0.3, mouthOpenness: 0)
}

private func backgroundFill(_ image: RGBImage) -> AffineWarp.Fill {
    let p = image[4, 4]
    return AffineWarp.Fill(r: p.r, g: p.g, b: p.b)
}

/// Moves the picture by `transform` (output = transform(source)), filling uncovered parts with the background.
private func moved(_ image: RGBImage, _ face: ObservedFace, _ transform: Imaging.AffineTransform) -> (RGBImage, [ObservedFace]) {
    let out = AffineWarp.warp(image, transform: transform, width: image.width, height: image.height,
                              interpolation: .bicubic, fill: backgroundFill(image))
    var moved = face
    moved.geometry = face.geometry.mapped(by: transform)
    // mapped() keeps yaw and pitch.
    return (out, [moved])
}

/// Separable Gaussian blur, for the sharpness variant.
private func gaussianBlur(_ image: RGBImage, sigma: Double) -> RGBImage {
    let radius = Int(ceil(3 * sigma))
    var kernel = (-radius...radius).map { exp(-Double($0 * $0) / (2 * sigma * sigma)) }
    let total = kernel.reduce(0, +)
    kernel = kernel.map { $0 / total }
    func pass(_ source: RGBImage, horizontal: Bool) -> RGBImage {
        var out = source
        for y in 0..<source.height {
            for x in 0..<source.width {
                var sum = (0.0, 0.0, 0.0)
                for k in -radius...radius {
                    let sx = horizontal ? min(max(x + k, 0), source.width - 1) : x
                    let sy = horizontal ? y : min(max(y + k, 0), source.height - 1)
                    let p = source[sx, sy], w = kernel[k + radius]
                    sum.0 += Double(p.r) * w; sum.1 += Double(p.g) * w; sum.2 += Double(p.b) * w
                }
                out[x, y] = (UInt8(min(255, sum.0.rounded())), UInt8(min(255, sum.1.rounded())), UInt8(min(255, sum.2.rounded())))
            }
        }
        return out
    }
    return pass(pass(image, horizontal: true), horizontal: false)
}

private func scaledChannels(_ image: RGBImage, red: Double, green: Double, blue: Double) -> RGBImage {
    var out = image
    for i in 0..<(image.width * image.height) {
        out.pixels[3 * i] = UInt8(min(255, (Double(image.pixels[3 * i]) * red).rounded()))
        out.pixels[3 * i + 1] = UInt8(min(255, (Double(image.pixels[3 * i + 1]) * green).rounded()))
        out.pixels[3 * i + 2] = UInt8(min(255, (Double(image.pixels[3 * i + 2]) * blue).rounded()))
    }
    return out
}

let ruleBreakingVariants: [RuleBreakingVariant] = [
    RuleBreakingVariant(name: "rotated 12°", expected: ["headRoll"]) { image, face in
        let m = face.geometry.eyeMidpoint
        return moved(image, face, Imaging.AffineTransform.translation(x: -m.x, y: -m.y).followed(by: .rotation(degrees: 12))
            .followed(by: .translation(x: m.x, y: m.y)))
    },
    RuleBreakingVariant(name: "shifted 15%", expected: ["horizontalCentring"]) { image, face in
        moved(image, face, Imaging.AffineTransform.translation(x: 0.15 * Double(image.width), y: 0))
    },
    RuleBreakingVariant(name: "blur σ=5", expected: ["sharpness"]) { image, face in
        (gaussianBlur(image, sigma: 5), [face])
    },
    RuleBreakingVariant(name: "brightness ×2", expected: ["exposure"]) { image, face in
        (scaledChannels(image, red: 2, green: 2, blue: 2), [face])
    },
    RuleBreakingVariant(name: "cast R×1.3 B×0.8", expected: ["naturalColour", "backgroundColour"]) { image, face in
        (scaledChannels(image, red: 1.3, green: 1, blue: 0.8), [face])
    },
    RuleBreakingVariant(name: "face shrunk", expected: ["interEyeDistance"]) { image, face in
        // Shrunk about the face centre until the eyes are 10 % closer than the profile allows.
        let m = face.geometry.eyeMidpoint
        let factor = 0.9 * PhotoProfile.scan.minimumInterEyeDistance / face.geometry.interEyeDistance
        return moved(image, face, Imaging.AffineTransform.translation(x: -m.x, y: -m.y).followed(by: .scale(factor))
            .followed(by: .translation(x: m.x, y: m.y)))
    },
    RuleBreakingVariant(name: "two people", expected: ["singleFacePresent"]) { image, face in
        // Two half-width copies side by side, each person keeping their full height.
        let half = AreaResize.resize(image, width: image.width / 2, height: image.height / 2)
        var out = RGBImage(width: image.width, height: image.height)
        let fill = backgroundFill(image)
        for i in 0..<(out.width * out.height) { out.pixels[3 * i] = fill.r; out.pixels[3 * i + 1] = fill.g; out.pixels[3 * i + 2] = fill.b }
        var faces: [ObservedFace] = []
        for copy in 0..<2 {
            let dx = copy * image.width / 2, dy = image.height / 4
            for y in 0..<half.height { for x in 0..<half.width { out[x + dx, y + dy] = half[x, y] } }
            var f = face
            f.geometry = face.geometry.mapped(by: Imaging.AffineTransform.scale(0.5).followed(by: .translation(x: Double(dx), y: Double(dy))))
            faces.append(f)
        }
        return (out, faces)
    },
]

/// How the faces of an image are found: by the face chain when the models are installed (as in the
/// station), else from the annotated points carried through each transform.
struct FaceFinder {
    let analyzer: FaceAnalyzer?

    init() {
        analyzer = FaceModels.locate(["models"]).flatMap { try? FaceAnalyzer(modelDirectory: $0) }
        if analyzer == nil { print("NOTE: face models absent (scripts/setup --models): judging with the annotated points instead") }
    }

    func faces(_ image: RGBImage, annotated: [ObservedFace]) -> [ObservedFace] {
        analyzer.map { $0.observe(image) } ?? annotated
    }
}

@Suite struct AcceptanceTests {
    /// The station's path: the face chain finds the faces (so the models are needed as well as the portraits).
    @Test(.needsTestData("faces/frll"), .needsModels)
    func variantsOfRealPortraitsFailExactlyTheirRule() throws {
        let portraits = try AnnotatedPortrait.loadAll()
        let finder = FaceFinder()
        let checker = ComplianceChecker(profile: .scan)
        var falseAlarms: [String] = []
        var caught = 0, total = 0
        var table: [String: [String: Int]] = [:]
        for portrait in portraits {
            // The station's path: the model finds the face in the frame, the photo is cut from it.
            let found = finder.faces(portrait.image, annotated: [observed(portrait.face)])
            let frameFace = found.count == 1 ? found[0].geometry : portrait.face
            let photo = try PhotoProcessor.process(portrait.image, face: frameFace, profile: .scan)
            let annotated = observed(portrait.face.mapped(by: photo.plan.transform))
            let original = finder.faces(photo.image, annotated: [annotated])
            let base = checker.check(photo.image, faces: original)
            if !base.compliant { falseAlarms.append("\(portrait.name): \(base.failures.map(\.rawValue).joined(separator: ","))") }
            for failure in base.failures { table["original", default: [:]][failure.rawValue, default: 0] += 1 }
            for variant in ruleBreakingVariants {
                let (image, carried) = variant.make(photo.image, annotated)
                let report = checker.check(image, faces: finder.faces(image, annotated: carried))
                let failed = Set(report.checks.filter { !$0.pass }.map(\.id.rawValue))
                total += 1
                if !failed.isDisjoint(with: variant.expected) { caught += 1 }
                for id in failed { table[variant.name, default: [:]][id, default: 0] += 1 }
            }
        }
        printConfusionTable(table, portraits: portraits.count)
        let catchRate = Double(caught) / Double(total)
        let falseAlarmRate = Double(falseAlarms.count) / Double(portraits.count)
        print("caught \(caught)/\(total) variants (\(String(format: "%.1f", 100 * catchRate)) %); false alarms on originals: \(falseAlarms.count)/\(portraits.count) \(falseAlarms)")
        #expect(catchRate >= 0.95)
        #expect(falseAlarmRate <= 0.05)
    }

    /// Issue 2's bar: every real portrait, given its hand-placed points, comes out of the pipeline with the
    /// geometry right — measured on the annotated points carried through the transform, not on a detector.
    @Test(.needsTestData("faces/frll"), arguments: [PhotoProfile.scan])
    func annotatedPortraitsComeOutWithTheGeometryRight(profile: PhotoProfile) throws {
        for portrait in try AnnotatedPortrait.loadAll() {
            let photo = try PhotoProcessor.process(portrait.image, face: portrait.face, profile: profile)
            let g = portrait.face.mapped(by: photo.plan.transform)
            let W = Double(profile.width), H = Double(profile.height)
            #expect(photo.image.width == profile.width && photo.image.height == profile.height)
            #expect(photo.plan.scale <= 1, "\(portrait.name): enlarged")
            #expect(abs(g.rollDegrees) < 0.01, "\(portrait.name): roll \(g.rollDegrees)")
            #expect(g.interEyeDistance >= profile.minimumInterEyeDistance, "\(portrait.name)")
            #expect(profile.headHeightRatio.contains(g.headHeight / H), "\(portrait.name): head \(g.headHeight / H)")
            #expect(profile.eyeLinePosition.contains(g.eyeMidpoint.y / H), "\(portrait.name): eye line \(g.eyeMidpoint.y / H)")
            #expect(profile.horizontalCentring.contains(g.eyeMidpoint.x / W), "\(portrait.name): centre \(g.eyeMidpoint.x / W)")
        }
    }

    /// Selfies on a cluttered background (faces/cluttered) must be refused, for their background.
    @Test(.needsTestData("faces/cluttered"), .needsModels)
    func clutteredBackgroundsAreRefused() throws {
        let directory = TestData.path("faces/cluttered")
        let finder = FaceFinder()
        let checker = ComplianceChecker(profile: .scan, isFinishedPhoto: false)
        for name in try FileManager.default.contentsOfDirectory(atPath: directory).filter({ $0.hasSuffix(".jpg") }).sorted() {
            let image = try JPEG.decode([UInt8](try Data(contentsOf: URL(fileURLWithPath: "\(directory)/\(name)"))))
            let report = checker.check(image, faces: finder.faces(image, annotated: []))
            print("\(name): refused for \(report.failures.map(\.rawValue).joined(separator: ", "))")
            #expect(!report.compliant)
            #expect(report[check: .backgroundUniformity]?.pass == false || report[check: .backgroundColour]?.pass == false, "\(name)")
        }
    }

    private func printConfusionTable(_ table: [String: [String: Int]], portraits: Int) {
        let rows = ["original"] + ruleBreakingVariants.map(\.name)
        let columns = Set(table.values.flatMap(\.keys)).sorted()
        print("| transform (\(portraits) portraits) | " + columns.joined(separator: " | ") + " |")
        print("|---|" + columns.map { _ in "---:" }.joined(separator: "|") + "|")
        for row in rows {
            print("| \(row) | " + columns.map { table[row]?[$0].map(String.init) ?? "" }.joined(separator: " | ") + " |")
        }
    }
}
