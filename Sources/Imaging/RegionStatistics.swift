/// An axis-aligned ellipse in pixel coordinates (the head, the face).
public struct Ellipse: Sendable, Equatable {
    public var centreX: Double, centreY: Double
    public var radiusX: Double, radiusY: Double

    public init(centreX: Double, centreY: Double, radiusX: Double, radiusY: Double) {
        self.centreX = centreX; self.centreY = centreY
        self.radiusX = radiusX; self.radiusY = radiusY
    }

    @inline(__always)
    public func contains(x: Double, y: Double) -> Bool {
        guard radiusX > 0, radiusY > 0 else { return false }
        let dx = (x - centreX) / radiusX, dy = (y - centreY) / radiusY
        return dx * dx + dy * dy <= 1
    }
}

/// The part of an image a measurement looks at.
public enum SampleRegion: Sendable, Equatable {
    case rectangle(PixelRect)
    case inside(Ellipse)
    /// Everything outside the ellipse and above row `aboveY`: the background beside and above a head,
    /// leaving out the shoulders.
    case outside(Ellipse, aboveY: Int)
}

/// Colour and brightness of a region: channel means, and luma percentiles from a histogram.
public struct RegionStatistics: Sendable, Equatable {
    public var count: Int
    public var meanRed: Double, meanGreen: Double, meanBlue: Double
    /// BT.601 luma mean and standard deviation, 0…255.
    public var meanLuma: Double
    public var lumaDeviation: Double
    /// Luma histogram, 256 bins.
    public var histogram: [Int]

    /// Per-channel medians: the colour of the region's dominant surface, unmoved by a few strands of
    /// hair or a dark object in a corner.
    public var medianRed: Double, medianGreen: Double, medianBlue: Double

    /// The luma below which `fraction` of the pixels lie.
    public func lumaPercentile(_ fraction: Double) -> Int {
        guard count > 0 else { return 0 }
        let target = Int((Double(count) * fraction).rounded(.up))
        var seen = 0
        for (value, n) in histogram.enumerated() {
            seen += n
            if seen >= max(target, 1) { return value }
        }
        return 255
    }

    /// Fraction of pixels with luma at or above `value`.
    public func fraction(atLeast value: Int) -> Double {
        guard count > 0 else { return 0 }
        return Double(histogram[max(0, min(255, value))...].reduce(0, +)) / Double(count)
    }

    /// Fraction of pixels with luma at or below `value`.
    public func fraction(atMost value: Int) -> Double {
        guard count > 0 else { return 0 }
        return Double(histogram[...max(0, min(255, value))].reduce(0, +)) / Double(count)
    }

    /// Measures the pixels of `region`, every `step`-th pixel in both directions (statistics of a few
    /// thousand samples are as good as of millions, at a fraction of the cost).
    public static func measure(_ image: RGBImage, region: SampleRegion, step: Int = 1) -> RegionStatistics {
        var histogram = [Int](repeating: 0, count: 256)
        var channelHistograms = [Int](repeating: 0, count: 768)
        var sum = (0.0, 0.0, 0.0), lumaSquares = 0.0, lumaSum = 0.0
        var count = 0
        let step = max(1, step)
        let bounds: PixelRect
        switch region {
        case .rectangle(let rect): bounds = rect
        case .inside(let e):
            bounds = PixelRect(x: Int(e.centreX - e.radiusX), y: Int(e.centreY - e.radiusY),
                               width: Int(2 * e.radiusX) + 2, height: Int(2 * e.radiusY) + 2)
        case .outside(_, let aboveY): bounds = PixelRect(x: 0, y: 0, width: image.width, height: aboveY)
        }
        let area = bounds.clamped(toWidth: image.width, height: image.height)
        image.pixels.withUnsafeBufferPointer { pixels in
            for y in stride(from: area.y, to: area.y + area.height, by: step) {
                for x in stride(from: area.x, to: area.x + area.width, by: step) {
                    let px = Double(x) + 0.5, py = Double(y) + 0.5
                    switch region {
                    case .rectangle: break
                    case .inside(let e): if !e.contains(x: px, y: py) { continue }
                    case .outside(let e, _): if e.contains(x: px, y: py) { continue }
                    }
                    let i = (y * image.width + x) * 3
                    let r = Double(pixels[i]), g = Double(pixels[i + 1]), b = Double(pixels[i + 2])
                    let luma = 0.299 * r + 0.587 * g + 0.114 * b
                    histogram[min(255, Int(luma + 0.5))] += 1
                    channelHistograms[Int(pixels[i])] += 1
                    channelHistograms[256 + Int(pixels[i + 1])] += 1
                    channelHistograms[512 + Int(pixels[i + 2])] += 1
                    sum.0 += r; sum.1 += g; sum.2 += b
                    lumaSum += luma; lumaSquares += luma * luma
                    count += 1
                }
            }
        }
        let n = Double(max(count, 1))
        func deviation(_ s: Double, _ q: Double) -> Double { max(0, q / n - (s / n) * (s / n)).squareRoot() }
        return RegionStatistics(
            count: count, meanRed: sum.0 / n, meanGreen: sum.1 / n, meanBlue: sum.2 / n,
            meanLuma: lumaSum / n, lumaDeviation: deviation(lumaSum, lumaSquares),
            histogram: histogram,
            medianRed: median(channelHistograms[0..<256], count), medianGreen: median(channelHistograms[256..<512], count),
            medianBlue: median(channelHistograms[512..<768], count))
    }

    private static func median(_ bins: ArraySlice<Int>, _ count: Int) -> Double {
        var seen = 0
        for (offset, n) in bins.enumerated() {
            seen += n
            if 2 * seen >= count { return Double(offset) }
        }
        return 255
    }
}
