#if canImport(Glibc)
import Glibc
#endif

/// Measures taken from the 468-point mesh: pose, eye and mouth openness. Mesh indices are MediaPipe's
/// canonical face model's.
package enum FaceMeasures {
    static let noseTip = 1, foreheadTop = 10, chin = 152
    static let imageLeftCheek = 234, imageRightCheek = 454
    static let imageLeftEyeOuter = 33, imageLeftEyeInner = 133, imageRightEyeInner = 362, imageRightEyeOuter = 263
    /// Upper and lower lid points across the middle of each eye (in the full mode the iris model's eye contour,
    /// which replaces the mesh's lids): the widest of these three gaps is the eye's opening.
    static let imageLeftLidPairs = [(160, 144), (159, 145), (158, 153)]
    static let imageRightLidPairs = [(387, 373), (386, 374), (385, 380)]
    static let upperInnerLip = 13, lowerInnerLip = 14, mouthLeftCorner = 78, mouthRightCorner = 308
    /// The eyelid rings, whose centres stand in for the pupils when the iris model does not run.
    static let imageLeftEyeRing = [33, 7, 163, 144, 145, 153, 154, 155, 133, 246, 161, 160, 159, 158, 157, 173]
    static let imageRightEyeRing = [263, 249, 390, 373, 374, 380, 381, 382, 362, 466, 388, 387, 386, 385, 384, 398]

    /// Yaw and pitch from the face's 3-D frame: across the cheekbones (234 → 454) and up the midline
    /// (chin 152 → forehead 10). In the canonical model these two are perpendicular to the face's normal
    /// within a degree, so the normal of the observed pair is the face's direction without calibration.
    /// Only outline points: the network turns the depth of the inner face only part of the way, so fits over
    /// many points damp real turns (docs/face-analysis.md, "Head pose").
    package static func pose(_ m: [MeshPoint], roll: Double) -> HeadPose {
        // To a right-handed frame: x right, y up, z towards the camera (the mesh's z grows away from it).
        func v(_ i: Int) -> (Double, Double, Double) { (m[i].x, -m[i].y, -m[i].z) }
        let a = v(imageLeftCheek), b = v(imageRightCheek), c = v(chin), f = v(foreheadTop)
        let across = (b.0 - a.0, b.1 - a.1, b.2 - a.2)
        let up = (f.0 - c.0, f.1 - c.1, f.2 - c.2)
        let normal = (across.1 * up.2 - across.2 * up.1, across.2 * up.0 - across.0 * up.2, across.0 * up.1 - across.1 * up.0)
        let yaw = atan2(normal.0, normal.2) * 180 / .pi
        let pitch = atan2(normal.1, (normal.0 * normal.0 + normal.2 * normal.2).squareRoot()) * 180 / .pi
        return HeadPose(yaw: yaw, pitch: pitch, roll: roll)
    }

    /// The widest of the three middle eyelid gaps ÷ eye width (corner to corner). About 0.3–0.4 for an open eye
    /// (the lids at the iris's top and bottom: iris diameter ≈ 0.4 of the eye's width), below 0.2 when the upper
    /// lid covers the pupil's centre.
    static func eyeOpenness(_ m: [MeshPoint], lids: [(Int, Int)], cornerA: Int, cornerB: Int) -> Double {
        let width = m[cornerA].point.distance(to: m[cornerB].point)
        let gap = lids.map { m[$0.0].point.distance(to: m[$0.1].point) }.max() ?? 0
        return width > 0 ? gap / width : 0
    }

    static func mouthOpenness(_ m: [MeshPoint]) -> Double {
        let width = m[mouthLeftCorner].point.distance(to: m[mouthRightCorner].point)
        return width > 0 ? m[upperInnerLip].point.distance(to: m[lowerInnerLip].point) / width : 0
    }

    static func centre(_ m: [MeshPoint], _ ring: [Int]) -> Point {
        var x = 0.0, y = 0.0
        for i in ring { x += m[i].x; y += m[i].y }
        return Point(x: x / Double(ring.count), y: y / Double(ring.count))
    }
}
