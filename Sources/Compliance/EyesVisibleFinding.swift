import FaceAnalysis
import Imaging

/// Whether tinted lenses cover the eyes (issue 14, eyes visible), from the physics of a lens: light reaches the skin
/// behind a lens through it and comes back through it, so that skin shows T² of its light (ISO 12312-1: category 2
/// sunglasses transmit T ≤ 0.43, so T² ≤ 0.185; category 3 T ≤ 0.18, T² ≤ 0.03). The measure compares the skin just
/// below each eye (inside any spectacle lens) with the cheek further down (below any lens), on the same side, so a
/// side light darkens both alike. The eyes themselves (dark iris, lashes) are not sampled.
public enum EyesVisibleFinding {
    /// Below the pupil, in inter-eye distances: the skin under the lower lid, inside a lens (lenses are 4–6 cm tall,
    /// centred near the pupil: their lower edge lies 0.3–0.5 IED below it) …
    static let underEye = 0.12...0.26
    /// … and the cheek below any lens and above the mouth corners (≈ 1 IED below the eye line).
    static let cheek = 0.62...0.78
    /// Half the width of both samples, centred under the pupil and slightly outwards (away from the nose).
    static let halfWidth = 0.12
    static let outwards = 0.05
    /// Below this ratio the skin under the eye gets less light than a category-2 lens lets through twice.
    public static let minimumRatio = 0.185

    /// Each eye's under-eye ÷ cheek mean linear luminance (`imageLeft` is the person's right eye); nil for an eye
    /// whose samples leave the picture or when the face is too small (IED < 30 px).
    public static func measure(_ image: RGBImage, face: FaceGeometry) -> (imageLeft: Double?, imageRight: Double?) {
        let ied = face.interEyeDistance
        guard ied >= 30 else { return (nil, nil) }
        let across = (face.imageRightEye - face.imageLeftEye) * (1 / ied)
        let down = Point(x: -across.y, y: across.x)
        let lin = QualityMeasures.linearLight
        let step = max(1.0, ied / 80)
        func mean(_ pupil: Point, outward: Double, _ range: ClosedRange<Double>) -> Double? {
            var sum = 0.0, n = 0
            var v = range.lowerBound * ied
            while v <= range.upperBound * ied {
                var u = (outward * outwards - halfWidth) * ied
                while u <= (outward * outwards + halfWidth) * ied {
                    let p = pupil + across * u + down * v
                    let x = Int(p.x), y = Int(p.y)
                    guard x >= 0, y >= 0, x < image.width, y < image.height else { return nil }
                    let c = image[x, y]
                    sum += 0.2126 * lin[Int(c.r)] + 0.7152 * lin[Int(c.g)] + 0.0722 * lin[Int(c.b)]
                    n += 1
                    u += step
                }
                v += step
            }
            return n > 0 ? sum / Double(n) : nil
        }
        func ratio(_ pupil: Point, outward: Double) -> Double? {
            guard let under = mean(pupil, outward: outward, underEye), let cheekMean = mean(pupil, outward: outward, cheek),
                  cheekMean > 1e-3 else { return nil }
            return under / cheekMean
        }
        // The image-left eye's outward side is towards smaller x.
        return (ratio(face.imageLeftEye, outward: -1), ratio(face.imageRightEye, outward: 1))
    }
}
