import FaceAnalysis
import FotoboxTestSupport
import Foundation
import Imaging
import Platform
import Testing

/// `HeadPoseFit`: the canonical face, turned by known angles and projected, is recovered; bad meshes give nil;
/// with the shared test data, the figures docs/face-analysis.md ("Head pose") reports are printed.
@Suite(.serialized) struct HeadPoseFitTests {
    /// The canonical face turned by (yaw, pitch, roll) in `HeadPose`'s convention and projected to a mesh in
    /// source pixels: orthographically, or through a pinhole at `distance` centimetres.
    static func projected(yaw: Double, pitch: Double, roll: Double, scale: Double = 30, centre: (Double, Double) = (600, 700),
                          distance: Double? = nil) -> [MeshPoint] {
        let r = Double.pi / 180
        return (0..<CanonicalFaceModel.pointCount).map { i in
            let p = CanonicalFaceModel.point(i)
            let y1 = p.y * cos(pitch * r) + p.z * sin(pitch * r), z1 = -p.y * sin(pitch * r) + p.z * cos(pitch * r)
            let x2 = p.x * cos(yaw * r) + z1 * sin(yaw * r), z2 = -p.x * sin(yaw * r) + z1 * cos(yaw * r)
            let t = -roll * r   // roll > 0: the image-right eye lower, a clockwise turn as displayed
            var x = x2 * cos(t) - y1 * sin(t), y = x2 * sin(t) + y1 * cos(t)
            if let d = distance { let m = d / (d - z2); x *= m; y *= m }
            return MeshPoint(x: centre.0 + scale * x, y: centre.1 - scale * y, z: -scale * z2)
        }
    }

    @Test func canonicalModelIsTheMirrorSymmetricMediaPipeFace() {
        #expect(CanonicalFaceModel.coordinates.count == 3 * 468)
        // Every point has its mirror image (x → −x) in the model: a damaged coordinate would lose its twin.
        let points = (0..<468).map { CanonicalFaceModel.point($0) }
        for p in points {
            #expect(points.contains { $0.x == -p.x && $0.y == p.y && $0.z == p.z })
        }
        // Landmarks where MediaPipe documents them: nose tip 1 among the most forward, chin 152 lowest, forehead 10 highest
        // on the midline; the image-left eye's outer corner 33 at negative x.
        #expect(points[1].z > 7.4 && points[1].z >= points.map(\.z).max()! - 0.2)
        #expect(points[152].x == 0 && points[10].x == 0 && points[152].y < points[1].y && points[10].y > points[1].y)
        #expect(points[33].x < 0 && points[263].x == -points[33].x)
        #expect(abs(HeadPoseFit.canonicalEyeDistance - 6.3) < 0.6)   // an adult's pupil distance, centimetres
    }

    @Test func orthographicTurnsAreRecoveredExactly() throws {
        var worst = 0.0
        for yaw in [-30.0, -12, -5, -1, 0, 3, 5, 15, 30] {
            for pitch in [-25.0, -10, -5, 0, 2, 5, 10, 25] {
                for roll in [-8.0, 0, 6] {
                    let fit = try #require(HeadPoseFit.fit(mesh: Self.projected(yaw: yaw, pitch: pitch, roll: roll)))
                    worst = max(worst, abs(fit.yaw - yaw), abs(fit.pitch - pitch), abs(fit.roll - roll))
                    #expect(fit.residual < 1e-6)
                    #expect(abs(fit.scale - 30) < 1e-6)
                }
            }
        }
        #expect(worst < 1e-3)
        print("HeadPoseFit, canonical face turned by yaw ±30°, pitch ±25°, roll ±8°, orthographic: worst error \(String(format: "%.1e", worst))°")
    }

    @Test func perspectiveAtTheStationsDistanceCostsLittle() throws {
        // A pinhole 70 cm from the face (the near end of the station's sharp range): the fit's orthographic camera
        // is an approximation (the nose, 7 cm nearer than the ears, is magnified 10 % more); its error is printed
        // and bounded. At 100 cm it is smaller.
        var worst = 0.0, worstResidual = 0.0
        for yaw in [-10.0, -5, 0, 5, 10] {
            for pitch in [-10.0, -5, 0, 5, 10] {
                let fit = try #require(HeadPoseFit.fit(mesh: Self.projected(yaw: yaw, pitch: pitch, roll: 0, distance: 70)))
                worst = max(worst, abs(fit.yaw - yaw), abs(fit.pitch - pitch))
                worstResidual = max(worstResidual, fit.residual)
            }
        }
        print(String(format: "HeadPoseFit under perspective at 70 cm, yaw/pitch within ±10°: worst error %.2f°, residual ≤ %.4f IED", worst, worstResidual))
        #expect(worst < 2.5)
    }

    @Test func signsFollowTheDocumentedConvention() throws {
        let turned = Self.projected(yaw: 10, pitch: 0, roll: 0)
        #expect(turned[1].x > 600)   // the nose tip at larger x
        #expect(try #require(HeadPoseFit.fit(mesh: turned)).yaw > 9)
        let raised = Self.projected(yaw: 0, pitch: 10, roll: 0)
        #expect(raised[152].z < raised[10].z)   // the chin nearer the camera than the forehead
        #expect(try #require(HeadPoseFit.fit(mesh: raised)).pitch > 9)
        let rolled = Self.projected(yaw: 0, pitch: 0, roll: 6)
        #expect(rolled[263].y > rolled[33].y)   // the image-right eye lower
        #expect(abs(try #require(HeadPoseFit.fit(mesh: rolled)).roll - 6) < 1e-3)
    }

    @Test func badMeshesGiveNoFit() {
        #expect(HeadPoseFit.fit(mesh: []) == nil)
        #expect(HeadPoseFit.fit(mesh: Array(Self.projected(yaw: 0, pitch: 0, roll: 0).prefix(400))) == nil)
        var broken = Self.projected(yaw: 0, pitch: 0, roll: 0)
        broken[5].x = .nan
        #expect(HeadPoseFit.fit(mesh: broken) == nil)
        broken[5].x = .infinity
        #expect(HeadPoseFit.fit(mesh: broken) == nil)
        // All points on one spot: no scale can be fitted.
        #expect(HeadPoseFit.fit(mesh: [MeshPoint](repeating: MeshPoint(x: 3, y: 4, z: 0), count: 468)) == nil)
        #expect(HeadPoseFit.fit(mesh: Self.projected(yaw: 0, pitch: 0, roll: 0), points: [1, 2]) == nil)
        #expect(HeadPoseFit.fit(mesh: Self.projected(yaw: 0, pitch: 0, roll: 0), points: [1, 2, 3, 4, 5, 999]) == nil)
    }

    @Test func noiseOnTheMeshMovesTheAnglesLittle() throws {
        // Landmark noise of 2 % of the inter-eye distance per coordinate (the chain's pupil error on FRLL is 1.3 %).
        var random = TestRandom(seed: 14)
        var worst = 0.0
        for _ in 0..<20 {
            let noisy = Self.projected(yaw: 4, pitch: -3, roll: 2).map { p in
                MeshPoint(x: p.x + Double(random.float()) * 0.02 * 6.3 * 30 * 1.7, y: p.y + Double(random.float()) * 0.02 * 6.3 * 30 * 1.7, z: p.z)
            }
            let fit = try #require(HeadPoseFit.fit(mesh: noisy))
            worst = max(worst, abs(fit.yaw - 4), abs(fit.pitch + 3), abs(fit.roll - 2))
        }
        print(String(format: "HeadPoseFit with uniform landmark noise (sd 2 %% IED): worst error %.2f°", worst))
        #expect(worst < 1)
    }

    struct Stats {
        var values: [Double]
        var mean: Double { values.reduce(0, +) / Double(values.count) }
        var sd: Double { (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(max(1, values.count - 1))).squareRoot() }
        var maxAbs: Double { values.map(abs).max() ?? .nan }
        func outside(_ limit: Double) -> Int { values.filter { abs($0) > limit }.count }
        var text: String { String(format: "mean %6.2f  SD %5.2f  max|·| %5.2f  beyond ±5°: %d", mean, sd, maxAbs, outside(5)) }
    }

    /// The figures of docs/face-analysis.md ("Head pose"): the fit on the 34 frontal FRLL portraits and their
    /// mirror images, on the turned heads of frames/ and faces/attributes/yaw, and beside the earlier two-line estimate.
    @Test(.needsModels, .needsTestData("faces/frll"), .needsTestData("frames"), .needsTestData("faces/attributes"), .needsTestData("faces/cluttered"))
    func poseFiguresOnRealPortraits() throws {
        let analyzer = try FaceAnalyzer(modelDirectory: try TestData.models())
        let frll = TestData.path("faces/frll")
        var fits = [HeadPoseFit](), twins = [HeadPoseFit](), allPoints = [HeadPoseFit](), shipped = [HeadPose]()
        for file in try FileSystem.listDirectory(frll).filter({ $0.hasSuffix(".jpg") }).sorted() {
            let image = try TestData.image(frll + "/" + file)
            var mirror = image
            for y in 0..<image.height { for x in 0..<image.width { mirror[x, y] = image[image.width - 1 - x, y] } }
            guard let face = analyzer.analyze(image).first, let twin = analyzer.analyze(mirror).first else { continue }
            fits.append(try #require(HeadPoseFit.fit(mesh: face.landmarks)))
            twins.append(try #require(HeadPoseFit.fit(mesh: twin.landmarks)))
            allPoints.append(try #require(HeadPoseFit.fit(mesh: face.landmarks, points: Array(0..<468))))
            shipped.append(FaceMeasures.pose(face.landmarks, roll: 0))
        }
        #expect(fits.count == 34)
        var report = "HeadPoseFit on \(fits.count) frontal FRLL portraits (degrees)\n"
        report += "  yaw      \(Stats(values: fits.map(\.yaw)).text)\n"
        report += "  pitch    \(Stats(values: fits.map(\.pitch)).text)\n"
        report += "  roll     \(Stats(values: fits.map(\.roll)).text)\n"
        report += String(format: "  residual median %.4f  max %.4f (÷ IED)\n", fits.map(\.residual).sorted()[fits.count / 2], fits.map(\.residual).max() ?? .nan)
        let yawNoise = (zip(fits, twins).map { ($0.yaw + $1.yaw) * ($0.yaw + $1.yaw) }.reduce(0, +) / Double(fits.count)).squareRoot()
        let pitchNoise = (zip(fits, twins).map { ($0.pitch - $1.pitch) * ($0.pitch - $1.pitch) }.reduce(0, +) / Double(fits.count)).squareRoot()
        report += String(format: "  photo vs its mirror image: RMS difference yaw %.2f°, pitch %.2f°\n", yawNoise, pitchNoise)
        report += "  all 468 points: yaw \(Stats(values: allPoints.map(\.yaw)).text)\n"
        report += "                  pitch \(Stats(values: allPoints.map(\.pitch)).text)\n"
        report += "  two-line estimate (FaceMeasures.pose): yaw \(Stats(values: shipped.map(\.yaw)).text)\n"
        report += "                                         pitch \(Stats(values: shipped.map(\.pitch)).text)\n"
        for folder in ["frames", "faces/attributes/yaw", "faces/attributes/controls", "faces/cluttered"] {
            let path = TestData.path(folder)
            for file in try FileSystem.listDirectory(path).filter({ $0.hasSuffix(".jpg") }).sorted() {
                for (k, face) in analyzer.analyze(try TestData.image(path + "/" + file)).enumerated() {
                    guard let fit = HeadPoseFit.fit(mesh: face.landmarks) else { report += "  \(folder)/\(file)#\(k): no fit\n"; continue }
                    report += String(format: "  %@/%@#%d: fit yaw %5.1f pitch %5.1f roll %5.1f residual %.3f | two-line yaw %5.1f pitch %5.1f\n",
                                     folder, file, k, fit.yaw, fit.pitch, fit.roll, fit.residual, FaceMeasures.pose(face.landmarks, roll: 0).yaw, FaceMeasures.pose(face.landmarks, roll: 0).pitch)
                }
            }
        }
        print(report)
    }
    /// FRLL's files carry the Face Research Lab's own 189-point template (EXIF UserComment, hand-placed), with the ear's
    /// attachment to the head (points 109–114). The ears lie 7–10 cm behind the eyes: a real pitch of 1° moves them
    /// against the pupils by 0.019–0.028 IPD, while the fit's anatomy-driven error would not move them at all. So the
    /// covariance of the fit's pitch with the ear height says how much of the FRLL pitch spread is the heads' real
    /// pitch. Figures in docs/face-analysis.md ("Why pitch spreads on FRLL").
    @Test(.needsModels, .needsTestData("faces/frll"))
    func pitchAgainstTheAnnotatedEars() throws {
        let analyzer = try FaceAnalyzer(modelDirectory: try TestData.models())
        let frll = TestData.path("faces/frll")
        var pitches = [Double](), ears = [Double](), noses = [Double](), report = "fit pitch vs ear height (hand-placed FRL template) on FRLL\n"
        for file in try FileSystem.listDirectory(frll).filter({ $0.hasSuffix(".jpg") }).sorted() {
            let bytes = try FileSystem.readFile(frll + "/" + file)
            guard let template = Self.frlTemplate(bytes), template.count >= 115,
                  let face = analyzer.analyze(try JPEG.decode(bytes)).first, let fit = face.poseFit else { continue }
            let ipd = ((template[1].x - template[0].x) * (template[1].x - template[0].x) + (template[1].y - template[0].y) * (template[1].y - template[0].y)).squareRoot()
            let pupilY = (template[0].y + template[1].y) / 2
            let ear = ([109, 110, 111, 112, 113, 114].map { template[$0].y }.reduce(0, +) / 6 - pupilY) / ipd
            pitches.append(fit.pitch); ears.append(ear)
            // The annotation's nose height: eyes → bottom of the nose ÷ eyes → chin (hand-placed, no model).
            let json = try #require(try JSONSerialization.jsonObject(with: Data(try FileSystem.readFile(frll + "/" + file.replacingOccurrences(of: ".jpg", with: ".json")))) as? [String: Any])
            let pupils = try #require(json["pupils"] as? [String: [Double]])
            let eyeY = ((pupils["imageLeft"]?[1] ?? .nan) + (pupils["imageRight"]?[1] ?? .nan)) / 2
            let noseY = try #require(json["noseBottom"] as? [Double])[1], chinY = try #require(json["chin"] as? [Double])[1]
            noses.append((noseY - eyeY) / (chinY - eyeY))
            report += String(format: "  %@  pitch %6.2f  yaw %6.2f  ear below pupils %.3f IPD\n", file, fit.pitch, fit.yaw, ear)
        }
        #expect(pitches.count == 34)
        let n = Double(pitches.count)
        let mp = pitches.reduce(0, +) / n, me = ears.reduce(0, +) / n
        let vp = pitches.map { ($0 - mp) * ($0 - mp) }.reduce(0, +) / (n - 1), ve = ears.map { ($0 - me) * ($0 - me) }.reduce(0, +) / (n - 1)
        let cov = zip(pitches, ears).map { ($0 - mp) * ($1 - me) }.reduce(0, +) / (n - 1)
        report += String(format: "  pitch mean %.2f SD %.2f; ear mean %.3f SD %.3f IPD; r = %.2f\n", mp, vp.squareRoot(), me, ve.squareRoot(), cov / (vp * ve).squareRoot())
        // pitch_fit = p + e, ear = c + k·p + a (e, a: the fit's error and ear anatomy, independent of the real pitch p):
        // cov = k·var(p). k from the ear's depth behind the pupils, 7–10 cm, per 6.3 cm IPD.
        for depth in [7.0, 8.5, 10.0] {
            let k = depth / 6.3 * sin(Double.pi / 180)
            let realPitch = cov / k, fitError = vp - realPitch
            report += String(format: "  ear %.1f cm behind the eyes: real pitch SD %.1f°, fit error SD %@°, ear anatomy SD %.3f IPD\n", depth,
                             realPitch.squareRoot(), fitError > 0 ? String(format: "%.1f", fitError.squareRoot()) : "≈0", max(0, ve - k * k * realPitch).squareRoot())
        }
        // Model-free: the annotated ear and nose heights covary as a nod predicts (canonical face: −0.12 … −0.17 per IPD).
        let mn = noses.reduce(0, +) / n, vn = noses.map { ($0 - mn) * ($0 - mn) }.reduce(0, +) / (n - 1)
        let covEN = zip(ears, noses).map { ($0 - me) * ($1 - mn) }.reduce(0, +) / (n - 1)
        report += String(format: "  annotated nose height %.3f ± %.4f; vs annotated ear height r = %.2f, slope %.3f per IPD (a nod: −0.12 … −0.17)\n",
                         mn, vn.squareRoot(), covEN / (ve * vn).squareRoot(), covEN / ve)
        print(report)
        #expect(cov > 0)
    }

    /// The Face Research Lab template in an FRLL file's EXIF UserComment ("ASCII\0\0\0", the point count, then
    /// "x<TAB>y" lines); nil when absent.
    static func frlTemplate(_ bytes: [UInt8]) -> [(x: Double, y: Double)]? {
        let marker: [UInt8] = Array("ASCII".utf8) + [0, 0, 0]
        guard let start = (0..<(bytes.count - marker.count)).first(where: { bytes[$0..<($0 + marker.count)].elementsEqual(marker) }) else { return nil }
        let text = String(decoding: bytes[(start + marker.count)...].prefix(20_000), as: UTF8.self)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard let count = lines.first.flatMap({ Int($0) }), lines.count > count else { return nil }
        var points: [(x: Double, y: Double)] = []
        for line in lines[1...count] {
            let v = line.split(separator: "\t").compactMap { Double($0) }
            guard v.count == 2 else { return nil }
            points.append((v[0], v[1]))
        }
        return points
    }
}
