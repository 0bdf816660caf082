import Arguments
import Compliance
import FaceAnalysis
import Imaging
import Platform

/// `fotoboxctl analyze IMAGE`: the face chain on one photo — landmarks, pose, crown — as JSON or a summary.
let analyzeCommand = Command(
    "analyze", summary: "find the faces in a photo and measure their landmarks",
    discussion: """
        Runs the face chain (BlazeFace → FaceMesh → Iris) on a JPEG. Coordinates are source pixels, x right, \
        y down; "imageLeft" is the eye with the smaller x. The crown is the estimated top of the skull (hair \
        ignored, as the German photo rules measure the head). Models are looked up in --models, else ./models, \
        else \(FaceModels.installedDirectory).
        """,
    examples: ["fotoboxctl analyze portrait.jpg", "fotoboxctl analyze --json --profile scan scan.jpg"],
    options: [
        .value("profile", "PROFILE", help: "the capture profile the photo is judged by", choices: ["live", "scan"]),
        .flag("json", help: "print one JSON object"),
        .value("models", "DIR", help: "directory holding the three face models"),
        .value("annotate", "OUT.jpg", help: "also write the photo with the landmarks drawn on it"),
        configOption.withHelp("judge with this station's profile, [checks] thresholds and models"),
    ],
    positionals: [PositionalSpec("IMAGE", help: "the JPEG to analyse")],
    action: { arguments, output in
        let path = arguments.positional("IMAGE") ?? ""
        let (image, encoding) = try loadPhotoWithEncoding(path)
        let station = try arguments.value("config").map { _ in try loadConfig(arguments) }
        let analyzer = try loadAnalyzer(arguments.value("models") ?? station?.modelDirectory)
        let faces = analyzer.analyze(image)
        if let annotated = arguments.value("annotate") {
            try writeAnnotated(image, faces: faces, to: annotated)
        }
        // The whole image is judged as the photo of the profile: on an uncropped frame the geometry
        // checks say how the crop would have to move.
        let profile = PhotoProfile.named(arguments.value("profile") ?? station?.profile ?? "live")!
        let thresholds = QualityThresholds(overrides: station?.checkThresholds ?? [:])
        let report = ComplianceChecker(profile: profile, thresholds: thresholds).check(image, faces: faces.map(ObservedFace.init), source: encoding)
        if arguments.flag("json") {
            output.print(try jsonText(AnalysisResult(image: image, encoding: encoding, faces: faces, report: report)))
        } else {
            printSummary(path: path, image: image, faces: faces, output: &output)
            output.print(reportTable(report))
        }
        return report.compliant ? .success : .failure
    })

/// What `analyze --json` prints: the image, every face found, and the checks of the most prominent face.
struct AnalysisResult: Encodable {
    struct Size: Encodable { var width: Int; var height: Int }
    /// How the file stored its colours: model, bits per sample, ICC profile (null when none).
    struct Encoding: Encodable {
        var model: JPEGColourEncoding.Model
        var bitsPerSample: Int
        var iccProfile: ICCProfileKind?
        private enum CodingKeys: String, CodingKey { case model, bitsPerSample, iccProfile }
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(model, forKey: .model); try c.encode(bitsPerSample, forKey: .bitsPerSample)
            try c.encode(iccProfile, forKey: .iccProfile)
        }
    }
    struct Pupils: Encodable { var imageLeft: [Double]; var imageRight: [Double] }
    struct Corners: Encodable { var imageLeftOuter, imageLeftInner, imageRightInner, imageRightOuter: [Double] }
    struct Pose: Encodable { var yaw, pitch, roll: Double }
    /// The rigid fit of the canonical face: its angles and residual (RMS ÷ inter-eye distance); null when it failed.
    struct PoseFit: Encodable { var yaw, pitch, roll, residual: Double }
    /// Each eye's openness (widest middle lid gap ÷ eye width); `imageLeft` is the person's right eye.
    /// `readByIrisModel` false: the iris model could not read the eyes, so eyesOpen cannot be judged.
    struct Eyes: Encodable { var imageLeft, imageRight: Double; var readByIrisModel: Bool }
    /// Issue 14's light findings for this face (null where it cannot be judged): near-clipped skin in IED², each eye's
    /// under-eye ÷ cheek light,
    /// pupil's red reflex (red ÷ green, linear; 0 for a dark pupil), wall next to the head ÷ further out.
    struct Light: Encodable {
        var hotSpotArea: Double?
        /// Near-clipped area around the worse eye (glare of glasses), IED².
        var eyeGlareArea: Double?
        /// Each eye's under-eye ÷ cheek light (linear); tinted lenses make it ≤ 0.185 (eyesVisible).
        var underEyeLight: EyePair
        var redReflex: EyePair
        var backgroundShadowRatio: Double?
        struct EyePair: Encodable {
            var imageLeft, imageRight: Double?
            private enum CodingKeys: String, CodingKey { case imageLeft, imageRight }
            func encode(to encoder: any Encoder) throws {
                var c = encoder.container(keyedBy: CodingKeys.self)
                try c.encode(imageLeft, forKey: .imageLeft); try c.encode(imageRight, forKey: .imageRight)
            }
        }
        private enum CodingKeys: String, CodingKey { case hotSpotArea, eyeGlareArea, underEyeLight, redReflex, backgroundShadowRatio }
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(hotSpotArea, forKey: .hotSpotArea); try c.encode(redReflex, forKey: .redReflex)
            try c.encode(underEyeLight, forKey: .underEyeLight); try c.encode(eyeGlareArea, forKey: .eyeGlareArea)
            try c.encode(backgroundShadowRatio, forKey: .backgroundShadowRatio)
        }
    }
    /// Measured and reported, judged by no check (they overlap on real data; docs/compliance.md): the forehead band's skin
    /// fraction (a head covering or a fringe lowers it) and the teeth / dark-cavity fractions inside the outer lips.
    struct Reported: Encodable {
        var foreheadSkinFraction: Double?
        var mouthTeethFraction: Double?
        var mouthCavityFraction: Double?
        private enum CodingKeys: String, CodingKey { case foreheadSkinFraction, mouthTeethFraction, mouthCavityFraction }
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(foreheadSkinFraction, forKey: .foreheadSkinFraction)
            try c.encode(mouthTeethFraction, forKey: .mouthTeethFraction); try c.encode(mouthCavityFraction, forKey: .mouthCavityFraction)
        }
    }
    struct Face: Encodable {
        var score: Double
        var box: [Double]
        var pupils: Pupils
        var eyeCorners: Corners
        var chin: [Double]
        var crown: [Double]
        var pose: Pose
        var poseFit: PoseFit?
        var eyeOpenness: Eyes
        /// Inner-lip gap ÷ mouth width.
        var mouthOpenness: Double
        var light: Light
        /// Each eye's share of its surroundings darker than a quarter of the skin's light (hair or an object over the
        /// eye; `faceOcclusion` refuses above 0.5); null where it cannot be judged.
        var hiddenEye: Light.EyePair
        var reported: Reported

        private enum CodingKeys: String, CodingKey { case score, box, pupils, eyeCorners, chin, crown, pose, poseFit, eyeOpenness, mouthOpenness, light, hiddenEye, reported }

        /// Writes `"poseFit": null` when the fit failed ("cannot judge"), rather than leaving the key out.
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(score, forKey: .score); try c.encode(box, forKey: .box); try c.encode(pupils, forKey: .pupils)
            try c.encode(eyeCorners, forKey: .eyeCorners); try c.encode(chin, forKey: .chin); try c.encode(crown, forKey: .crown)
            try c.encode(pose, forKey: .pose); try c.encode(poseFit, forKey: .poseFit)
            try c.encode(eyeOpenness, forKey: .eyeOpenness); try c.encode(mouthOpenness, forKey: .mouthOpenness)
            try c.encode(light, forKey: .light); try c.encode(hiddenEye, forKey: .hiddenEye); try c.encode(reported, forKey: .reported)
        }
    }
    var image: Size
    var colourEncoding: Encoding
    var faces: [Face]
    var checks: [CheckResult]
    var compliant: Bool

    init(image: RGBImage, encoding: JPEGColourEncoding, faces: [DetectedFace], report: ComplianceReport) {
        func point(_ p: Point) -> [Double] { [rounded(p.x, 1), rounded(p.y, 1)] }
        self.image = Size(width: image.width, height: image.height)
        colourEncoding = Encoding(model: encoding.model, bitsPerSample: encoding.bitsPerSample, iccProfile: encoding.iccProfile)
        self.faces = faces.map { face in
            Face(score: rounded(face.score, 4),
                 box: [face.box.x, face.box.y, face.box.width, face.box.height].map { rounded($0, 1) },
                 pupils: Pupils(imageLeft: point(face.pupils.imageLeft), imageRight: point(face.pupils.imageRight)),
                 eyeCorners: Corners(imageLeftOuter: point(face.eyeCorners.imageLeftOuter), imageLeftInner: point(face.eyeCorners.imageLeftInner),
                                     imageRightInner: point(face.eyeCorners.imageRightInner), imageRightOuter: point(face.eyeCorners.imageRightOuter)),
                 chin: point(face.chin), crown: point(face.crown.skullTop),
                 pose: Pose(yaw: rounded(face.pose.yaw, 2), pitch: rounded(face.pose.pitch, 2), roll: rounded(face.pose.roll, 2)),
                 poseFit: face.poseFit.map { PoseFit(yaw: rounded($0.yaw, 2), pitch: rounded($0.pitch, 2), roll: rounded($0.roll, 2),
                                                     residual: rounded($0.residual, 4)) },
                 eyeOpenness: Eyes(imageLeft: rounded(face.eyeOpenness.imageLeft, 3), imageRight: rounded(face.eyeOpenness.imageRight, 3),
                                   readByIrisModel: face.eyeContourFromIrisModel),
                 mouthOpenness: rounded(face.mouthOpenness, 3),
                 light: Self.light(LightFindings.measure(image, face: face.geometry), underEye: EyesVisibleFinding.measure(image, face: face.geometry)),
                 hiddenEye: Self.hiddenEye(OcclusionFinding.measure(image, mesh: face.landmarks, interEyeDistance: face.geometry.interEyeDistance)),
                 reported: Self.reported(image, face))
        }
        checks = report.checks
        compliant = report.compliant
    }
}

extension AnalysisResult {
    static func reported(_ image: RGBImage, _ face: DetectedFace) -> Reported {
        let mouth = MouthInterior.measure(image, face)
        return Reported(foreheadSkinFraction: CoveringFindings.foreheadSkinFraction(image, face: face.geometry).map { rounded($0, 3) },
                        mouthTeethFraction: mouth.map { rounded($0.teeth, 3) }, mouthCavityFraction: mouth.map { rounded($0.cavity, 3) })
    }

    static func hiddenEye(_ hidden: (imageLeft: Double?, imageRight: Double?)) -> Light.EyePair {
        .init(imageLeft: hidden.imageLeft.map { rounded($0, 3) }, imageRight: hidden.imageRight.map { rounded($0, 3) })
    }

    static func light(_ findings: LightFindings, underEye: (imageLeft: Double?, imageRight: Double?)) -> Light {
        Light(hotSpotArea: findings.hotSpotArea.map { rounded($0, 4) }, eyeGlareArea: findings.eyeGlareArea.map { rounded($0, 4) },
              underEyeLight: .init(imageLeft: underEye.imageLeft.map { rounded($0, 3) }, imageRight: underEye.imageRight.map { rounded($0, 3) }),
              redReflex: .init(imageLeft: findings.redReflex.imageLeft.map { rounded($0, 3) }, imageRight: findings.redReflex.imageRight.map { rounded($0, 3) }),
              backgroundShadowRatio: findings.backgroundShadowRatio.map { rounded($0, 3) })
    }
}

private func rounded(_ value: Double, _ digits: Int) -> Double {
    guard value.isFinite else { return 0 }
    let scale = (0..<digits).reduce(1.0) { acc, _ in acc * 10 }
    return (value * scale).rounded() / scale
}

private func printSummary(path: String, image: RGBImage, faces: [DetectedFace], output: inout CommandOutput) {
    func p(_ point: Point) -> String { "(\(fixed(point.x, 1)), \(fixed(point.y, 1)))" }
    output.print("\(path): \(image.width)×\(image.height), \(faces.count == 1 ? "1 face" : "\(faces.count) faces")")
    for (i, face) in faces.enumerated() {
        let g = face.geometry
        output.print("face \(i + 1): score \(fixed(face.score, 3)), box \(fixed(face.box.x, 0)),\(fixed(face.box.y, 0)) \(fixed(face.box.width, 0))×\(fixed(face.box.height, 0))")
        output.print("  pupils       image-left \(p(face.pupils.imageLeft))  image-right \(p(face.pupils.imageRight))  distance \(fixed(g.interEyeDistance, 1)) px")
        output.print("  eye corners  \(p(face.eyeCorners.imageLeftOuter)) \(p(face.eyeCorners.imageLeftInner))  \(p(face.eyeCorners.imageRightInner)) \(p(face.eyeCorners.imageRightOuter))")
        output.print("  nose tip     \(p(face.noseTip))  mouth \(p(face.mouthCentre))  chin \(p(face.chin))")
        output.print("  crown        skull top \(p(face.crown.skullTop))  top of hair \(p(face.crown.topOfHair))\(face.crown.reachesImageEdge ? " (hair reaches the image edge)" : "")")
        output.print("  head         height \(fixed(g.headHeight, 0)) px, width \(fixed(face.headWidth, 0)) px")
        output.print("  pose         yaw \(fixed(face.pose.yaw, 1))°  pitch \(fixed(face.pose.pitch, 1))°  roll \(fixed(face.pose.roll, 1))°"
                     + (face.poseFit.map { "  (canonical-face fit, residual \(fixed($0.residual, 3)) IED)" } ?? "  (no pose fit: yaw and pitch cannot be judged)"))
        output.print("  openness     eyes \(fixed(face.eyeOpenness.imageLeft, 2)) (person's right) / \(fixed(face.eyeOpenness.imageRight, 2)) (left)"
                     + (face.eyeContourFromIrisModel ? "" : " [iris model could not read the eyes]") + "  mouth \(fixed(face.mouthOpenness, 2))")
    }
}

/// The photo with the mesh points (green), pupils (red), chin and crown (blue) marked, as JPEG.
private func writeAnnotated(_ image: RGBImage, faces: [DetectedFace], to path: String) throws(CommandRunner.Failure) {
    var canvas = image
    func mark(_ point: Point, radius: Int, _ colour: (UInt8, UInt8, UInt8)) {
        let cx = Int(point.x.rounded()), cy = Int(point.y.rounded())
        for y in (cy - radius)...(cy + radius) where y >= 0 && y < canvas.height {
            for x in (cx - radius)...(cx + radius) where x >= 0 && x < canvas.width { canvas[x, y] = colour }
        }
    }
    let size = max(1, max(image.width, image.height) / 600)
    for face in faces {
        for point in face.landmarks { mark(point.point, radius: size / 2, (0, 220, 0)) }
        for point in [face.pupils.imageLeft, face.pupils.imageRight] { mark(point, radius: size + 1, (255, 0, 0)) }
        for point in [face.chin, face.crown.skullTop] { mark(point, radius: size + 1, (0, 80, 255)) }
        mark(face.crown.topOfHair, radius: size, (255, 200, 0))
    }
    do {
        try FileSystem.writeFileAtomically(path, try JPEG.encode(canvas, options: JPEGEncodeOptions(quality: 90)), mode: 0o600)
    } catch {
        throw CommandRunner.Failure(.failure, "cannot write \(path): \(error)")
    }
}

/// `value` with exactly `digits` decimals (no Foundation in the pipeline's printing).
func fixed(_ value: Double, _ digits: Int) -> String {
    guard value.isFinite, abs(value) < 1e12 else { return "\(value)" }
    var scale = 1
    for _ in 0..<digits { scale *= 10 }
    let scaled = Int((abs(value) * Double(scale)).rounded())
    let whole = scaled / scale, fraction = scaled % scale
    let sign = value < 0 && scaled > 0 ? "-" : ""
    guard digits > 0 else { return sign + "\(whole)" }
    let fractionText = String(fraction)
    return sign + "\(whole)." + String(repeating: "0", count: digits - fractionText.count) + fractionText
}
