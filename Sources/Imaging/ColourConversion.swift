/// Camera pixel formats to RGB, and RGB to grey.
///
/// Webcams deliver YUYV (4:2:2 packed) or NV12 (4:2:0, a Y plane and an interleaved UV plane) in
/// ITU-R BT.601 *limited* range (Y 16–235, U/V 16–240). The conversion is integer fixed point
/// (Q13 coefficients, 16-bit lanes, see `storePair`), within ±1 of the exact formula
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
    // The same coefficients for the 16-bit lanes, and per channel the Q5 constant that the products
    // leave out: 16·9538/256 (Y − 16), 128·coefficient/256 (U, V − 128), less 16 (the rounding half).
    static let yScale16: UInt16 = 9538
    static let rFromV16: UInt16 = 13075
    static let gFromU16: UInt16 = 3209
    static let gFromV16: UInt16 = 6660
    static let bFromU16: UInt16 = 16525
    static let redOffset: Int16 = 7117    // 596.1 + 6537.5 − 16
    static let greenOffset: Int16 = 4354  // 1604.5 + 3330 − 596.1 + 16
    static let blueOffset: Int16 = 8842   // 596.1 + 8262.5 − 16

    // BT.601 luma (full range), ×2^8, the weights summing to exactly 2^8: R·77 + G·150 + B·29 + 128 fits
    // 16 bits, so LLVM converts 16 pixels per AVX2 multiply (Q14 in 32 bits took twice the time). The
    // weights are off by at most 0.0018, so a result is within ±1 of the exact luma (every R, G, B tested).
    static let lumaR: UInt16 = 77
    static let lumaG: UInt16 = 150
    static let lumaB: UInt16 = 29

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
        // Each row is first split into a Y row and a U V row (in L1), then converted as NV12 is: the
        // split is a cheap byte shuffle, and a direct YUYV loop spent a fifth more time deinterleaving.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 2 * rowBytes) { scratch in
            let luma = scratch.baseAddress!, chroma = luma + rowBytes
            image.pixels.withUnsafeMutableBufferPointer { target in
                let out = target.baseAddress!
                for y in 0..<height {
                    splitYUYV(base + y * stride, luma: luma, chroma: chroma, pairs: rowBytes / 4)
                    yuvRow(luma, chroma, out + y * width * 3, width: width)
                }
            }
        }
    }

    @inline(__always)
    private static func splitYUYV(_ s: UnsafePointer<UInt8>, luma: UnsafeMutablePointer<UInt8>,
                                  chroma: UnsafeMutablePointer<UInt8>, pairs: Int) {
        for i in 0..<(2 * pairs) {
            luma[i] = s[2 &* i]
            chroma[i] = s[2 &* i &+ 1]
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
        // Two luma rows share a chroma row: its terms are worked out once per pair of rows, into a
        // small planar buffer in L1 (11% faster than working them out in every row).
        let pairs = width / 2
        withUnsafeTemporaryAllocation(of: Int16.self, capacity: 3 * pairs + 1) { scratch in
            let terms = scratch.baseAddress!
            image.pixels.withUnsafeMutableBufferPointer { target in
                let out = target.baseAddress!
                for y in 0..<height {
                    let uvs = uvBase + (y / 2) * chromaStride
                    if y & 1 == 0 { chromaTerms(uvs, red: terms, green: terms + pairs, blue: terms + 2 * pairs, pairs: pairs) }
                    nv12Row(yBase + y * lumaStride, red: terms, green: terms + pairs, blue: terms + 2 * pairs, uvs,
                            out + y * width * 3, width: width)
                }
            }
        }
    }

    @inline(__always)
    private static func chromaTerms(_ uvs: UnsafePointer<UInt8>, red: UnsafeMutablePointer<Int16>,
                                    green: UnsafeMutablePointer<Int16>, blue: UnsafeMutablePointer<Int16>, pairs: Int) {
        let chroma = UnsafeRawPointer(uvs)
        for i in 0..<pairs {
            let uv = chroma.loadUnaligned(fromByteOffset: 2 &* i, as: UInt16.self)  // U | V·256
            let u = uv &<< 8, v = uv & 0xFF00
            red[i] = redTerm(v: v); green[i] = greenTerm(u: u, v: v); blue[i] = blueTerm(u: u)
        }
    }

    /// An NV12 row from its chroma row's terms (`uvs` only for an odd last column).
    @inline(__always)
    private static func nv12Row(_ ys: UnsafePointer<UInt8>, red: UnsafePointer<Int16>, green: UnsafePointer<Int16>,
                                blue: UnsafePointer<Int16>, _ uvs: UnsafePointer<UInt8>,
                                _ d: UnsafeMutablePointer<UInt8>, width: Int) {
        let pairs = width / 2, luma = UnsafeRawPointer(ys)
        for i in 0..<pairs {
            let y = luma.loadUnaligned(fromByteOffset: 2 &* i, as: UInt16.self)  // Y0 | Y1·256
            storePair(l0: lumaTerm(y &<< 8), l1: lumaTerm(y & 0xFF00), r: red[i], g: green[i], b: blue[i], d + 6 &* i)
        }
        if width & 1 == 1 {
            let i = pairs
            storePixel(y: ys[2 * i], u: uvs[2 * i], v: uvs[2 * i + 1], d + 6 * i)
        }
    }

    /// A row of Y and its row of U V (a split YUYV row), the chroma terms worked out on the way.
    @inline(__always)
    private static func yuvRow(_ ys: UnsafePointer<UInt8>, _ uvs: UnsafePointer<UInt8>,
                               _ d: UnsafeMutablePointer<UInt8>, width: Int) {
        let pairs = width / 2, luma = UnsafeRawPointer(ys), chroma = UnsafeRawPointer(uvs)
        for i in 0..<pairs {
            let y = luma.loadUnaligned(fromByteOffset: 2 &* i, as: UInt16.self)     // Y0 | Y1·256
            let uv = chroma.loadUnaligned(fromByteOffset: 2 &* i, as: UInt16.self)  // U | V·256
            let u = uv &<< 8, v = uv & 0xFF00
            storePair(l0: lumaTerm(y &<< 8), l1: lumaTerm(y & 0xFF00),
                      r: redTerm(v: v), g: greenTerm(u: u, v: v), b: blueTerm(u: u), d + 6 &* i)
        }
        if width & 1 == 1 {
            let i = pairs
            storePixel(y: ys[2 * i], u: uvs[2 * i], v: uvs[2 * i + 1], d + 6 * i)
        }
    }

    // The terms of the 16-bit kernels, each sample given ×256 (in the high byte of a 16-bit lane).
    //
    // 16-bit arithmetic, so LLVM packs 16 lanes into an AVX2 register: unsigned high-half multiplies
    // (`vpmulhuw`) by Q13 coefficients give Q5 terms, each rounded down by less than 1/32; the offsets
    // (Y − 16, U − 128, V − 128 and the rounding half) are one constant per channel. Every channel stays
    // within ±1 of the exact formula (tested over all Y, U, V). The samples come as the high byte of a
    // loaded 16-bit word (masked, or the word shifted up): a byte widened and shifted instead lets LLVM
    // fold the shift into the constant and fall back to 32-bit multiplies.

    @inline(__always)
    private static func high(_ a: UInt16, _ c: UInt16) -> Int16 {
        Int16(truncatingIfNeeded: (UInt32(a) &* UInt32(c)) &>> 16)
    }

    @inline(__always)
    private static func lumaTerm(_ y: UInt16) -> Int16 { high(y, yScale16) }

    @inline(__always)
    private static func redTerm(v: UInt16) -> Int16 { high(v, rFromV16) &- redOffset }

    @inline(__always)
    private static func greenTerm(u: UInt16, v: UInt16) -> Int16 { greenOffset &- high(u, gFromU16) &- high(v, gFromV16) }

    @inline(__always)
    private static func blueTerm(u: UInt16) -> Int16 { high(u, bFromU16) &- blueOffset }

    /// Two pixels sharing U and V: their luma terms plus the chroma terms, Q5 to bytes.
    @inline(__always)
    private static func storePair(l0: Int16, l1: Int16, r: Int16, g: Int16, b: Int16, _ d: UnsafeMutablePointer<UInt8>) {
        @inline(__always) func byte(_ q5: Int16) -> UInt8 {
            UInt8(truncatingIfNeeded: min(max(q5 &>> 5, 0), 255))
        }
        d[0] = byte(l0 &+ r); d[1] = byte(l0 &+ g); d[2] = byte(l0 &+ b)
        d[3] = byte(l1 &+ r); d[4] = byte(l1 &+ g); d[5] = byte(l1 &+ b)
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

    /// BT.601 luma `0.299 R + 0.587 G + 0.114 B` (full range, Q8 weights, rounded to nearest).
    public static func gray(fromRGB image: RGBImage) -> GrayImage {
        let count = image.width * image.height
        // Every byte is written below: no zero fill first.
        let pixels = [UInt8](unsafeUninitializedCapacity: count) { target, initialized in
            image.pixels.withUnsafeBufferPointer { source in
                if let s = source.baseAddress, let d = target.baseAddress { grayRun(s, d, count: count) }
            }
            initialized = count
        }
        return GrayImage(width: image.width, height: image.height, pixels: pixels)
    }

    /// Pixels per block of the grey conversion: the planar temporaries (3 bytes a pixel) stay in L1.
    static let grayBlock = 1024

    /// In blocks, first split into R, G and B planes, then weighted. A single loop spent most of its
    /// time in shuffles (LLVM deinterleaves, then widens every byte to 16 bits with more shuffles); from
    /// planes, two neighbouring pixels load as one 16-bit word and are split with a mask and a shift, and
    /// the two results leave as one word again: the weighting needs no shuffle at all (16% faster).
    @inline(__always)
    private static func grayRun(_ s: UnsafePointer<UInt8>, _ d: UnsafeMutablePointer<UInt8>, count: Int) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 3 * grayBlock) { scratch in
            let red = scratch.baseAddress!, green = red + grayBlock, blue = green + grayBlock
            var first = 0
            while first < count {
                let n = min(grayBlock, count - first)
                let p = s + 3 * first
                for i in 0..<n {
                    red[i] = p[3 &* i]; green[i] = p[3 &* i &+ 1]; blue[i] = p[3 &* i &+ 2]
                }
                grayPlanar(red, green, blue, d + first, count: n)
                first += n
            }
        }
    }

    @inline(__always)
    private static func grayPlanar(_ red: UnsafePointer<UInt8>, _ green: UnsafePointer<UInt8>, _ blue: UnsafePointer<UInt8>,
                                   _ d: UnsafeMutablePointer<UInt8>, count: Int) {
        let r = UnsafeRawPointer(red), g = UnsafeRawPointer(green), b = UnsafeRawPointer(blue)
        let out = UnsafeMutableRawPointer(d)
        @inline(__always) func luma(_ r: UInt16, _ g: UInt16, _ b: UInt16) -> UInt16 {
            r &* lumaR &+ g &* lumaG &+ b &* lumaB &+ 128
        }
        for i in 0..<(count / 2) {
            let rw = r.loadUnaligned(fromByteOffset: 2 &* i, as: UInt16.self)
            let gw = g.loadUnaligned(fromByteOffset: 2 &* i, as: UInt16.self)
            let bw = b.loadUnaligned(fromByteOffset: 2 &* i, as: UInt16.self)
            let even = luma(rw & 0xFF, gw & 0xFF, bw & 0xFF), odd = luma(rw &>> 8, gw &>> 8, bw &>> 8)
            out.storeBytes(of: (even &>> 8) | (odd & 0xFF00), toByteOffset: 2 &* i, as: UInt16.self)
        }
        if count & 1 == 1 {
            let i = count - 1
            d[i] = UInt8(truncatingIfNeeded: luma(UInt16(red[i]), UInt16(green[i]), UInt16(blue[i])) &>> 8)
        }
    }
}
