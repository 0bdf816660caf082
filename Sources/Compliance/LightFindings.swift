import FaceAnalysis
import Imaging

/// What light does wrong on a portrait beyond exposure and uniformity (issue 14; ICAO 9303 / ISO 19794-5: no hot
/// spots, no red eyes, no shadows on the background). Each measure is in linear light (sRGB decoded), because the
/// physics behind each is about amounts of light; each is nil when the image does not show enough to judge.
public struct LightFindings: Sendable, Equatable {
    /// Area of near-clipped, colourless skin (specular reflection of the lamp), in units of the inter-eye distance
    /// squared (1 IED² ≈ 63² mm² on an adult face). Nil when the skin regions are too small to sample.
    public var hotSpotArea: Double?
    /// Each pupil's red reflex: the pupil's mean linear red ÷ its mean linear green, counted only when the pupil
    /// is also brighter in red than the iris around it (otherwise 0: a dark pupil). `imageLeft` is the person's
    /// right eye. Nil for an eye that is too small or outside the picture.
    public var redReflex: (imageLeft: Double?, imageRight: Double?)
    /// Near-clipped, colourless area around each eye (within 0.3 IED of the pupil: a spectacle lens), in IED²; the
    /// larger of the two. Nil when an eye region leaves the picture or the face is too small.
    public var eyeGlareArea: Double?
    /// The background band next to the head (left or right half, the darker) ÷ the background further out, mean
    /// linear luminance of wall-coloured pixels. Nil when either part has too few wall pixels.
    public var backgroundShadowRatio: Double?

    public static func == (a: LightFindings, b: LightFindings) -> Bool {
        a.hotSpotArea == b.hotSpotArea && a.eyeGlareArea == b.eyeGlareArea && a.redReflex.imageLeft == b.redReflex.imageLeft
            && a.redReflex.imageRight == b.redReflex.imageRight && a.backgroundShadowRatio == b.backgroundShadowRatio
    }

    // MARK: - Limits (physics; docs/compliance.md gives the reasoning)

    /// Near-clipped: every channel ≥ this level (0.87 linear). Diffuse skin never reaches it in blue before red
    /// clips (blood and melanin absorb blue: skin's blue is ≤ 0.6 of its red), so such a pixel is the lamp's own
    /// colour reflected (specular) or a clipped picture.
    public static let nearClippedLevel: UInt8 = 240
    /// The red reflex: the retina reflects red about ten times more than green; an iris or skin reaches at most
    /// about twice (brown melanin), and then the pupil is darker than the iris.
    public static let redReflexRatio = 2.0
    /// Pupil disc and iris ring radii in inter-eye distances: pupils are 3–8 mm wide (radius ≥ 0.024 IED at
    /// IED 63 mm), irises 11.7 mm (radius 0.093 IED).
    static let pupilRadius = 0.024
    static let irisRing = 0.05...0.08

    /// Around each eye: a lens's reflection of the lamp. The cornea is a convex mirror of 7.8 mm radius (focal length
    /// 3.9 mm): a 1 m lamp at 1 m shows in it as a catchlight at most 4 mm (0.06 IED) across. A spectacle lens's front
    /// (radius ≥ 80 mm) images the same lamp over 10× larger. A glare patch counts from the area of a disc 0.12 IED
    /// across (twice the largest catchlight's diameter): π·0.06² ≈ 0.011 IED².
    public static let maximumEyeGlareArea = 0.011
    static let eyeGlareRadius = 0.3

    public init(hotSpotArea: Double?, eyeGlareArea: Double? = nil, redReflex: (imageLeft: Double?, imageRight: Double?), backgroundShadowRatio: Double?) {
        self.hotSpotArea = hotSpotArea
        self.eyeGlareArea = eyeGlareArea
        self.redReflex = redReflex
        self.backgroundShadowRatio = backgroundShadowRatio
    }

    /// `image` at full size with `face` in its pixels; `reduced` is `QualityMeasures.reducedCopy(image)` when the caller
    /// has it already.
    public static func measure(_ image: RGBImage, face: FaceGeometry, reduced: (image: RGBImage, factor: Double)? = nil) -> LightFindings {
        let reduced = reduced ?? QualityMeasures.reducedCopy(image)
        return LightFindings(hotSpotArea: hotSpotArea(image, face: face), eyeGlareArea: eyeGlareArea(image, face: face),
                             redReflex: (redReflex(image, pupil: face.imageLeftEye, ied: face.interEyeDistance),
                                         redReflex(image, pupil: face.imageRightEye, ied: face.interEyeDistance)),
                             backgroundShadowRatio: backgroundShadowRatio(reduced.image, factor: reduced.factor, face: face))
    }

    /// Where the skin region for hot spots ends towards the mouth, as a fraction of eye line → chin.
    static let mouthLine = 0.48

    /// The skin where hot spots show: the inner face above the mouth (cheeks, nose) and the forehead between the brows and
    /// the hairline (0.45–0.75 IED above the eye line, ±0.4 IED wide: clear of brows and of most fringes).
    static func hotSpotArea(_ image: RGBImage, face: FaceGeometry) -> Double? {
        let ied = face.interEyeDistance
        guard ied >= 20 else { return nil }
        let regions = PortraitRegions(face: face)
        let m = face.eyeMidpoint
        let forehead = PixelRect(x: Int(m.x - 0.4 * ied), y: Int(m.y - 0.75 * ied), width: Int(0.8 * ied), height: Int(0.3 * ied))
        let step = max(1, Int(ied / 100))
        var sampled = 0, clipped = 0
        let level = nearClippedLevel
        func visit(_ bounds: PixelRect, _ inside: (Double, Double) -> Bool) {
            let b = bounds.clamped(toWidth: image.width, height: image.height)
            guard !b.isEmpty else { return }
            image.pixels.withUnsafeBufferPointer { p in
                var y = b.y
                while y < b.y + b.height {
                    var x = b.x
                    while x < b.x + b.width {
                        if inside(Double(x) + 0.5, Double(y) + 0.5) {
                            let i = 3 * (y * image.width + x)
                            sampled += 1
                            if p[i] >= level && p[i + 1] >= level && p[i + 2] >= level { clipped += 1 }
                        }
                        x += step
                    }
                    y += step
                }
            }
        }
        let e = regions.innerFace
        // Above the mouth only: teeth and the whites of a smile are white by nature, not a reflection. The upper
        // lip lies at about 0.55 of the way from the eye line to the chin; the nose tip at 0.4.
        let down = face.chin - m, length = max(down.x * down.x + down.y * down.y, 1)
        func aboveMouth(_ x: Double, _ y: Double) -> Bool { ((x - m.x) * down.x + (y - m.y) * down.y) / length < Self.mouthLine }
        visit(PixelRect(x: Int(e.centreX - e.radiusX), y: Int(e.centreY - e.radiusY), width: Int(2 * e.radiusX) + 1, height: Int(2 * e.radiusY) + 1),
              { e.contains(x: $0, y: $1) && aboveMouth($0, $1) })
        visit(forehead, { _, _ in true })
        // Too little skin in the picture (a face at the border) to say there is none.
        guard sampled >= 100 else { return nil }
        return Double(clipped * step * step) / (ied * ied)
    }

    /// The larger eye's near-clipped colourless area within `eyeGlareRadius` of the pupil, in IED².
    static func eyeGlareArea(_ image: RGBImage, face: FaceGeometry) -> Double? {
        let ied = face.interEyeDistance
        guard ied >= 20 else { return nil }
        let r = eyeGlareRadius * ied
        var worst = 0.0
        for pupil in [face.imageLeftEye, face.imageRightEye] {
            guard pupil.x - r >= 0, pupil.y - r >= 0, pupil.x + r < Double(image.width), pupil.y + r < Double(image.height) else { return nil }
            var clipped = 0
            image.pixels.withUnsafeBufferPointer { p in
                for y in Int(pupil.y - r)...Int(pupil.y + r) {
                    for x in Int(pupil.x - r)...Int(pupil.x + r) {
                        let dx = Double(x) + 0.5 - pupil.x, dy = Double(y) + 0.5 - pupil.y
                        guard dx * dx + dy * dy <= r * r else { continue }
                        let i = 3 * (y * image.width + x)
                        if p[i] >= nearClippedLevel && p[i + 1] >= nearClippedLevel && p[i + 2] >= nearClippedLevel { clipped += 1 }
                    }
                }
            }
            worst = max(worst, Double(clipped) / (ied * ied))
        }
        return worst
    }

    /// Mean linear (red, green) of the pixels within `radius` of `centre`, or between the ring's radii.
    private static func linearMeans(_ image: RGBImage, centre: Point, radii: ClosedRange<Double>) -> (red: Double, green: Double, count: Int) {
        let r = radii.upperBound
        let box = PixelRect(x: Int(centre.x - r), y: Int(centre.y - r), width: Int(2 * r) + 2, height: Int(2 * r) + 2)
            .clamped(toWidth: image.width, height: image.height)
        var red = 0.0, green = 0.0, count = 0
        let lin = QualityMeasures.linearLight
        for y in box.y..<(box.y + box.height) {
            for x in box.x..<(box.x + box.width) {
                let dx = Double(x) + 0.5 - centre.x, dy = Double(y) + 0.5 - centre.y
                let d = (dx * dx + dy * dy).squareRoot()
                guard radii.contains(d) else { continue }
                let p = image[x, y]
                red += lin[Int(p.r)]; green += lin[Int(p.g)]; count += 1
            }
        }
        return count > 0 ? (red / Double(count), green / Double(count), count) : (0, 0, 0)
    }

    /// The red reflex of one pupil: its linear red ÷ green when it is brighter in red than its iris, else 0.
    static func redReflex(_ image: RGBImage, pupil: Point, ied: Double) -> Double? {
        let radius = pupilRadius * ied
        // Under 2 px the pupil disc is a handful of pixels blurred with the iris: nothing to judge.
        guard radius >= 2, pupil.x - irisRing.upperBound * ied >= 0, pupil.y - irisRing.upperBound * ied >= 0,
              pupil.x + irisRing.upperBound * ied < Double(image.width), pupil.y + irisRing.upperBound * ied < Double(image.height)
        else { return nil }
        let inner = linearMeans(image, centre: pupil, radii: 0...radius)
        let ring = linearMeans(image, centre: pupil, radii: (irisRing.lowerBound * ied)...(irisRing.upperBound * ied))
        guard inner.count > 0, ring.count > 0 else { return nil }
        guard inner.red > ring.red else { return 0 }
        return inner.red / max(inner.green, 1e-4)
    }

    /// Shadows on the wall beside the head, on a copy about 256 px wide. Rows from the crown to the chin, outside
    /// the head (1.15× its ellipse, room for hair), are split into left and right; each side into the band next to
    /// the head (to 1.35×) and the wall further out. Only wall-coloured pixels count: chromaticity within 0.02 of
    /// the background median's and linear luminance 0.15–1.5× its (a shadow on a grey wall is a darker grey; hair,
    /// skin and objects are not). On the side whose near band is darker (away from the light), a lamp's own falloff
    /// makes the near band at least as bright as the wall further out, which is further from the light still; only
    /// something blocking the light — the person's shadow — makes it darker. Value: near ÷ far on that side.
    static func backgroundShadowRatio(_ small: RGBImage, factor: Double, face: FaceGeometry) -> Double? {
        let smallFace = face.mapped(by: .scale(1 / factor))
        let regions = PortraitRegions(face: smallFace)
        let wall = RegionStatistics.measure(small, region: regions.background)
        guard wall.count >= 50 else { return nil }
        let lin = QualityMeasures.linearLight
        func luminance(_ r: Double, _ g: Double, _ b: Double) -> Double { 0.2126 * r + 0.7152 * g + 0.0722 * b }
        let wr = lin[Int(wall.medianRed)], wg = lin[Int(wall.medianGreen)], wb = lin[Int(wall.medianBlue)]
        let wallLuminance = luminance(wr, wg, wb), wallSum = wr + wg + wb
        guard wallLuminance > 0.01 else { return nil }
        let wallChroma = (wr / wallSum, wg / wallSum)
        let head = regions.head
        let top = max(0, Int(min(smallFace.crown.y, smallFace.chin.y))), bottom = min(small.height, Int(max(smallFace.crown.y, smallFace.chin.y)))
        // [side][0 near, 1 far]
        var sums = [[0.0, 0.0], [0.0, 0.0]], counts = [[0, 0], [0, 0]]
        for y in top..<max(top, bottom) {
            for x in 0..<small.width {
                let px = Double(x) + 0.5, py = Double(y) + 0.5
                let dx = (px - head.centreX) / head.radiusX, dy = (py - head.centreY) / head.radiusY
                let d = (dx * dx + dy * dy).squareRoot()
                guard d > Self.hairAllowance else { continue }
                let p = small[x, y]
                let r = lin[Int(p.r)], g = lin[Int(p.g)], b = lin[Int(p.b)]
                let sum = r + g + b
                guard sum > 1e-4 else { continue }
                let l = luminance(r, g, b)
                guard abs(r / sum - wallChroma.0) <= 0.02, abs(g / sum - wallChroma.1) <= 0.02,
                      l >= 0.15 * wallLuminance, l <= 1.5 * wallLuminance else { continue }
                let side = px < head.centreX ? 0 : 1, part = d <= Self.nearBand ? 0 : 1
                sums[side][part] += l
                counts[side][part] += 1
            }
        }
        // Each part needs a few dozen pixels of wall to be a measurement at all.
        let minimum = 30
        var darker: (near: Double, far: Double)?
        for side in 0..<2 where counts[side][0] >= minimum && counts[side][1] >= minimum {
            let near = sums[side][0] / Double(counts[side][0]), far = sums[side][1] / Double(counts[side][1])
            if darker == nil || near < darker!.near { darker = (near, far) }
        }
        return darker.map { $0.near / $0.far }
    }

    /// Normalised distances from the head ellipse: beyond `hairAllowance` is background, up to `nearBand` the band
    /// next to the head.
    static let hairAllowance = 1.15
    static let nearBand = 1.35
}
