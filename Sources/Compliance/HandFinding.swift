import FaceAnalysis

/// A hand at the face (issue 14, occlusion): ICAO 9303-3 and TR-03121 want the face fully visible, nothing in front of
/// it. Skin colour cannot tell a hand from the face (docs/compliance.md); MediaPipe's hand models can. The palm detector
/// finds palms anywhere in the photo, the hand landmark model confirms each one (hand presence ≥ 0.5, MediaPipe's default)
/// and places its 21 points (wrist, knuckles, finger joints and tips). A confirmed hand with any of those points inside
/// the face oval (the mesh's 36 outline points, forehead to chin) lies over the face: fingers on the chin, the jaw or a
/// cheek. A hand beside the head, at the shoulder or on crossed arms has none there.
public struct HandFinding: Sendable, Equatable {
    /// The palm detector's score of the hand (≥ 0.5).
    public var score: Double
    /// The hand landmark model's presence score (≥ 0.5).
    public var presence: Double
    /// How many of the hand's 21 points lie inside the face oval (≥ 1).
    public var pointsInFace: Int
    /// The palm's box in source pixels.
    public var palmBox: FaceBox

    /// MediaPipe's face oval (`FACEMESH_FACE_OVAL`), in order around the face.
    static let faceOval = [10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377, 152, 148, 176,
                           149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109]

    /// The face oval of a 468-point mesh as a polygon, nil without a mesh.
    public static func faceOutline(_ mesh: [MeshPoint]) -> [Point]? {
        guard mesh.count >= 468 else { return nil }
        let outline = faceOval.map { mesh[$0].point }
        guard outline.allSatisfy({ $0.x.isFinite && $0.y.isFinite }) else { return nil }
        return outline
    }

    /// The confirmed hand with the most points inside the face oval; nil when no confirmed hand reaches into it. The
    /// palms must have been confirmed by the hand landmark model (`FaceAnalyzer.palms`); unconfirmed ones are not hands.
    public static func measure(palms: [PalmDetection], faceOutline outline: [Point]) -> HandFinding? {
        var best: HandFinding?
        for palm in palms where palm.isHand {
            let inside = palm.handLandmarks.filter { contains(outline, $0) }.count
            guard inside > 0, inside > (best?.pointsInFace ?? 0) else { continue }
            best = HandFinding(score: palm.score, presence: palm.handPresence ?? 0, pointsInFace: inside, palmBox: palm.box)
        }
        return best
    }

    /// Whether `point` lies inside `polygon` (even-odd rule; the face oval is a simple polygon).
    static func contains(_ polygon: [Point], _ point: Point) -> Bool {
        guard polygon.count >= 3 else { return false }
        var inside = false
        var j = polygon.count - 1
        for i in polygon.indices {
            let a = polygon[i], b = polygon[j]
            if (a.y > point.y) != (b.y > point.y), point.x < (b.x - a.x) * (point.y - a.y) / (b.y - a.y) + a.x {
                inside.toggle()
            }
            j = i
        }
        return inside
    }
}
