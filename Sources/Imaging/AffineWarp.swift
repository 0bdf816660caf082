/// Rotate + scale + crop in one resampling pass: every output pixel is sampled from the source at the
/// inverse transform of its centre.
///
/// Used to de-rotate a portrait by its eye line and cut the ICAO crop (one pass keeps the photo sharp:
/// no second interpolation), and by the face chain to cut its rotated model inputs.
/// For reductions beyond about 2× call `AreaResize` first (the crop planner does): bilinear and
/// bicubic sample a fixed 2×2 or 4×4 neighbourhood and alias when many source pixels fall into one.
public enum AffineWarp {
    public enum Interpolation: Sendable {
        /// 2×2 neighbourhood: fast; the face chain's model inputs.
        case bilinear
        /// 4×4 Catmull-Rom (Keys, a = −0.5): sharper edges; the final photo.
        case bicubic
    }

    /// A colour for output pixels whose centre maps outside the source.
    public struct Fill: Sendable, Equatable {
        public var r: UInt8, g: UInt8, b: UInt8
        public init(r: UInt8, g: UInt8, b: UInt8) {
            self.r = r; self.g = g; self.b = b
        }
        public static let black = Fill(r: 0, g: 0, b: 0)
    }

    /// Warps `source` into a `width`×`height` image. `transform` maps source pixels to output pixels
    /// (the convention of `AffineTransform`). A singular transform gives an image of `fill`.
    public static func warp(_ source: RGBImage, transform: AffineTransform, width: Int, height: Int,
                            interpolation: Interpolation = .bilinear, fill: Fill = .black) -> RGBImage {
        var output = RGBImage(width: width, height: height)
        warp(source, transform: transform, into: &output, interpolation: interpolation, fill: fill)
        return output
    }

    /// Warps into an existing image (its size is the output size), so a loop over preview frames reuses
    /// one buffer.
    public static func warp(_ source: RGBImage, transform: AffineTransform, into output: inout RGBImage,
                            interpolation: Interpolation = .bilinear, fill: Fill = .black) {
        let width = output.width, height = output.height
        guard width > 0, height > 0 else { return }
        guard let inverse = transform.inverted(), source.width > 0, source.height > 0 else {
            output.pixels.withUnsafeMutableBufferPointer { target in
                for i in 0..<(width * height) {
                    target[3 * i] = fill.r; target[3 * i + 1] = fill.g; target[3 * i + 2] = fill.b
                }
            }
            return
        }
        source.pixels.withUnsafeBufferPointer { sourceBuffer in
            output.pixels.withUnsafeMutableBufferPointer { targetBuffer in
                let s = sourceBuffer.baseAddress!, d = targetBuffer.baseAddress!
                let geometry = Geometry(inverse: inverse, sourceWidth: source.width, sourceHeight: source.height)
                for y in 0..<height {
                    let row = d + y * width * 3
                    switch interpolation {
                    case .bilinear: bilinearRow(s, geometry, y: y, row, width: width, fill: fill)
                    case .bicubic: bicubicRow(s, geometry, y: y, row, width: width, fill: fill)
                    }
                }
            }
        }
    }

    /// The inverse mapping in "index space": source pixel index coordinates (centre of pixel i at i)
    /// of output pixel index (x, y).
    struct Geometry {
        let ia: Double, ib: Double, ic: Double, id: Double
        let ox: Double, oy: Double
        let sourceWidth: Int, sourceHeight: Int

        init(inverse m: AffineTransform, sourceWidth: Int, sourceHeight: Int) {
            ia = m.a; ib = m.b; ic = m.c; id = m.d
            // Output centre (x + 0.5, y + 0.5) → source continuous point → minus 0.5 for index space.
            ox = m.a * 0.5 + m.b * 0.5 + m.tx - 0.5
            oy = m.c * 0.5 + m.d * 0.5 + m.ty - 0.5
            self.sourceWidth = sourceWidth
            self.sourceHeight = sourceHeight
        }
    }

    @inline(__always)
    private static func bilinearRow(_ s: UnsafePointer<UInt8>, _ g: Geometry, y: Int, _ d: UnsafeMutablePointer<UInt8>,
                                    width: Int, fill: Fill) {
        let stride = g.sourceWidth * 3
        let maxX = Float(g.sourceWidth - 1), maxY = Float(g.sourceHeight - 1)
        let fy = Double(y)
        let startX = g.ox + g.ib * fy, startY = g.oy + g.id * fy
        for x in 0..<width {
            let sx = Float(startX + g.ia * Double(x)), sy = Float(startY + g.ic * Double(x))
            let o = d + 3 * x
            // Half a pixel beyond the outermost centres still lies on the source: edge pixels repeat.
            guard sx >= -0.5, sy >= -0.5, sx <= maxX + 0.5, sy <= maxY + 0.5 else {
                o[0] = fill.r; o[1] = fill.g; o[2] = fill.b
                continue
            }
            let cx = min(max(sx, 0), maxX), cy = min(max(sy, 0), maxY)
            let x0 = Int(cx), y0 = Int(cy)
            let x1 = min(x0 + 1, g.sourceWidth - 1), y1 = min(y0 + 1, g.sourceHeight - 1)
            let wx = cx - Float(x0), wy = cy - Float(y0)
            let p00 = s + y0 * stride + 3 * x0, p01 = s + y0 * stride + 3 * x1
            let p10 = s + y1 * stride + 3 * x0, p11 = s + y1 * stride + 3 * x1
            for c in 0..<3 {
                let top = Float(p00[c]) + (Float(p01[c]) - Float(p00[c])) * wx
                let bottom = Float(p10[c]) + (Float(p11[c]) - Float(p10[c])) * wx
                o[c] = UInt8(truncatingIfNeeded: Int32(top + (bottom - top) * wy + 0.5))
            }
        }
    }

    /// Catmull-Rom weights for the four taps around a fractional offset t ∈ [0, 1).
    @inline(__always)
    static func cubicWeights(_ t: Float) -> (Float, Float, Float, Float) {
        let t2 = t * t, t3 = t2 * t
        return (-0.5 * t3 + t2 - 0.5 * t,
                1.5 * t3 - 2.5 * t2 + 1,
                -1.5 * t3 + 2 * t2 + 0.5 * t,
                0.5 * t3 - 0.5 * t2)
    }

    @inline(__always)
    private static func bicubicRow(_ s: UnsafePointer<UInt8>, _ g: Geometry, y: Int, _ d: UnsafeMutablePointer<UInt8>,
                                   width: Int, fill: Fill) {
        let stride = g.sourceWidth * 3
        let maxX = Float(g.sourceWidth - 1), maxY = Float(g.sourceHeight - 1)
        let lastX = g.sourceWidth - 1, lastY = g.sourceHeight - 1
        let fy = Double(y)
        let startX = g.ox + g.ib * fy, startY = g.oy + g.id * fy
        for x in 0..<width {
            let sx = Float(startX + g.ia * Double(x)), sy = Float(startY + g.ic * Double(x))
            let o = d + 3 * x
            guard sx >= -0.5, sy >= -0.5, sx <= maxX + 0.5, sy <= maxY + 0.5 else {
                o[0] = fill.r; o[1] = fill.g; o[2] = fill.b
                continue
            }
            let cx = min(max(sx, 0), maxX), cy = min(max(sy, 0), maxY)
            let x0 = Int(cx), y0 = Int(cy)
            let (wx0, wx1, wx2, wx3) = cubicWeights(cx - Float(x0))
            let (wy0, wy1, wy2, wy3) = cubicWeights(cy - Float(y0))
            // Taps beyond the border repeat the edge pixel.
            let xs = (3 * max(x0 - 1, 0), 3 * x0, 3 * min(x0 + 1, lastX), 3 * min(x0 + 2, lastX))
            let rows = (s + max(y0 - 1, 0) * stride, s + y0 * stride,
                        s + min(y0 + 1, lastY) * stride, s + min(y0 + 2, lastY) * stride)
            for c in 0..<3 {
                @inline(__always) func tap(_ r: UnsafePointer<UInt8>) -> Float {
                    Float(r[xs.0 + c]) * wx0 + Float(r[xs.1 + c]) * wx1 + Float(r[xs.2 + c]) * wx2 + Float(r[xs.3 + c]) * wx3
                }
                let value = tap(rows.0) * wy0 + tap(rows.1) * wy1 + tap(rows.2) * wy2 + tap(rows.3) * wy3
                o[c] = UInt8(truncatingIfNeeded: Int32(min(max(value + 0.5, 0), 255)))
            }
        }
    }
}
