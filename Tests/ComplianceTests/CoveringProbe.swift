import Compliance
import FaceAnalysis
import Foundation
import Imaging

/// A probe, not a check (docs/compliance.md, "Head coverings and occlusion: not built"): how much of the forehead shows
/// skin (issue 14, head coverings). A cap, beanie, hood, scarf or hijab covers the
/// forehead's upper part and the hairline; the measure is the fraction of a forehead band whose colour is the
/// cheeks' skin. A fringe of hair covers the forehead as well: docs/compliance.md shows what that means.
enum CoveringFindings {
    /// The forehead band, in inter-eye distances above the eye line along the face axis: above the brows (which sit
    /// about 0.3 IED above the pupils) to below the hairline (adult brow-to-hairline ≈ 5–6 cm ≈ 0.8–0.95 IED above the
    /// brows), ±0.3 IED wide.
    static let band = 0.4...0.9
    static let halfWidth = 0.3
    /// Skin: linear chromaticity within this of the cheeks', luminance 0.3–2.5× theirs (the forehead is lit
    /// differently from the cheeks, but not by more than that on a portrait lit to ICAO's 50 %).
    static let chromaTolerance = 0.03

    /// The fraction of the forehead band that is skin; nil when the band or the cheeks are outside the picture or
    /// too small to sample (IED < 20 px).
    static func foreheadSkinFraction(_ image: RGBImage, face: FaceGeometry) -> Double? {
        let ied = face.interEyeDistance
        guard ied >= 20 else { return nil }
        let m = face.eyeMidpoint
        let across = (face.imageRightEye - face.imageLeftEye) * (1 / ied)
        let up = Point(x: across.y, y: -across.x)
        let lin: [Double] = (0..<256).map { level in
            let v = Double(level) / 255
            return v <= 0.04045 ? v / 12.92 : pow((v + 0.055) / 1.055, 2.4)
        }
        func sample(_ p: Point) -> (r: Double, g: Double, b: Double)? {
            let x = Int(p.x), y = Int(p.y)
            guard x >= 0, y >= 0, x < image.width, y < image.height else { return nil }
            let c = image[x, y]
            return (lin[Int(c.r)], lin[Int(c.g)], lin[Int(c.b)])
        }
        let step = max(1.0, ied / 60)
        // Cheeks: two squares 0.2 IED wide, 0.35 IED below the pupils, under each eye.
        var cheek = (r: 0.0, g: 0.0, b: 0.0), cheekCount = 0
        for side in [-0.35, 0.35] {
            var v = 0.25 * ied
            while v <= 0.45 * ied {
                var u = (side - 0.1) * ied
                while u <= (side + 0.1) * ied {
                    if let c = sample(m + across * u - up * v) { cheek.r += c.r; cheek.g += c.g; cheek.b += c.b; cheekCount += 1 }
                    u += step
                }
                v += step
            }
        }
        guard cheekCount >= 20 else { return nil }
        let cheekSum = cheek.r + cheek.g + cheek.b
        guard cheekSum > 1e-3 else { return nil }
        let cheekChroma = (cheek.r / cheekSum, cheek.g / cheekSum)
        let cheekLuminance = (0.2126 * cheek.r + 0.7152 * cheek.g + 0.0722 * cheek.b) / Double(cheekCount)
        var skin = 0, total = 0
        var v = band.lowerBound * ied
        while v <= band.upperBound * ied {
            var u = -halfWidth * ied
            while u <= halfWidth * ied {
                guard let c = sample(m + across * u + up * v) else { return nil }
                total += 1
                let sum = c.r + c.g + c.b, l = 0.2126 * c.r + 0.7152 * c.g + 0.0722 * c.b
                if sum > 1e-4, abs(c.r / sum - cheekChroma.0) <= chromaTolerance, abs(c.g / sum - cheekChroma.1) <= chromaTolerance,
                   l >= 0.3 * cheekLuminance, l <= 2.5 * cheekLuminance { skin += 1 }
                u += step
            }
            v += step
        }
        return total > 0 ? Double(skin) / Double(total) : nil
    }
}
