import FaceAnalysis
import Imaging

// Measures that are reported (`fotoboxctl analyze --json`, `findings`) but judge nothing: on the data they overlap
// between the cases they would have to tell apart (docs/compliance.md, "What OFIQ has and we do not"). A technician or
// the office can read them; no photo is refused for them.

/// How much of the forehead shows skin (issue 14, head coverings). A cap, beanie, hood, scarf or hijab covers the
/// forehead's upper part and the hairline; the measure is the fraction of a forehead band whose colour is the
/// cheeks' skin. A fringe of hair covers the forehead as well: docs/compliance.md shows what that means.
public enum CoveringFindings {
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
    public static func foreheadSkinFraction(_ image: RGBImage, face: FaceGeometry) -> Double? {
        let ied = face.interEyeDistance
        guard ied >= 20 else { return nil }
        let m = face.eyeMidpoint
        let across = (face.imageRightEye - face.imageLeftEye) * (1 / ied)
        let up = Point(x: across.y, y: -across.x)
        let lin = QualityMeasures.linearLight
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

/// What lies between the lips (issue 14, mouth image evidence), inside the mesh's outer lip contour, in linear
/// light — teeth (brighter than the lips and less red) or the mouth's cavity (far darker than the lips).
public enum MouthInterior {
    /// MediaPipe's outer lip contour.
    static let outerLips = [61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291, 375, 321, 405, 314, 17, 84, 181, 91, 146]

    static func linear(_ level: UInt8) -> Double { QualityMeasures.linearLight[Int(level)] }

    /// (teeth fraction, cavity fraction) of the pixels inside the outer lip contour; nil when it is too small.
    public static func measure(_ image: RGBImage, _ face: DetectedFace) -> (teeth: Double, cavity: Double)? {
        guard face.landmarks.count >= 468 else { return nil }
        let polygon = outerLips.map { face.landmarks[$0].point }
        let xs = polygon.map(\.x), ys = polygon.map(\.y)
        let box = PixelRect(x: Int(xs.min()!), y: Int(ys.min()!), width: Int(xs.max()! - xs.min()!) + 1, height: Int(ys.max()! - ys.min()!) + 1)
            .clamped(toWidth: image.width, height: image.height)
        func inside(_ x: Double, _ y: Double) -> Bool {
            var c = false
            var j = polygon.count - 1
            for i in 0..<polygon.count {
                let a = polygon[i], b = polygon[j]
                if (a.y > y) != (b.y > y), x < (b.x - a.x) * (y - a.y) / (b.y - a.y) + a.x { c.toggle() }
                j = i
            }
            return c
        }
        var pixels: [(l: Double, red: Double)] = []
        for y in box.y..<(box.y + box.height) {
            for x in box.x..<(box.x + box.width) where inside(Double(x) + 0.5, Double(y) + 0.5) {
                let p = image[x, y]
                let r = linear(p.r), g = linear(p.g), b = linear(p.b)
                let sum = r + g + b
                pixels.append((0.2126 * r + 0.7152 * g + 0.0722 * b, sum > 1e-4 ? r / sum : 0.33))
            }
        }
        guard pixels.count >= 50 else { return nil }
        // The lips' own light and redness: the medians (lips are most of the contour on any mouth that is not wide open).
        let l = pixels.map(\.l).sorted(), red = pixels.map(\.red).sorted()
        let lipLight = l[l.count / 2], lipRed = red[red.count / 2]
        let teeth = pixels.filter { $0.l >= lipLight && $0.red <= lipRed - 0.08 }.count
        let cavity = pixels.filter { $0.l <= 0.15 * lipLight }.count
        return (Double(teeth) / Double(pixels.count), Double(cavity) / Double(pixels.count))
    }
}
