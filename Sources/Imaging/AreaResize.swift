import KernelDispatch
/// Downscaling by area averaging: every output pixel is the mean of the source area it covers, with
/// fractional weights at the borders of that area (OpenCV's INTER_AREA). No aliasing at any factor,
/// which is why previews and the crop's pre-reduction use it.
public enum AreaResize {
    /// Resizes `source` to `width`×`height`. Meant for reductions; an enlargement degrades to
    /// nearest-neighbour-like blocks (the station never enlarges a photo).
    public static func resize(_ source: RGBImage, width: Int, height: Int) -> RGBImage {
        var output = RGBImage(width: width, height: height)
        resize(source, into: &output)
        return output
    }

    /// Resizes into `output` (its size is the target size), reusing its storage.
    public static func resize(_ source: RGBImage, into output: inout RGBImage) {
        let width = output.width, height = output.height
        guard width > 0, height > 0, source.width > 0, source.height > 0 else { return }
        let columns = Taps(source: source.width, output: width)
        let rows = Taps(source: source.height, output: height)
        // One row of vertically accumulated source pixels, in float: the vertical pass runs over
        // contiguous bytes (vectorised), the horizontal pass then only over `height` such rows.
        var accumulator = [Float](repeating: 0, count: source.width * 3)
        let sourceStride = source.width * 3
        source.pixels.withUnsafeBufferPointer { sourceBuffer in
            output.pixels.withUnsafeMutableBufferPointer { targetBuffer in
                accumulator.withUnsafeMutableBufferPointer { accumulatorBuffer in
                    let s = sourceBuffer.baseAddress!, d = targetBuffer.baseAddress!, acc = accumulatorBuffer.baseAddress!
                    let kernels = KernelDispatch.pixel
                    for y in 0..<height {
                        let (first, count, weightStart) = rows.span(y)
                        clear(acc, count: sourceStride)
                        for t in 0..<count {
                            kernels.accumulate(s + (first + t) * sourceStride, weight: rows.weights[weightStart + t], into: acc,
                                               count: sourceStride)
                        }
                        horizontal(acc, columns, into: d + y * width * 3, width: width)
                    }
                }
            }
        }
    }

    /// For each output index: the source indices it covers and their weights (summing to 1).
    struct Taps {
        var first: [Int] = []
        var count: [Int] = []
        var weightStart: [Int] = []
        var weights: [Float] = []

        init(source: Int, output: Int) {
            let scale = Double(source) / Double(output)
            for i in 0..<output {
                let start = Double(i) * scale, end = min(Double(i + 1) * scale, Double(source))
                var index = Int(start)
                first.append(index)
                weightStart.append(weights.count)
                var taps = 0
                while Double(index) < end, index < source {
                    let covered = min(end, Double(index + 1)) - max(start, Double(index))
                    if covered > 1e-9 {
                        weights.append(Float(covered / (end - start)))
                        taps += 1
                    } else if taps == 0 {
                        first[i] = index + 1
                    }
                    index += 1
                }
                count.append(taps)
            }
        }

        @inline(__always)
        func span(_ i: Int) -> (first: Int, count: Int, weightStart: Int) { (first[i], count[i], weightStart[i]) }
    }

    @inline(__always)
    private static func clear(_ acc: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { acc[i] = 0 }
    }

    @inline(__always)
    private static func horizontal(_ acc: UnsafePointer<Float>, _ columns: Taps, into d: UnsafeMutablePointer<UInt8>, width: Int) {
        columns.weights.withUnsafeBufferPointer { weights in
            for x in 0..<width {
                let (first, count, weightStart) = columns.span(x)
                var r: Float = 0.5, g: Float = 0.5, b: Float = 0.5
                for t in 0..<count {
                    let w = weights[weightStart + t], p = acc + 3 * (first + t)
                    r += p[0] * w; g += p[1] * w; b += p[2] * w
                }
                d[3 * x] = UInt8(truncatingIfNeeded: Int32(min(r, 255)))
                d[3 * x + 1] = UInt8(truncatingIfNeeded: Int32(min(g, 255)))
                d[3 * x + 2] = UInt8(truncatingIfNeeded: Int32(min(b, 255)))
            }
        }
    }
}
