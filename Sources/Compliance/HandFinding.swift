import FaceAnalysis

/// A hand at the face (issue 14, occlusion): ICAO 9303-3 and TR-03121 want the whole face visible, its outline
/// included, nothing in front of it. Skin colour cannot tell a hand from the face (docs/compliance.md); MediaPipe's hand
/// models can. The palm detector finds palms anywhere in the photo, the hand landmark model confirms each one (hand
/// presence ≥ 0.5, MediaPipe's default) and places its 21 points (wrist, knuckles, finger joints and tips) on the
/// bones' centre lines. A confirmed hand with any point inside the face oval (the mesh's 36 outline points, forehead to
/// chin) or within half a finger's breadth outside it lies on the face or its outline: fingers on the chin, the jaw or
/// a cheek. A hand beside the head, at the shoulder or on crossed arms stays further away.
public struct HandFinding: Sendable, Equatable {
    /// Half a finger's breadth, in inter-eye distances: an adult finger is about 16–21 mm broad at its middle joint,
    /// half of that 8–10.5 mm, and the distance between the pupils averages about 63 mm: 0.13–0.17 IED. A point (a
    /// finger's centre line) this close to the face oval puts the finger's skin on the face's outline.
    public static let maximumDistance = 0.15

    /// The palm detector's score of the hand (≥ 0.5).
    public var score: Double
    /// The hand landmark model's presence score (≥ 0.5).
    public var presence: Double
    /// The hand's point nearest to the face oval: its distance from the oval's outline in inter-eye distances,
    /// negative inside the oval.
    public var distanceToFace: Double
    /// The palm's box in source pixels.
    public var palmBox: FaceBox

    /// Whether the hand lies on the face or its outline (`distanceToFace` ≤ `maximumDistance`).
    public var atFace: Bool { distanceToFace <= Self.maximumDistance }

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

    /// Every confirmed hand (`PalmDetection.isHand`: the palm detector's and the hand landmark model's scores both
    /// ≥ 0.5) with its nearest point's distance to the face oval, nearest first. Palms the hand model did not confirm are
    /// not hands (the palm detector takes faces for palms: docs/compliance.md).
    public static func measure(palms: [PalmDetection], faceOutline outline: [Point], interEyeDistance ied: Double) -> [HandFinding] {
        guard outline.count >= 3, ied.isFinite, ied > 0 else { return [] }
        return palms.compactMap { palm -> HandFinding? in
            guard palm.isHand, let nearest = palm.handLandmarks.map({ signedDistance(outline, $0) }).min() else { return nil }
            return HandFinding(score: palm.score, presence: palm.handPresence ?? 0, distanceToFace: nearest / ied, palmBox: palm.box)
        }.sorted { $0.distanceToFace < $1.distanceToFace }
    }

    /// The distance of `point` from the polygon's outline, negative inside.
    public static func signedDistance(_ polygon: [Point], _ point: Point) -> Double {
        var nearest = Double.infinity
        for i in polygon.indices {
            let a = polygon[i], b = polygon[(i + 1) % polygon.count]
            let dx = b.x - a.x, dy = b.y - a.y
            let length = dx * dx + dy * dy
            let t = length > 0 ? min(max(((point.x - a.x) * dx + (point.y - a.y) * dy) / length, 0), 1) : 0
            nearest = min(nearest, point.distance(to: Point(x: a.x + t * dx, y: a.y + t * dy)))
        }
        return contains(polygon, point) ? -nearest : nearest
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
