import FaceAnalysis
import Imaging

/// Whether something hides the eyes (issue 14, occlusion): hair, a hand's shadow, a dark object over the skin around
/// an eye, where the landmark model still places its points. Physics, not colour: under light that meets ICAO's
/// uniformity rule every face region gets at least half the light of the brightest one, so skin around the eyes is
/// never darker than half of that again — a quarter of the face's own skin light — unless something lies on it.
///
/// Per eye, the share of the mesh's periocular points (the two rings below the lower lid and the band between the
/// upper lid and the brow; lids, lashes and brows themselves are not sampled) whose patch is darker than that. A skin-
/// coloured hand is as light as the skin and is not seen; a fringe above the brows is not sampled.
public enum OcclusionFinding {
    /// Darker than this fraction of the face's skin light (linear, median of nose and cheek patches): not lit skin.
    /// Half of ICAO's lowest allowed ratio between face regions (0.5).
    public static let darkLevel = 0.25
    /// More than this share of an eye's surroundings hidden is an occluded eye (most of it).
    public static let maximumHiddenFraction = 0.5

    /// The periocular points of the image-left eye (the person's right): MediaPipe's rings "lower 2", "lower 3" and
    /// "upper 2"; the image-right eye's are their mirror twins.
    static let imageLeftRing = [226, 31, 228, 229, 230, 231, 232, 233, 143, 111, 117, 118, 119, 120, 121, 128, 113, 225, 224, 223, 222, 221]
    static let imageRightRing = [446, 261, 448, 449, 450, 451, 452, 453, 372, 340, 346, 347, 348, 349, 350, 357, 342, 445, 444, 443, 442, 441]
    /// Nose and cheeks above the mouth: the face's own skin light.
    static let skinPoints = [168, 6, 197, 195, 5, 4, 1, 19, 94, 2, 98, 327, 129, 358, 49, 279, 48, 278, 64, 294, 115, 344, 220, 440,
                             45, 275, 51, 281, 3, 248, 196, 419, 122, 351, 50, 280, 101, 330, 36, 266, 205, 425, 187, 411, 123, 352,
                             116, 345, 100, 329, 47, 277, 126, 355, 142, 371, 203, 423, 206, 426]

    /// Each eye's hidden share (`imageLeft` is the person's right eye); nil without a 468-point mesh, for a face too
    /// small to sample (IED < 30 px) or when fewer than half of an eye's points lie inside the picture.
    public static func measure(_ image: RGBImage, mesh: [MeshPoint], interEyeDistance ied: Double) -> (imageLeft: Double?, imageRight: Double?) {
        guard mesh.count >= 468, ied >= 30, ied.isFinite else { return (nil, nil) }
        let lin = QualityMeasures.linearLight
        let radius = max(1, Int(0.04 * ied))
        func light(_ i: Int) -> Double? {
            let p = mesh[i]
            guard p.x.isFinite, p.y.isFinite else { return nil }
            let x = Int(p.x), y = Int(p.y)
            guard x - radius >= 0, y - radius >= 0, x + radius < image.width, y + radius < image.height else { return nil }
            var sum = 0.0
            for v in (y - radius)...(y + radius) {
                for u in (x - radius)...(x + radius) {
                    let c = image[u, v]
                    sum += 0.2126 * lin[Int(c.r)] + 0.7152 * lin[Int(c.g)] + 0.0722 * lin[Int(c.b)]
                }
            }
            return sum / Double((2 * radius + 1) * (2 * radius + 1))
        }
        let skin = skinPoints.compactMap(light).sorted()
        guard skin.count >= skinPoints.count / 2 else { return (nil, nil) }
        let skinLight = skin.count % 2 == 1 ? skin[skin.count / 2] : (skin[skin.count / 2 - 1] + skin[skin.count / 2]) / 2
        guard skinLight > 1e-4 else { return (nil, nil) }
        func hidden(_ ring: [Int]) -> Double? {
            let values = ring.compactMap(light)
            guard values.count * 2 >= ring.count else { return nil }
            return Double(values.filter { $0 < darkLevel * skinLight }.count) / Double(values.count)
        }
        return (hidden(imageLeftRing), hidden(imageRightRing))
    }
}
