#if canImport(Glibc)
import Glibc
#endif

/// White balance referenced to the background and exposure normalised on the face, as one tone curve
/// per channel applied through lookup tables.
///
/// TR-03121 wants a neutral grey background (R = G = B, #A1A1A1…#E1E1E1) and natural skin. The
/// background is the only surface in the photo whose true colour is known, so its cast is what the
/// white balance removes. Exposure is corrected only when the face is clearly too dark or too bright:
/// pulling every face to one brightness would lighten dark skin and darken light skin, which is not
/// natural colour. The curve never pushes more than a trace of the skin into clipping.
public struct ColourCorrection: Sendable, Equatable {
    /// Per-channel gains applied first (white balance).
    public var redGain: Double, greenGain: Double, blueGain: Double
    /// Exponent of the tone curve `out = 255 · (in / 255)^gamma` applied after the gains.
    public var gamma: Double

    public init(redGain: Double = 1, greenGain: Double = 1, blueGain: Double = 1, gamma: Double = 1) {
        self.redGain = redGain; self.greenGain = greenGain; self.blueGain = blueGain
        self.gamma = gamma
    }

    public static let none = ColourCorrection()

    /// Limits of the correction: a background far from neutral is a coloured wall, not a cast, and
    /// an exposure error beyond these is a broken light, not something to hide in software. The gains
    /// (about ±10 %) take out a camera's white-balance drift or a warm lamp; a painted wall stays coloured, so that the
    /// backgroundColour check sees it instead of the face taking the opposite cast.
    public struct Limits: Sendable {
        public var gains: ClosedRange<Double> = 0.9...1.11
        public var gamma: ClosedRange<Double> = 0.55...1.8
        /// Face mean luma accepted as it is.
        public var faceLuma: ClosedRange<Double> = 90...190
        /// Brightest skin luma (99th percentile) the curve may produce.
        public var skinHighlight: Double = 248
        public init() {}
    }

    /// Plans the correction from statistics of the background and of the face (inner face, no hair).
    public static func plan(background: RegionStatistics, face: RegionStatistics, limits: Limits = Limits()) -> ColourCorrection {
        var correction = ColourCorrection()
        // The wall's median colour, as the background check sees it: strands of hair in the region do
        // not tint it.
        let (red, green, blue) = (background.medianRed, background.medianGreen, background.medianBlue)
        if background.count > 0, red > 8, green > 8, blue > 8 {
            let grey = (red + green + blue) / 3
            correction.redGain = (grey / red).clamped(to: limits.gains)
            correction.greenGain = (grey / green).clamped(to: limits.gains)
            correction.blueGain = (grey / blue).clamped(to: limits.gains)
        }
        guard face.count > 0 else { return correction }
        // Face brightness after the gains (luma is linear in the channels).
        let faceLuma = 0.299 * face.meanRed * correction.redGain + 0.587 * face.meanGreen * correction.greenGain
            + 0.114 * face.meanBlue * correction.blueGain
        let target = faceLuma.clamped(to: limits.faceLuma)
        if faceLuma > 1, faceLuma < 254, target != faceLuma {
            correction.gamma = (log(target / 255) / log(faceLuma / 255)).clamped(to: limits.gamma)
        }
        // No clipped skin: if the brightest skin would pass the limit, flatten the curve until it does not.
        let gainScale = max(correction.redGain, correction.greenGain, correction.blueGain)
        let highlight = min(254, Double(face.lumaPercentile(0.99)) * gainScale)
        if highlight > 1, highlight < 255, correction.gamma < 1 {
            let produced = 255 * pow(highlight / 255, correction.gamma)
            if produced > limits.skinHighlight {
                // Skin already brighter than the limit is not darkened for it (gamma stays ≤ 1).
                let needed = log(limits.skinHighlight / 255) / log(highlight / 255)
                correction.gamma = max(correction.gamma, min(needed, 1)).clamped(to: limits.gamma)
            }
        }
        return correction
    }

    /// The three 256-entry tables this correction amounts to.
    public func lookupTables() -> (red: [UInt8], green: [UInt8], blue: [UInt8]) {
        func table(_ gain: Double) -> [UInt8] {
            (0..<256).map { value in
                let scaled = min(255, Double(value) * gain) / 255
                return UInt8(min(255, max(0, (255 * pow(scaled, gamma)).rounded())))
            }
        }
        return (table(redGain), table(greenGain), table(blueGain))
    }

    /// Applies the correction in place.
    public func apply(to image: inout RGBImage) {
        guard self != .none else { return }
        let (red, green, blue) = lookupTables()
        let count = image.width * image.height
        red.withUnsafeBufferPointer { r in
            green.withUnsafeBufferPointer { g in
                blue.withUnsafeBufferPointer { b in
                    image.pixels.withUnsafeMutableBufferPointer { pixels in
                        let p = pixels.baseAddress!, rt = r.baseAddress!, gt = g.baseAddress!, bt = b.baseAddress!
                        for i in 0..<count {
                            p[3 &* i] = rt[Int(p[3 &* i])]
                            p[3 &* i &+ 1] = gt[Int(p[3 &* i &+ 1])]
                            p[3 &* i &+ 2] = bt[Int(p[3 &* i &+ 2])]
                        }
                    }
                }
            }
        }
    }
}

extension Comparable {
    @inline(__always)
    func clamped(to range: ClosedRange<Self>) -> Self { min(max(self, range.lowerBound), range.upperBound) }
}
