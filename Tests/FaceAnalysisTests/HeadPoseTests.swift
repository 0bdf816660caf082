import FotoboxTestSupport
import FaceAnalysis
import Foundation
import Imaging
import Platform
import Testing

/// `FaceMeasures.pose`: known 3-D rotations of a face are recovered, and (with the shared test data) the
/// comparison with least-squares plane estimators that docs/face-analysis.md ("Head pose") reports.
@Suite(.serialized) struct HeadPoseTests {
    typealias Vector = (x: Double, y: Double, z: Double)

    /// Pitch (about the face's x axis, positive raises the chin), then yaw (about the vertical, positive
    /// moves the nose to larger x): the convention `HeadPose` documents. Frame: x right, y up, z to the camera.
    static func rotate(_ v: Vector, yaw: Double, pitch: Double) -> Vector {
        let p = pitch * .pi / 180, y = yaw * .pi / 180
        let afterPitch = (x: v.x, y: v.y * cos(p) + v.z * sin(p), z: -v.y * sin(p) + v.z * cos(p))
        return (x: afterPitch.x * cos(y) + afterPitch.z * sin(y), y: afterPitch.y, z: -afterPitch.x * sin(y) + afterPitch.z * cos(y))
    }

    /// The inverse of `rotate`.
    static func unrotate(_ v: Vector, yaw: Double, pitch: Double) -> Vector {
        let y = -yaw * .pi / 180, p = -pitch * .pi / 180
        let afterYaw = (x: v.x * cos(y) + v.z * sin(y), y: v.y, z: -v.x * sin(y) + v.z * cos(y))
        return (x: afterYaw.x, y: afterYaw.y * cos(p) + afterYaw.z * sin(p), z: -afterYaw.y * sin(p) + afterYaw.z * cos(p))
    }

    /// In-plane rotation about the viewing axis (the head's roll), degrees.
    static func roll(_ v: Vector, _ degrees: Double) -> Vector {
        let r = degrees * .pi / 180
        return (x: v.x * cos(r) - v.y * sin(r), y: v.x * sin(r) + v.y * cos(r), z: v.z)
    }

    /// Right-handed face frame → mesh convention (pixels, y down, z growing away from the camera).
    static func meshPoint(_ v: Vector, scale: Double, centre: (Double, Double)) -> MeshPoint {
        MeshPoint(x: centre.0 + scale * v.x, y: centre.1 - scale * v.y, z: -scale * v.z)
    }

    static func vector(_ p: MeshPoint) -> Vector { (x: p.x, y: -p.y, z: -p.z) }

    /// 468 points of a mirror-symmetric half-ellipsoid facing the camera (width 15, height 19, depth 9 cm).
    static var halfEllipsoid: [Vector] {
        (0..<468).map { i in
            let u = Double(i % 26) / 25 * 2 - 1, w = Double(i / 26) / 17 * 2 - 1   // a 26×18 grid in [-1, 1]²
            let r = min(1, u * u + w * w)
            return (x: 7.5 * u, y: 9.5 * w, z: 9 * (1 - r).squareRoot())
        }
    }

    /// A frontal synthetic face in centimetres: 468 points on a half-ellipsoid (width 15, height 19, depth 9),
    /// with the four points the estimator reads where a real face has them.
    static var syntheticFrontalFace: [Vector] {
        var points = halfEllipsoid
        points[234] = (x: -7.5, y: 0.5, z: 1.5)
        points[454] = (x: 7.5, y: 0.5, z: 1.5)
        points[10] = (x: 0, y: 8.5, z: 3)
        points[152] = (x: 0, y: -9, z: 3)
        return points
    }

    static let angles: [Double] = [-30, -15, -5, -1, 0, 2, 5, 15, 30]

    @Test func syntheticRotationsAreRecoveredWithinADegree() {
        let face = Self.syntheticFrontalFace
        var worst = 0.0
        for yaw in Self.angles {
            for pitch in Self.angles {
                for roll in [-8.0, 0, 8] {
                    let mesh = face.map { Self.meshPoint(Self.rotate(Self.roll($0, roll), yaw: yaw, pitch: pitch), scale: 23.4, centre: (640, 480)) }
                    let pose = FaceMeasures.pose(mesh, roll: roll)
                    worst = max(worst, abs(pose.yaw - yaw), abs(pose.pitch - pitch))
                    #expect(abs(pose.yaw - yaw) < 1 && abs(pose.pitch - pitch) < 1, "yaw \(yaw) pitch \(pitch) roll \(roll): got \(pose)")
                    #expect(pose.roll == roll)
                }
            }
        }
        print("synthetic face, yaw and pitch in ±30°, roll ±8°: worst error \(String(format: "%.2e", worst))°")
    }

    @Test func scaleAndPositionDoNotMatter() {
        let face = Self.syntheticFrontalFace
        let reference = FaceMeasures.pose(face.map { Self.meshPoint(Self.rotate($0, yaw: 4, pitch: -3), scale: 20, centre: (0, 0)) }, roll: 0)
        for (scale, centre) in [(5.0, (100.0, 50.0)), (60, (1900, 1000)), (0.5, (-3, 7))] {
            let pose = FaceMeasures.pose(face.map { Self.meshPoint(Self.rotate($0, yaw: 4, pitch: -3), scale: scale, centre: centre) }, roll: 0)
            #expect(abs(pose.yaw - reference.yaw) < 1e-9 && abs(pose.pitch - reference.pitch) < 1e-9)
        }
    }

    @Test func signsFollowTheDocumentedConvention() {
        let face = Self.syntheticFrontalFace
        func pose(yaw: Double, pitch: Double) -> HeadPose {
            FaceMeasures.pose(face.map { Self.meshPoint(Self.rotate($0, yaw: yaw, pitch: pitch), scale: 20, centre: (500, 500)) }, roll: 0)
        }
        // Turned so that the nose tip (the most forward point) lands at a larger image x: yaw > 0.
        let turned = face.map { Self.meshPoint(Self.rotate($0, yaw: 10, pitch: 0), scale: 20, centre: (500, 500)) }
        let nose = face.indices.max { face[$0].z < face[$1].z }!
        #expect(turned[nose].x > 500)
        #expect(pose(yaw: 10, pitch: 0).yaw > 9)
        // Chin raised: the chin comes towards the camera (smaller mesh z than the forehead): pitch > 0.
        let raised = face.map { Self.meshPoint(Self.rotate($0, yaw: 0, pitch: 10), scale: 20, centre: (500, 500)) }
        #expect(raised[152].z < raised[10].z)
        #expect(pose(yaw: 0, pitch: 10).pitch > 9)
    }

    /// A real mesh (FaceMesh's output on an FRLL portrait), turned back to frontal by its own measured pose and
    /// then rotated by known angles: the estimator must follow every rotation.
    @Test(.needsModels, .needsTestData("faces/frll"))
    func realMeshRotationsAreRecoveredWithinADegree() throws {
        let models = try TestData.models(), folder = TestData.path("faces/frll")
        let analyzer = try FaceAnalyzer(modelDirectory: models)
        let face = try #require(analyzer.analyze(try TestData.image(folder + "/001_03.jpg")).first)
        let mesh = face.landmarks.map(Self.vector)
        let own = FaceMeasures.pose(face.landmarks, roll: 0)   // this estimator's own reading (face.pose is the rigid fit's)
        let n = Double(mesh.count)
        let centroid = mesh.reduce((x: 0.0, y: 0.0, z: 0.0)) { (x: $0.x + $1.x / n, y: $0.y + $1.y / n, z: $0.z + $1.z / n) }
        let frontal = mesh.map {
            Self.unrotate((x: $0.x - centroid.x, y: $0.y - centroid.y, z: $0.z - centroid.z), yaw: own.yaw, pitch: own.pitch)
        }
        for yaw in Self.angles {
            for pitch in Self.angles {
                let pose = FaceMeasures.pose(frontal.map { Self.meshPoint(Self.rotate($0, yaw: yaw, pitch: pitch), scale: 1, centre: (675, 675)) }, roll: 0)
                #expect(abs(pose.yaw - yaw) < 1 && abs(pose.pitch - pitch) < 1, "yaw \(yaw) pitch \(pitch): got \(pose)")
            }
        }
    }

    // MARK: - The comparison behind docs/face-analysis.md

    /// MediaPipe's face oval (the mesh's outline ring, 36 points): 10, 152, 234 and 454 are on it.
    static let faceOval = [10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377,
                           152, 148, 176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109]

    /// Yaw and pitch of the least-squares plane through `indices` (its normal: the covariance's smallest eigenvector).
    static func planePose(_ m: [MeshPoint], _ indices: [Int]) -> (yaw: Double, pitch: Double) {
        let points = indices.map { vector(m[$0]) }
        let n = Double(points.count)
        let c = points.reduce((x: 0.0, y: 0.0, z: 0.0)) { (x: $0.x + $1.x / n, y: $0.y + $1.y / n, z: $0.z + $1.z / n) }
        var a = [[Double]](repeating: [0, 0, 0], count: 3)
        for p in points {
            let d = [p.x - c.x, p.y - c.y, p.z - c.z]
            for i in 0..<3 { for j in 0..<3 { a[i][j] += d[i] * d[j] } }
        }
        // Jacobi rotations until the off-diagonal vanishes; v's columns become the eigenvectors.
        var v: [[Double]] = [[1, 0, 0], [0, 1, 0], [0, 0, 1]]
        for _ in 0..<50 {
            for (p, q) in [(0, 1), (0, 2), (1, 2)] where abs(a[p][q]) > 1e-15 * (abs(a[p][p]) + abs(a[q][q])) {
                let theta = (a[q][q] - a[p][p]) / (2 * a[p][q])
                let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
                let cs = 1 / (t * t + 1).squareRoot(), sn = t * cs
                for k in 0..<3 {
                    let akp = a[k][p], akq = a[k][q]
                    a[k][p] = cs * akp - sn * akq; a[k][q] = sn * akp + cs * akq
                }
                for k in 0..<3 {
                    let apk = a[p][k], aqk = a[q][k]
                    a[p][k] = cs * apk - sn * aqk; a[q][k] = sn * apk + cs * aqk
                }
                for k in 0..<3 {
                    let vkp = v[k][p], vkq = v[k][q]
                    v[k][p] = cs * vkp - sn * vkq; v[k][q] = sn * vkp + cs * vkq
                }
            }
        }
        let smallest = (0..<3).min { a[$0][$0] < a[$1][$1] }!
        var normal = (v[0][smallest], v[1][smallest], v[2][smallest])
        if normal.2 < 0 { normal = (-normal.0, -normal.1, -normal.2) }
        return (atan2(normal.0, normal.2) * 180 / .pi,
                atan2(normal.1, (normal.0 * normal.0 + normal.2 * normal.2).squareRoot()) * 180 / .pi)
    }

    @Test func planeFitOfTheSyntheticFaceFollowsRotations() {
        // The Jacobi plane fit above is itself checked before its figures are trusted.
        let face = Self.halfEllipsoid
        let frontal = Self.planePose(face.map { Self.meshPoint($0, scale: 10, centre: (0, 0)) }, Array(0..<468))
        let turned = Self.planePose(face.map { Self.meshPoint(Self.rotate($0, yaw: 12, pitch: 0), scale: 10, centre: (0, 0)) }, Array(0..<468))
        #expect(abs(frontal.yaw) < 1e-6 && abs(turned.yaw - 12) < 1e-6)
    }

    struct Summary {
        var values: [Double]
        var mean: Double { values.reduce(0, +) / Double(values.count) }
        var sd: Double { (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count - 1)).squareRoot() }
        var maxAbs: Double { values.map(abs).max() ?? .nan }
        var text: String { String(format: "mean %6.2f  SD %5.2f  max|·| %5.2f", mean, sd, maxAbs) }
    }

    /// Least-squares slope of `y` on `x` (both centred) and their correlation.
    static func slope(_ x: [Double], _ y: [Double]) -> (slope: Double, r: Double) {
        let mx = x.reduce(0, +) / Double(x.count), my = y.reduce(0, +) / Double(y.count)
        var sxy = 0.0, sxx = 0.0, syy = 0.0
        for (a, b) in zip(x, y) { sxy += (a - mx) * (b - my); sxx += (a - mx) * (a - mx); syy += (b - my) * (b - my) }
        return (sxy / sxx, sxy / (sxx * syy).squareRoot())
    }

    /// Prints, for the shipped estimator and three least-squares planes, the yaw and pitch distribution over the
    /// frontal FRLL portraits, their values on the turned heads in frames/ and cluttered/, and how each follows
    /// the shipped one across all faces (slope < 1: it damps real turns as much as it damps the spread).
    @Test(.needsModels, .needsTestData("faces/frll"), .needsTestData("frames"), .needsTestData("faces/cluttered"))
    func estimatorComparisonOnThePortraits() throws {
        let models = try TestData.models(), frll = TestData.path("faces/frll")
        let frames = TestData.path("frames"), cluttered = TestData.path("faces/cluttered")
        let analyzer = try FaceAnalyzer(modelDirectory: models)
        let oval = Set(Self.faceOval)
        let estimators: [(String, ([MeshPoint]) -> (yaw: Double, pitch: Double))] = [
            ("shipped: cheek line × chin→forehead", { m in let p = FaceMeasures.pose(m, roll: 0); return (p.yaw, p.pitch) }),
            ("plane through the 36-point face oval", { Self.planePose($0, Self.faceOval) }),
            ("plane through all 468 points", { Self.planePose($0, Array(0..<468)) }),
            ("plane through the 432 inner points", { Self.planePose($0, (0..<468).filter { !oval.contains($0) }) }),
        ]
        var frontal = [[MeshPoint]](), mirrored = [[MeshPoint]](), others = [(String, [MeshPoint])]()
        var noseHeights = [Double]()   // annotated (eyes → bottom of nose) ÷ (eyes → chin), per portrait
        for file in try FileSystem.listDirectory(frll).filter({ $0.hasSuffix(".jpg") }).sorted() {
            let json = try #require(try JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: frll + "/" + file.replacingOccurrences(of: ".jpg", with: ".json")))) as? [String: Any])
            let pupils = try #require(json["pupils"] as? [String: [Double]])
            let eyes = (try #require(pupils["imageLeft"])[1] + (try #require(pupils["imageRight"]))[1]) / 2
            let nose = try #require(json["noseBottom"] as? [Double]), chin = try #require(json["chin"] as? [Double])
            let image = try TestData.image(frll + "/" + file)
            var mirror = image
            for y in 0..<image.height { for x in 0..<image.width { mirror[x, y] = image[image.width - 1 - x, y] } }
            if let face = analyzer.analyze(image).first, let twin = analyzer.analyze(mirror).first {
                frontal.append(face.landmarks)
                mirrored.append(twin.landmarks)
                noseHeights.append((nose[1] - eyes) / (chin[1] - eyes))
            }
        }
        for folder in [frames, cluttered] {
            for file in try FileSystem.listDirectory(folder).filter({ $0.hasSuffix(".jpg") }).sorted() {
                for (k, face) in analyzer.analyze(try TestData.image(folder + "/" + file)).enumerated() {
                    others.append(("\(file)#\(k)", face.landmarks))
                }
            }
        }
        #expect(frontal.count == 34)
        let all = frontal + others.map(\.1)
        let shipped = all.map { estimators[0].1($0) }
        var report = "head pose on \(frontal.count) frontal FRLL portraits and \(others.count) other faces (degrees)\n"
        for (name, estimate) in estimators {
            let onFrontal = frontal.map(estimate), onAll = all.map(estimate)
            let yawFit = Self.slope(shipped.map(\.yaw), onAll.map(\.yaw)), pitchFit = Self.slope(shipped.map(\.pitch), onAll.map(\.pitch))
            report += "\(name)\n"
            report += "  FRLL yaw   \(Summary(values: onFrontal.map(\.yaw)).text)   fails \(onFrontal.filter { abs($0.yaw) > 5 }.count)\n"
            report += "  FRLL pitch \(Summary(values: onFrontal.map(\.pitch)).text)   fails \(onFrontal.filter { abs($0.pitch) > 5 }.count)\n"
            // The mirror image of a head has the opposite yaw and the same pitch: what differs is the chain's own noise.
            let twins = mirrored.map(estimate)
            let yawNoise = (zip(onFrontal, twins).map { ($0.yaw + $1.yaw) * ($0.yaw + $1.yaw) }.reduce(0, +) / Double(twins.count)).squareRoot()
            let pitchNoise = (zip(onFrontal, twins).map { ($0.pitch - $1.pitch) * ($0.pitch - $1.pitch) }.reduce(0, +) / Double(twins.count)).squareRoot()
            report += String(format: "  FRLL photo vs its mirror image: RMS difference yaw %.2f, pitch %.2f\n", yawNoise, pitchNoise)
            report += String(format: "  vs shipped over all faces: yaw slope %.2f r %.3f, pitch slope %.2f r %.3f\n",
                             yawFit.slope, yawFit.r, pitchFit.slope, pitchFit.r)
            report += "  " + others.map { String(format: "%@ %.1f/%.1f", $0.0, estimate($0.1).yaw, estimate($0.1).pitch) }.joined(separator: "  ") + "\n"
        }
        let proportion = Self.slope(noseHeights, frontal.map { FaceMeasures.pose($0, roll: 0).pitch })
        report += String(format: "shipped pitch vs annotated nose height (eyes→nose bottom ÷ eyes→chin) on FRLL (%@): r %.2f, %.1f° per 0.01\n",
                         Summary(values: noseHeights).text, proportion.r, proportion.slope / 100)
        print(report)
    }

    // MARK: - The relative depth scale of the mesh, without a reference face

    /// Mirror pairs of the mesh (image-left point first) on the face oval and inside it, and points on the midline.
    static let ovalPairs = [(234, 454), (93, 323), (127, 356), (132, 361), (58, 288), (172, 397), (136, 365), (150, 379),
                            (149, 378), (176, 400), (148, 377), (162, 389), (21, 251), (54, 284), (103, 332), (67, 297), (109, 338)]
    static let innerPairs = [(33, 263), (133, 362), (61, 291), (98, 327), (129, 358), (48, 278), (70, 300), (105, 334), (107, 336),
                             (50, 280), (205, 425), (116, 345), (123, 352), (187, 411), (147, 376), (213, 433), (192, 416),
                             (37, 267), (40, 270), (84, 314), (91, 321), (146, 375), (181, 405), (46, 276), (53, 283), (65, 295)]
    static let midline = [1, 4, 5, 6, 168, 197, 195, 2, 94, 0, 13, 14, 17, 18, 200, 199, 175, 152, 10, 151, 9, 8, 19, 164]

    /// Yaw from the depth channel: the mean left→right vector of the pairs turns by the yaw in the x–z plane.
    static func pairYaw(_ m: [MeshPoint], _ pairs: [(Int, Int)]) -> Double {
        var x = 0.0, z = 0.0
        for (a, b) in pairs { x += m[b].x - m[a].x; z += m[b].z - m[a].z }
        return atan2(z, x) * 180 / .pi   // mesh z grows away from the camera: the far side's z is larger
    }

    /// Yaw from the image positions: the symmetry plane's points (pair midpoints, midline) shift sideways in
    /// proportion to their depth, by tan(yaw). Depth enters only as the lever, so a depth scale k gives yaw/k here
    /// and about k·yaw in `pairYaw`; their ratio measures k² without any reference face.
    static func midlineYaw(_ m: [MeshPoint]) -> Double {
        let across = (x: m[454].x - m[234].x, y: m[454].y - m[234].y)
        let length = (across.x * across.x + across.y * across.y).squareRoot()
        let c = across.x / length, s = across.y / length
        var points = (ovalPairs + innerPairs).map { (a, b) in ((m[a].x + m[b].x) / 2, (m[a].y + m[b].y) / 2, (m[a].z + m[b].z) / 2) }
        points += midline.map { (m[$0].x, m[$0].y, m[$0].z) }
        let n = Double(points.count)
        let meanX = points.map { c * $0.0 + s * $0.1 }.reduce(0, +) / n, meanZ = points.map(\.2).reduce(0, +) / n
        var sxz = 0.0, szz = 0.0
        for p in points {
            let x = c * p.0 + s * p.1 - meanX, towardsCamera = -(p.2 - meanZ)
            sxz += x * towardsCamera; szz += towardsCamera * towardsCamera
        }
        return atan(sxz / szz) * 180 / .pi
    }

    /// Prints, for every face in frames/ (three clearly turned heads among them), yaw from the depth of the oval
    /// pairs, of the inner pairs, and from the image positions alone; the ratios estimate the depth scale k².
    @Test(.needsModels, .needsTestData("frames"))
    func depthScaleOfTheMeshOnTurnedHeads() throws {
        let models = try TestData.models(), frames = TestData.path("frames")
        let analyzer = try FaceAnalyzer(modelDirectory: models)
        var report = "yaw (degrees) from: oval-pair depth | inner-pair depth | image positions (midline lever)\n"
        for file in try FileSystem.listDirectory(frames).filter({ $0.hasSuffix(".jpg") }).sorted() {
            for (k, face) in analyzer.analyze(try TestData.image(frames + "/" + file)).enumerated() {
                let m = face.landmarks
                let oval = Self.pairYaw(m, Self.ovalPairs), inner = Self.pairYaw(m, Self.innerPairs), image = Self.midlineYaw(m)
                report += String(format: "  %@#%d  %5.1f | %5.1f | %5.1f", file, k, oval, inner, image)
                if abs(image) > 5 {
                    let t = tan(image * .pi / 180)
                    report += String(format: "   k² oval %.2f, inner %.2f", tan(oval * .pi / 180) / t, tan(inner * .pi / 180) / t)
                }
                report += "\n"
            }
        }
        print(report)
    }
}
