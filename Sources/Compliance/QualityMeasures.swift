#if canImport(Glibc)
import Glibc
#endif
import FaceAnalysis
import Imaging

/// The image measurements the quality checks compare with their limits. Each is computed on a
/// reduced copy or on a small region, so that all of them together stay within a few milliseconds on a
/// 1244×1600 photo.
public struct QualityMeasures: Sendable, Equatable {
    /// Background: median colour (and its luma).
    public var backgroundRed: Double, backgroundGreen: Double, backgroundBlue: Double
    public var backgroundLuma: Double
    /// Fraction of the background covered by things that are neither wall nor connected to the person.
    public var backgroundObjects: Double
    /// Mean luma step between neighbouring wall pixels at `analysisWidth`.
    public var backgroundTexture: Double
    /// Inner face: luma mean, clipped fractions, p1–p99 range, and the darkest ÷ brightest quadrant (linear light).
    public var faceLuma: Double
    public var faceOverExposed: Double
    public var faceUnderExposed: Double
    public var faceDynamicRange: Double
    public var illuminationRatio: Double
    /// Mean chroma of the inner face (BT.601 Cb, Cr, 0…255).
    public var faceCb: Double, faceCr: Double
    /// Laplacian standard deviation of the inner face, at a scale where the eyes are
    /// `sharpnessInterEyeDistance` apart (so that it does not depend on the camera's resolution).
    public var sharpness: Double

    /// Width of the reduced copy the background is judged on.
    public static let analysisWidth = 256
    /// Eye distance the face is brought to before its sharpness is measured.
    public static let sharpnessInterEyeDistance = 64.0

    /// The copy about `analysisWidth` wide the background is judged on, and the factor it was reduced by: made once
    /// per image and shared by the measures that need it (an area reduction of a 1244×1600 photo is most of their cost).
    public static func reducedCopy(_ image: RGBImage) -> (image: RGBImage, factor: Double) {
        let factor = max(1.0, Double(image.width) / Double(analysisWidth))
        let small = factor > 1 ? AreaResize.resize(image, width: max(1, Int(Double(image.width) / factor)),
                                                   height: max(1, Int(Double(image.height) / factor))) : image
        return (small, factor)
    }

    /// `reduced` is `reducedCopy(image)` when the caller has it already.
    public static func measure(_ image: RGBImage, face: FaceGeometry, reduced: (image: RGBImage, factor: Double)? = nil) -> QualityMeasures {
        let regions = PortraitRegions(face: face)
        // Background on a reduced copy: texture from neighbour differences over the region.
        let (small, factor) = reduced ?? reducedCopy(image)
        let smallFace = face.mapped(by: .scale(1 / factor))
        let smallRegions = PortraitRegions(face: smallFace)
        let background = RegionStatistics.measure(small, region: smallRegions.background)
        let wall = BackgroundAnalysis.analyse(small, head: smallRegions.head, region: smallRegions.background,
                                              wall: (background.medianRed, background.medianGreen, background.medianBlue))

        let step = max(1, Int(face.interEyeDistance / 60))
        let inner = RegionStatistics.measure(image, region: .inside(regions.innerFace), step: step)
        // ICAO compares light, not encoded values: each quadrant's mean in linear light (sRGB decoded; from the
        // luma histogram, so luma stands in for luminance). 0.5 in linear light is 0.73 in gamma-encoded luma.
        let quadrants = regions.faceQuadrants.map {
            Self.meanLinearLight(RegionStatistics.measure(image, region: .rectangle($0), step: step))
        }
        let brightest = quadrants.max() ?? 0, darkest = quadrants.min() ?? 0
        let cb = 128 - 0.168736 * inner.meanRed - 0.331264 * inner.meanGreen + 0.5 * inner.meanBlue
        let cr = 128 + 0.5 * inner.meanRed - 0.418688 * inner.meanGreen - 0.081312 * inner.meanBlue

        return QualityMeasures(
            backgroundRed: background.medianRed, backgroundGreen: background.medianGreen, backgroundBlue: background.medianBlue,
            backgroundLuma: 0.299 * background.medianRed + 0.587 * background.medianGreen + 0.114 * background.medianBlue, backgroundObjects: wall.objectFraction, backgroundTexture: wall.wallTexture,
            faceLuma: inner.meanLuma, faceOverExposed: inner.fraction(atLeast: 250), faceUnderExposed: inner.fraction(atMost: 5),
            faceDynamicRange: Double(inner.lumaPercentile(0.99) - inner.lumaPercentile(0.01)),
            illuminationRatio: brightest > 0 ? darkest / brightest : 0,
            faceCb: cb, faceCr: cr,
            sharpness: sharpness(image, face: face, regions: regions))
    }

    /// The mean of a region's luma in linear light (sRGB transfer function removed), 0…1.
    static func meanLinearLight(_ statistics: RegionStatistics) -> Double {
        guard statistics.count > 0 else { return 0 }
        var sum = 0.0
        for (value, n) in statistics.histogram.enumerated() where n > 0 { sum += Double(n) * linearLight[value] }
        return sum / Double(statistics.count)
    }

    /// The sRGB transfer function's inverse (IEC 61966-2-1) for the 256 levels.
    static let linearLight: [Double] = (0..<256).map { level in
        let v = Double(level) / 255
        return v <= 0.04045 ? v / 12.92 : pow((v + 0.055) / 1.055, 2.4)
    }

    /// Standard deviation of the 4-neighbour Laplacian of luma over the inner face, after reducing the
    /// face to a standard eye distance: blur removes exactly this fine detail.
    static func sharpness(_ image: RGBImage, face: FaceGeometry, regions: PortraitRegions) -> Double {
        let e = regions.innerFace
        let box = PixelRect(x: Int(e.centreX - e.radiusX), y: Int(e.centreY - e.radiusY),
                            width: Int(2 * e.radiusX), height: Int(2 * e.radiusY)).clamped(toWidth: image.width, height: image.height)
        guard box.width > 8, box.height > 8 else { return 0 }
        let factor = max(1, face.interEyeDistance / sharpnessInterEyeDistance)
        let width = max(3, Int(Double(box.width) / factor)), height = max(3, Int(Double(box.height) / factor))
        let reduced = AreaResize.resize(image.cropped(to: box), width: width, height: height)
        let gray = ColourConversion.gray(fromRGB: reduced)
        var sum = 0.0, squares = 0.0, count = 0.0
        gray.pixels.withUnsafeBufferPointer { p in
            for y in 1..<(height - 1) {
                for x in 1..<(width - 1) {
                    let i = y * width + x
                    let laplacian = Double(4 * Int(p[i]) - Int(p[i - 1]) - Int(p[i + 1]) - Int(p[i - width]) - Int(p[i + width]))
                    sum += laplacian; squares += laplacian * laplacian; count += 1
                }
            }
        }
        guard count > 0 else { return 0 }
        return max(0, squares / count - (sum / count) * (sum / count)).squareRoot()
    }
}
