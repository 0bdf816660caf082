#if canImport(Glibc)
import Glibc
#endif

/// Head pose from a rigid fit of MediaPipe's canonical face (`CanonicalFaceModel`) to the mesh's image
/// positions: the rotation, scale and shift that carry the 3-D canonical points onto the observed 2-D points
/// under a scaled orthographic camera (perspective-n-point for a face small against its distance: at the
/// station's 70–100 cm, the face's ±5 cm of depth changes the magnification by ±6 %, evenly on both sides).
///
/// Only the mesh's x and y enter, the network's best-trained outputs; its depth (z), which turns only part of
/// the way on the inner face (docs/face-analysis.md, "Head pose"), is not used. Angles follow `HeadPose`:
/// yaw > 0 the nose moves to larger image x, pitch > 0 the chin comes forward (face tilts up), roll > 0 the
/// image-right eye is lower.
public struct HeadPoseFit: Sendable, Equatable {
    public var yaw: Double
    public var pitch: Double
    public var roll: Double
    /// Root-mean-square distance between the fitted canonical face's projection and the mesh points, as a
    /// fraction of the fitted inter-eye distance (eye-ring centre to eye-ring centre). It says how far this
    /// face's shape (and expression) is from the canonical one: larger residuals make the angles less certain.
    public var residual: Double
    /// Source pixels per centimetre of the canonical face.
    public var scale: Double

    public var pose: HeadPose { HeadPose(yaw: yaw, pitch: pitch, roll: roll) }

    /// The mesh points the fit uses by default: all 468 but the lips and the jaw below the mouth corners,
    /// which move with the expression (an open mouth or a smile must not read as pitch).
    public static let rigidPoints: [Int] = {
        let lowerFace = Set((0..<CanonicalFaceModel.pointCount).filter { CanonicalFaceModel.point($0).y < mouthCornerHeight })
        return (0..<CanonicalFaceModel.pointCount).filter { !lowerFace.contains($0) && !lips.contains($0) }
    }()

    /// The canonical height of the mouth corners (points 61 and 291), centimetres.
    static let mouthCornerHeight = CanonicalFaceModel.point(61).y

    /// MediaPipe's lip contours (FACEMESH_LIPS).
    static let lips: Set<Int> = [
        61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291, 185, 40, 39, 37, 0, 267, 269, 270, 409,
        78, 95, 88, 178, 87, 14, 317, 402, 318, 324, 308, 191, 80, 81, 82, 13, 312, 311, 310, 415,
    ]

    /// Fits the canonical face to `mesh` (468 points in source pixels, y down) over `points`.
    /// Nil when the mesh is not 468 finite points or the fit does not converge to finite angles.
    public static func fit(mesh: [MeshPoint], points: [Int] = rigidPoints) -> HeadPoseFit? {
        guard mesh.count == CanonicalFaceModel.pointCount, points.count >= 6,
              points.allSatisfy({ $0 >= 0 && $0 < mesh.count }),
              points.allSatisfy({ mesh[$0].x.isFinite && mesh[$0].y.isFinite }) else { return nil }
        let model = points.map { CanonicalFaceModel.point($0) }
        let observed = points.map { (x: mesh[$0].x, y: -mesh[$0].y) }   // y up, as the model

        // Start: roll from the eye corners, yaw and pitch zero (a frontal face); Gauss–Newton from there.
        let a = mesh[FaceMeasures.imageLeftEyeOuter], b = mesh[FaceMeasures.imageRightEyeOuter]
        var angles = (0.0, 0.0, -atan2(b.y - a.y, b.x - a.x))   // yaw, pitch, in-plane θ = −roll; radians
        var current = residuals(model, observed, angles)
        var damping = 1e-3
        for _ in 0..<60 {
            let h = 1e-6
            var jacobian = [[Double]](repeating: [], count: 3)
            for k in 0..<3 {
                var plus = angles, minus = angles
                switch k {
                case 0: plus.0 += h; minus.0 -= h
                case 1: plus.1 += h; minus.1 -= h
                default: plus.2 += h; minus.2 -= h
                }
                let rp = residuals(model, observed, plus).r, rm = residuals(model, observed, minus).r
                jacobian[k] = zip(rp, rm).map { ($0 - $1) / (2 * h) }
            }
            var jtj = [[Double]](repeating: [0, 0, 0], count: 3), jtr = [0.0, 0, 0]
            for i in 0..<3 {
                for j in 0..<3 { jtj[i][j] = dot(jacobian[i], jacobian[j]) }
                jtr[i] = dot(jacobian[i], current.r)
            }
            var improved = false
            while damping < 1e8 {
                var m = jtj
                for i in 0..<3 { m[i][i] *= 1 + damping }
                guard let step = solve3(m, jtr.map { -$0 }) else { damping *= 10; continue }
                let trial = (angles.0 + step[0], angles.1 + step[1], angles.2 + step[2])
                let next = residuals(model, observed, trial)
                if next.sumOfSquares <= current.sumOfSquares {
                    angles = trial
                    let gain = current.sumOfSquares - next.sumOfSquares
                    current = next
                    damping = max(damping / 10, 1e-9)
                    improved = gain > 1e-12 * max(1, current.sumOfSquares) && step.map(abs).max()! > 1e-10
                    break
                }
                damping *= 10
            }
            if !improved { break }
        }
        let degrees = 180 / Double.pi
        let eyeDistance = current.scale * canonicalEyeDistance
        guard eyeDistance > 0, angles.0.isFinite, angles.1.isFinite, angles.2.isFinite else { return nil }
        let rms = (current.sumOfSquares / Double(points.count)).squareRoot()
        return HeadPoseFit(yaw: angles.0 * degrees, pitch: angles.1 * degrees, roll: -angles.2 * degrees,
                           residual: rms / eyeDistance, scale: current.scale)
    }

    /// The canonical face turned by (yaw, pitch, in-plane angle θ = −roll), radians; frame x right, y up, z to the camera.
    static func rotate(_ p: (x: Double, y: Double, z: Double), _ angles: (Double, Double, Double)) -> (x: Double, y: Double) {
        let (yaw, pitch, theta) = angles
        // Pitch about x (positive brings the chin forward), then yaw about y (positive moves the nose to +x),
        // then the in-plane turn.
        let y1 = p.y * cos(pitch) + p.z * sin(pitch), z1 = -p.y * sin(pitch) + p.z * cos(pitch)
        let x2 = p.x * cos(yaw) + z1 * sin(yaw)
        return (x: x2 * cos(theta) - y1 * sin(theta), y: x2 * sin(theta) + y1 * cos(theta))
    }

    /// The residual vector after the best scale and shift for these angles (closed form).
    private static func residuals(_ model: [(x: Double, y: Double, z: Double)], _ observed: [(x: Double, y: Double)],
                                  _ angles: (Double, Double, Double)) -> (r: [Double], sumOfSquares: Double, scale: Double) {
        let projected = model.map { rotate($0, angles) }
        let n = Double(model.count)
        var px = 0.0, py = 0.0, ox = 0.0, oy = 0.0
        for (p, o) in zip(projected, observed) { px += p.x; py += p.y; ox += o.x; oy += o.y }
        px /= n; py /= n; ox /= n; oy /= n
        var cross = 0.0, power = 0.0
        for (p, o) in zip(projected, observed) {
            cross += (p.x - px) * (o.x - ox) + (p.y - py) * (o.y - oy)
            power += (p.x - px) * (p.x - px) + (p.y - py) * (p.y - py)
        }
        let scale = power > 0 ? cross / power : 0
        var r = [Double](), sum = 0.0
        r.reserveCapacity(2 * model.count)
        for (p, o) in zip(projected, observed) {
            let dx = scale * (p.x - px) - (o.x - ox), dy = scale * (p.y - py) - (o.y - oy)
            r.append(dx); r.append(dy)
            sum += dx * dx + dy * dy
        }
        return (r, sum, scale)
    }

    /// Distance between the centres of the canonical eye rings, centimetres.
    package static let canonicalEyeDistance: Double = {
        func centre(_ ring: [Int]) -> (Double, Double, Double) {
            var c = (0.0, 0.0, 0.0)
            for i in ring { let p = CanonicalFaceModel.point(i); c.0 += p.x; c.1 += p.y; c.2 += p.z }
            let n = Double(ring.count)
            return (c.0 / n, c.1 / n, c.2 / n)
        }
        let l = centre(FaceMeasures.imageLeftEyeRing), r = centre(FaceMeasures.imageRightEyeRing)
        return ((l.0 - r.0) * (l.0 - r.0) + (l.1 - r.1) * (l.1 - r.1) + (l.2 - r.2) * (l.2 - r.2)).squareRoot()
    }()

    private static func dot(_ a: [Double], _ b: [Double]) -> Double {
        var s = 0.0
        for i in a.indices { s += a[i] * b[i] }
        return s
    }

    /// Solves the 3×3 system by Cramer's rule; nil when singular.
    private static func solve3(_ m: [[Double]], _ v: [Double]) -> [Double]? {
        func det(_ a: [[Double]]) -> Double {
            a[0][0] * (a[1][1] * a[2][2] - a[1][2] * a[2][1]) - a[0][1] * (a[1][0] * a[2][2] - a[1][2] * a[2][0])
                + a[0][2] * (a[1][0] * a[2][1] - a[1][1] * a[2][0])
        }
        let d = det(m)
        guard d.isFinite, abs(d) > 1e-300 else { return nil }
        return (0..<3).map { k in
            var mk = m
            for i in 0..<3 { mk[i][k] = v[i] }
            return det(mk) / d
        }
    }
}
