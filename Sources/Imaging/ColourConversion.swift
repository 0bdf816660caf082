/// Camera pixel formats to RGB, and RGB to grey.
///
/// Webcams deliver YUYV (4:2:2 packed) or NV12 (4:2:0, a Y plane and an interleaved UV plane) in
/// ITU-R BT.601 *limited* range (Y 16–235, U/V 16–240). The conversion is integer fixed point
/// (Q13 coefficients, rounded to nearest), within ±1 of the exact formula
/// `R = 1.164(Y−16) + 1.596(V−128)`, `G = 1.164(Y−16) − 0.392(U−128) − 0.813(V−128)`,
/// `B = 1.164(Y−16) + 2.017(U−128)`, clamped to 0…255.
///
/// The row loops are written as plain loops over pointers with wrapping arithmetic: at `-O` the
/// compiler vectorises them (see the benchmark and the report in issue 2); explicit `SIMD` types were
/// measured slower on Swift 6.3.
public enum ColourConversion {
    // BT.601 limited range, ×2^13: 255/219, 255/224·1.402, 255/224·1.772·0.114/0.587,
    // 255/224·1.402·0.299/0.587, 255/224·1.772.
    static let yScale: Int32 = 9538
    static let rFromV: Int32 = 13075
    static let gFromU: Int32 = 3209
    static let gFromV: Int32 = 6660
    static let bFromU: Int32 = 16525
    static let half: Int32 = 1 << 12

    // BT.601 luma (full range), ×2^14, the weights summing to exactly 2^14.
    static let lumaR: Int32 = 4899
    static let lumaG: Int32 = 9617
    static let lumaB: Int32 = 1868

    // MARK: YUYV

    /// Converts a YUYV (YUY2: Y0 U Y1 V per pixel pair) frame to RGB.
    ///
    /// `bytesPerRow` is the frame's row stride (V4L2's `bytesperline`), at least `4 × ⌈width/2⌉`.
    /// An odd width uses the first pixel of the last pair.
    public static func rgb(fromYUYV source: UnsafeBufferPointer<UInt8>, width: Int, height: Int,
                           bytesPerRow: Int? = nil) throws(PixelBufferError) -> RGBImage {
        var image = RGBImage(width: 0, height: 0)
        try convert(yuyv: source, width: width, height: height, bytesPerRow: bytesPerRow, into: &image)
        return image
    }

    /// Converts a YUYV frame into `image`, reusing its pixel storage when the size matches
    /// (a camera loop converts every frame without allocating).
    public static func convert(yuyv source: UnsafeBufferPointer<UInt8>, width: Int, height: Int,
                               bytesPerRow: Int? = nil, into image: inout RGBImage) throws(PixelBufferError) {
        try PixelBufferError.checkSize(width: width, height: height)
        let rowBytes = (width + 1) / 2 * 4
        let stride = bytesPerRow ?? rowBytes
        try PixelBufferError.checkPlane(count: source.count, rows: height, rowBytes: rowBytes, bytesPerRow: stride)
        if image.width != width || image.height != height { image = RGBImage(width: width, height: height) }
        guard let base = source.baseAddress else { return }
        image.pixels.withUnsafeMutableBufferPointer { target in
            let out = target.baseAddress!
            for y in 0..<height {
                yuyvRow(base + y * stride, out + y * width * 3, width: width)
            }
        }
    }

    @inline(__always)
    private static func yuyvRow(_ s: UnsafePointer<UInt8>, _ d: UnsafeMutablePointer<UInt8>, width: Int) {
        let pairs = width / 2
        for i in 0..<pairs {
            let y0 = (Int32(s[4 &* i]) &- 16) &* yScale
            let u = Int32(s[4 &* i &+ 1]) &- 128
            let y1 = (Int32(s[4 &* i &+ 2]) &- 16) &* yScale
            let v = Int32(s[4 &* i &+ 3]) &- 128
            let r = v &* rFromV &+ half
            let g = half &- u &* gFromU &- v &* gFromV
            let b = u &* bFromU &+ half
            d[6 &* i] = clampToByte((y0 &+ r) &>> 13)
            d[6 &* i &+ 1] = clampToByte((y0 &+ g) &>> 13)
            d[6 &* i &+ 2] = clampToByte((y0 &+ b) &>> 13)
            d[6 &* i &+ 3] = clampToByte((y1 &+ r) &>> 13)
            d[6 &* i &+ 4] = clampToByte((y1 &+ g) &>> 13)
            d[6 &* i &+ 5] = clampToByte((y1 &+ b) &>> 13)
        }
        if width & 1 == 1 {
            let i = pairs
            storePixel(y: s[4 * i], u: s[4 * i + 1], v: s[4 * i + 3], d + 6 * i)
        }
    }

    // MARK: NV12

    /// Converts an NV12 frame given as its two planes: `luma` (Y, `width` bytes used per row) and
    /// `chroma` (U V interleaved at half resolution, `2 × ⌈width/2⌉` bytes used per row, `⌈height/2⌉` rows).
    public static func rgb(fromNV12Luma luma: UnsafeBufferPointer<UInt8>, lumaBytesPerRow: Int? = nil,
                           chroma: UnsafeBufferPointer<UInt8>, chromaBytesPerRow: Int? = nil,
                           width: Int, height: Int) throws(PixelBufferError) -> RGBImage {
        var image = RGBImage(width: 0, height: 0)
        try convert(nv12Luma: luma, lumaBytesPerRow: lumaBytesPerRow, chroma: chroma, chromaBytesPerRow: chromaBytesPerRow,
                    width: width, height: height, into: &image)
        return image
    }

    /// Converts an NV12 frame stored in one buffer as V4L2's single-planar NV12 lays it out: the Y plane
    /// (`height` rows) followed directly by the UV plane, both rows `bytesPerRow` apart.
    public static func rgb(fromNV12 frame: UnsafeBufferPointer<UInt8>, width: Int, height: Int,
                           bytesPerRow: Int? = nil) throws(PixelBufferError) -> RGBImage {
        try PixelBufferError.checkSize(width: width, height: height)
        let stride = bytesPerRow ?? width
        guard stride >= width else { throw .rowStrideTooShort(bytesPerRow: stride, minimum: width) }
        let lumaBytes = stride * height
        let needed = lumaBytes + ((height + 1) / 2 - 1) * stride + (width + 1) / 2 * 2
        guard frame.count >= needed else { throw .bufferTooShort(bytes: frame.count, needed: needed) }
        let luma = UnsafeBufferPointer(rebasing: frame[0..<lumaBytes])
        let chroma = UnsafeBufferPointer(rebasing: frame[lumaBytes...])
        return try rgb(fromNV12Luma: luma, lumaBytesPerRow: stride, chroma: chroma, chromaBytesPerRow: stride,
                       width: width, height: height)
    }

    /// Converts an NV12 frame into `image`, reusing its storage when the size matches.
    public static func convert(nv12Luma luma: UnsafeBufferPointer<UInt8>, lumaBytesPerRow: Int? = nil,
                               chroma: UnsafeBufferPointer<UInt8>, chromaBytesPerRow: Int? = nil,
                               width: Int, height: Int, into image: inout RGBImage) throws(PixelBufferError) {
        try PixelBufferError.checkSize(width: width, height: height)
        let lumaStride = lumaBytesPerRow ?? width
        let chromaRowBytes = (width + 1) / 2 * 2
        let chromaStride = chromaBytesPerRow ?? chromaRowBytes
        try PixelBufferError.checkPlane(count: luma.count, rows: height, rowBytes: width, bytesPerRow: lumaStride)
        try PixelBufferError.checkPlane(count: chroma.count, rows: (height + 1) / 2, rowBytes: chromaRowBytes,
                                        bytesPerRow: chromaStride)
        if image.width != width || image.height != height { image = RGBImage(width: width, height: height) }
        guard let yBase = luma.baseAddress, let uvBase = chroma.baseAddress else { return }
        image.pixels.withUnsafeMutableBufferPointer { target in
            let out = target.baseAddress!
            for y in 0..<height {
                nv12Row(yBase + y * lumaStride, uvBase + (y / 2) * chromaStride, out + y * width * 3, width: width)
            }
        }
    }

    @inline(__always)
    private static func nv12Row(_ ys: UnsafePointer<UInt8>, _ uvs: UnsafePointer<UInt8>,
                                _ d: UnsafeMutablePointer<UInt8>, width: Int) {
        let pairs = width / 2
        for i in 0..<pairs {
            let y0 = (Int32(ys[2 &* i]) &- 16) &* yScale
            let y1 = (Int32(ys[2 &* i &+ 1]) &- 16) &* yScale
            let u = Int32(uvs[2 &* i]) &- 128
            let v = Int32(uvs[2 &* i &+ 1]) &- 128
            let r = v &* rFromV &+ half
            let g = half &- u &* gFromU &- v &* gFromV
            let b = u &* bFromU &+ half
            d[6 &* i] = clampToByte((y0 &+ r) &>> 13)
            d[6 &* i &+ 1] = clampToByte((y0 &+ g) &>> 13)
            d[6 &* i &+ 2] = clampToByte((y0 &+ b) &>> 13)
            d[6 &* i &+ 3] = clampToByte((y1 &+ r) &>> 13)
            d[6 &* i &+ 4] = clampToByte((y1 &+ g) &>> 13)
            d[6 &* i &+ 5] = clampToByte((y1 &+ b) &>> 13)
        }
        if width & 1 == 1 {
            let i = pairs
            storePixel(y: ys[2 * i], u: uvs[2 * i], v: uvs[2 * i + 1], d + 6 * i)
        }
    }

    /// One pixel, for the odd last column.
    @inline(__always)
    private static func storePixel(y: UInt8, u: UInt8, v: UInt8, _ d: UnsafeMutablePointer<UInt8>) {
        let luma = (Int32(y) - 16) * yScale, u = Int32(u) - 128, v = Int32(v) - 128
        d[0] = clampToByte((luma + v * rFromV + half) >> 13)
        d[1] = clampToByte((luma - u * gFromU - v * gFromV + half) >> 13)
        d[2] = clampToByte((luma + u * bFromU + half) >> 13)
    }

    @inline(__always)
    static func clampToByte(_ x: Int32) -> UInt8 {
        UInt8(truncatingIfNeeded: min(max(x, 0), 255))
    }

    // MARK: Grey

    /// BT.601 luma `0.299 R + 0.587 G + 0.114 B` (full range, Q14 weights, rounded to nearest).
    public static func gray(fromRGB image: RGBImage) -> GrayImage {
        var result = GrayImage(width: image.width, height: image.height)
        let count = image.width * image.height
        image.pixels.withUnsafeBufferPointer { source in
            result.pixels.withUnsafeMutableBufferPointer { target in
                guard let s = source.baseAddress, let d = target.baseAddress else { return }
                grayRun(s, d, count: count)
            }
        }
        return result
    }

    @inline(__always)
    private static func grayRun(_ s: UnsafePointer<UInt8>, _ d: UnsafeMutablePointer<UInt8>, count: Int) {
        for i in 0..<count {
            let sum = Int32(s[3 &* i]) &* lumaR &+ Int32(s[3 &* i &+ 1]) &* lumaG &+ Int32(s[3 &* i &+ 2]) &* lumaB
            d[i] = UInt8(truncatingIfNeeded: (sum &+ 8192) &>> 14)
        }
    }
}
