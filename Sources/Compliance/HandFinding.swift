import FaceAnalysis

/// A hand at the face (issue 14, occlusion): MediaPipe's palm detector finds palms anywhere in the photo; a hand whose
/// region reaches into the face is "a hand at the face", which ICAO 9303-3 and TR-03121 forbid (the face must be fully
/// visible, nothing in front of it). Skin colour cannot tell a hand from the face (docs/compliance.md); the model can.
///
/// The hand's region is the one MediaPipe's hand tracker derives from a palm (`PalmDetection.handRegion`: the palm box
/// squared, moved towards the fingers by half its height, 2.6× larger); the face is the mesh's face oval (MediaPipe's
/// 36 outline points, forehead to chin). The measure is the share of the face oval's area the hand region covers.
public struct HandFinding: Sendable, Equatable {
    /// The best palm's detector score (MediaPipe's sigmoid; palms below 0.5 are not detections).
    public var score: Double
    /// The share of the face oval's area under that palm's hand region, 0…1.
    public var faceCoverage: Double
    /// The palm's box in source pixels (for the report and an annotated photo).
    public var palmBox: FaceBox

    /// MediaPipe's face oval (`FACEMESH_FACE_OVAL`), in order around the face.
    static let faceOval = [10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377, 152, 148, 176,
                           149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109]

    /// The face oval of a 468-point mesh as a polygon, nil without a mesh.
    public static func faceOutline(_ mesh: [MeshPoint]) -> [Point]? {
        guard mesh.count >= 468 else { return nil }
        let outline = faceOval.map { mesh[$0].point }
        guard outline.allSatisfy({ $0.x.isFinite && $0.y.isFinite }), area(outline) > 1 else { return nil }
        return outline
    }

    /// The palm whose hand region covers most of the face oval; nil when no palm was detected or none reaches the face.
    /// A face without a mesh cannot be judged: the caller reports that, not a pass.
    public static func measure(palms: [PalmDetection], faceOutline outline: [Point]) -> HandFinding? {
        let faceArea = area(outline)
        guard faceArea > 1 else { return nil }
        var best: HandFinding?
        for palm in palms {
            let region = palm.handRegion
            guard region.count == 4 else { continue }
            let covered = area(clip(outline, by: region)) / faceArea
            guard covered > 0 else { continue }
            if best == nil || covered > best!.faceCoverage {
                best = HandFinding(score: palm.score, faceCoverage: min(covered, 1), palmBox: palm.box)
            }
        }
        return best
    }

    /// The area of a simple polygon (shoelace), always ≥ 0.
    static func area(_ polygon: [Point]) -> Double {
        guard polygon.count >= 3 else { return 0 }
        var sum = 0.0
        for i in polygon.indices {
            let a = polygon[i], b = polygon[(i + 1) % polygon.count]
            sum += a.x * b.y - b.x * a.y
        }
        return abs(sum) / 2
    }

    /// `subject` clipped to the convex polygon `clipper` (Sutherland–Hodgman; the face oval need not be convex, the
    /// hand's square is).
    static func clip(_ subject: [Point], by clipper: [Point]) -> [Point] {
        // Orient the clipper counter-clockwise in a y-down frame's terms: inside is where the cross product has the
        // sign of the polygon's own orientation.
        var signed = 0.0
        for i in clipper.indices {
            let a = clipper[i], b = clipper[(i + 1) % clipper.count]
            signed += a.x * b.y - b.x * a.y
        }
        let orientation: Double = signed >= 0 ? 1 : -1
        var output = subject
        for i in clipper.indices {
            guard !output.isEmpty else { break }
            let a = clipper[i], b = clipper[(i + 1) % clipper.count]
            func inside(_ p: Point) -> Bool { orientation * ((b.x - a.x) * (p.y - a.y) - (b.y - a.y) * (p.x - a.x)) >= 0 }
            func crossing(_ p: Point, _ q: Point) -> Point {
                let d1 = (b.x - a.x) * (p.y - a.y) - (b.y - a.y) * (p.x - a.x)
                let d2 = (b.x - a.x) * (q.y - a.y) - (b.y - a.y) * (q.x - a.x)
                let t = d1 / (d1 - d2)
                return Point(x: p.x + t * (q.x - p.x), y: p.y + t * (q.y - p.y))
            }
            let input = output
            output = []
            for j in input.indices {
                let current = input[j], previous = input[(j + input.count - 1) % input.count]
                if inside(current) {
                    if !inside(previous) { output.append(crossing(previous, current)) }
                    output.append(current)
                } else if inside(previous) {
                    output.append(crossing(previous, current))
                }
            }
        }
        return output
    }
}
