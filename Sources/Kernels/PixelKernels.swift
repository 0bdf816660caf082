/// The row loops of the pixel kernels (Imaging's colour conversion, area resize and warps), moved here
/// verbatim so that they can be compiled per instruction-set path like the inference kernels: plain loops
/// LLVM vectorises, `@inlinable` and non-generic, inlined into each path's `PixelKernelSet` conformance
/// (a call left out-of-line would reach this module's baseline copy: slower, never an illegal
/// instruction). The formulas and their error bounds are documented where Imaging calls them.
public enum PixelKernels {
    // BT.601 limited range, ×2^13: 255/219, 255/224·1.402, 255/224·1.772·0.114/0.587,
    // 255/224·1.402·0.299/0.587, 255/224·1.772.
    @inlinable public static var yScale: Int32 { 9538 }
    @inlinable public static var rFromV: Int32 { 13075 }
    @inlinable public static var gFromU: Int32 { 3209 }
    @inlinable public static var gFromV: Int32 { 6660 }
    @inlinable public static var bFromU: Int32 { 16525 }
    @inlinable public static var half: Int32 { 1 << 12 }
    // The same coefficients for the 16-bit lanes, and per channel the Q5 constant that the products
    // leave out: 16·9538/256 (Y − 16), 128·coefficient/256 (U, V − 128), less 16 (the rounding half).
    @inlinable public static var yScale16: UInt16 { 9538 }
    @inlinable public static var rFromV16: UInt16 { 13075 }
    @inlinable public static var gFromU16: UInt16 { 3209 }
    @inlinable public static var gFromV16: UInt16 { 6660 }
    @inlinable public static var bFromU16: UInt16 { 16525 }
    @inlinable public static var redOffset: Int16 { 7117 }    // 596.1 + 6537.5 − 16
    @inlinable public static var greenOffset: Int16 { 4354 }  // 1604.5 + 3330 − 596.1 + 16
    @inlinable public static var blueOffset: Int16 { 8842 }   // 596.1 + 8262.5 − 16

    // BT.601 luma (full range), ×2^16, the weights summing to exactly 2^16; applied as 16-bit high-half
    // multiplies (see `grayPlanar`), 16 pixels per AVX2 multiply (Q14 in 32 bits took twice the time).
    @inlinable public static var lumaR: UInt16 { 19595 }
    @inlinable public static var lumaG: UInt16 { 38470 }
    @inlinable public static var lumaB: UInt16 { 7471 }

    // MARK: YUYV and NV12

    @inlinable @inline(__always)
    public static func splitYUYV(_ s: UnsafePointer<UInt8>, luma: UnsafeMutablePointer<UInt8>,
                                  chroma: UnsafeMutablePointer<UInt8>, pairs: Int) {
        for i in 0..<(2 * pairs) {
            luma[i] = s[2 &* i]
            chroma[i] = s[2 &* i &+ 1]
        }
    }

    @inlinable @inline(__always)
    public static func chromaTerms(_ uvs: UnsafePointer<UInt8>, red: UnsafeMutablePointer<Int16>,
                                    green: UnsafeMutablePointer<Int16>, blue: UnsafeMutablePointer<Int16>, pairs: Int) {
        let chroma = UnsafeRawPointer(uvs)
        for i in 0..<pairs {
            let uv = chroma.loadUnaligned(fromByteOffset: 2 &* i, as: UInt16.self)  // U | V·256
            let u = uv &<< 8, v = uv & 0xFF00
            red[i] = redTerm(v: v); green[i] = greenTerm(u: u, v: v); blue[i] = blueTerm(u: u)
        }
    }

    /// An NV12 row from its chroma row's terms (`uvs` only for an odd last column).
    @inlinable @inline(__always)
    public static func nv12Row(_ ys: UnsafePointer<UInt8>, red: UnsafePointer<Int16>, green: UnsafePointer<Int16>,
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
    @inlinable @inline(__always)
    public static func yuvRow(_ ys: UnsafePointer<UInt8>, _ uvs: UnsafePointer<UInt8>,
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

    @inlinable @inline(__always)
    public static func high(_ a: UInt16, _ c: UInt16) -> Int16 {
        Int16(truncatingIfNeeded: (UInt32(a) &* UInt32(c)) &>> 16)
    }

    @inlinable @inline(__always)
    public static func lumaTerm(_ y: UInt16) -> Int16 { high(y, yScale16) }

    @inlinable @inline(__always)
    public static func redTerm(v: UInt16) -> Int16 { high(v, rFromV16) &- redOffset }

    @inlinable @inline(__always)
    public static func greenTerm(u: UInt16, v: UInt16) -> Int16 { greenOffset &- high(u, gFromU16) &- high(v, gFromV16) }

    @inlinable @inline(__always)
    public static func blueTerm(u: UInt16) -> Int16 { high(u, bFromU16) &- blueOffset }

    /// Two pixels sharing U and V: their luma terms plus the chroma terms, Q5 to bytes.
    @inlinable @inline(__always)
    public static func storePair(l0: Int16, l1: Int16, r: Int16, g: Int16, b: Int16, _ d: UnsafeMutablePointer<UInt8>) {
        @inline(__always) func byte(_ q5: Int16) -> UInt8 {
            UInt8(truncatingIfNeeded: min(max(q5 &>> 5, 0), 255))
        }
        d[0] = byte(l0 &+ r); d[1] = byte(l0 &+ g); d[2] = byte(l0 &+ b)
        d[3] = byte(l1 &+ r); d[4] = byte(l1 &+ g); d[5] = byte(l1 &+ b)
    }

    /// One pixel, for the odd last column.
    @inlinable @inline(__always)
    public static func storePixel(y: UInt8, u: UInt8, v: UInt8, _ d: UnsafeMutablePointer<UInt8>) {
        let luma = (Int32(y) - 16) * yScale, u = Int32(u) - 128, v = Int32(v) - 128
        d[0] = clampToByte((luma + v * rFromV + half) >> 13)
        d[1] = clampToByte((luma - u * gFromU - v * gFromV + half) >> 13)
        d[2] = clampToByte((luma + u * bFromU + half) >> 13)
    }

    @inlinable @inline(__always)
    public static func clampToByte(_ x: Int32) -> UInt8 {
        UInt8(truncatingIfNeeded: min(max(x, 0), 255))
    }

    // MARK: Grey

    /// Pixels per block of the grey conversion: the planar temporaries (3 bytes a pixel) stay in L1.
    @inlinable public static var grayBlock: Int { 1024 }

    /// In blocks, first split into R, G and B planes, then weighted. A single loop spent most of its
    /// time in shuffles (LLVM deinterleaves, then widens every byte to 16 bits with more shuffles); from
    /// planes, two neighbouring pixels load as one 16-bit word and are split with a mask and a shift, and
    /// the two results leave as one word again: the weighting needs no shuffle at all (16% faster).
    @inlinable @inline(__always)
    public static func grayRun(_ s: UnsafePointer<UInt8>, _ d: UnsafeMutablePointer<UInt8>, count: Int) {
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

    @inlinable @inline(__always)
    public static func grayPlanar(_ red: UnsafePointer<UInt8>, _ green: UnsafePointer<UInt8>, _ blue: UnsafePointer<UInt8>,
                                   _ d: UnsafeMutablePointer<UInt8>, count: Int) {
        let r = UnsafeRawPointer(red), g = UnsafeRawPointer(green), b = UnsafeRawPointer(blue)
        let out = UnsafeMutableRawPointer(d)
        @inline(__always) func high(_ a: UInt16, _ c: UInt16) -> UInt16 {
            UInt16(truncatingIfNeeded: (UInt32(a) &* UInt32(c)) &>> 16)
        }
        // Samples ×256 (the high byte of a lane), Q16 weights: each product is its Q8 term rounded down,
        // so the sum is within 3/256 of the exact luma before rounding.
        @inline(__always) func luma(_ r: UInt16, _ g: UInt16, _ b: UInt16) -> UInt16 {
            high(r, lumaR) &+ high(g, lumaG) &+ high(b, lumaB) &+ 128
        }
        for i in 0..<(count / 2) {
            let rw = r.loadUnaligned(fromByteOffset: 2 &* i, as: UInt16.self)
            let gw = g.loadUnaligned(fromByteOffset: 2 &* i, as: UInt16.self)
            let bw = b.loadUnaligned(fromByteOffset: 2 &* i, as: UInt16.self)
            let even = luma(rw &<< 8, gw &<< 8, bw &<< 8), odd = luma(rw & 0xFF00, gw & 0xFF00, bw & 0xFF00)
            out.storeBytes(of: (even &>> 8) | (odd & 0xFF00), toByteOffset: 2 &* i, as: UInt16.self)
        }
        if count & 1 == 1 {
            let i = count - 1
            d[i] = UInt8(truncatingIfNeeded: luma(UInt16(red[i]) &<< 8, UInt16(green[i]) &<< 8, UInt16(blue[i]) &<< 8) &>> 8)
        }
    }

    // MARK: Area resize

    /// Adds one source row, weighted, to the running row of sums.
    @inlinable @inline(__always)
    public static func accumulate(_ row: UnsafePointer<UInt8>, weight: Float, into acc: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { acc[i] += Float(row[i]) * weight }
    }

    // MARK: Warps

    /// Interior pixels per block of a warp: the gathered taps (16 bytes a pixel bilinear, 48 bicubic) stay in L1.
    @inlinable public static var blockPixels: Int { 128 }

    /// `upper`/`lower`: per pixel the 8 bytes R G B R G B · · at (x0, y0) and (x0, y0 + 1), read as two
    /// little-endian words. The weights come from the low 32 bits of the position, which wrapping
    /// 32-bit arithmetic steps exactly.
    @inlinable @inline(__always)
    public static func bilinearBlend(_ upper: UnsafePointer<UInt32>, _ lower: UnsafePointer<UInt32>,
                                      fractionX: UInt32, stepX: UInt32, fractionY: UInt32, stepY: UInt32,
                                      _ o: UnsafeMutablePointer<UInt8>, _ count: Int) {
        @inline(__always) func mix(_ p00: UInt32, _ p01: UInt32, _ p10: UInt32, _ p11: UInt32, _ wx: UInt32, _ wy: UInt32) -> UInt8 {
            let top = p00 &<< 11 &+ (p01 &- p00) &* wx
            let bottom = p10 &<< 11 &+ (p11 &- p10) &* wx
            let value = top &<< 11 &+ (bottom &- top) &* wy
            return UInt8(truncatingIfNeeded: (value &+ (1 << 21)) &>> 22)
        }
        for i in 0..<count {
            let n = UInt32(truncatingIfNeeded: i)
            let wx = (fractionX &+ n &* stepX) &>> 21, wy = (fractionY &+ n &* stepY) &>> 21
            let a = upper[2 &* i], b = upper[2 &* i &+ 1], c = lower[2 &* i], e = lower[2 &* i &+ 1]
            o[3 &* i] = mix(a & 0xFF, a &>> 24, c & 0xFF, c &>> 24, wx, wy)
            o[3 &* i &+ 1] = mix((a &>> 8) & 0xFF, b & 0xFF, (c &>> 8) & 0xFF, e & 0xFF, wx, wy)
            o[3 &* i &+ 2] = mix((a &>> 16) & 0xFF, (b &>> 8) & 0xFF, (c &>> 16) & 0xFF, (e &>> 8) & 0xFF, wx, wy)
        }
    }

    /// Catmull-Rom weights for the four taps around a fractional offset t ∈ [0, 1).
    @inlinable @inline(__always)
    public static func cubicWeights(_ t: Float) -> (Float, Float, Float, Float) {
        let t2 = t * t, t3 = t2 * t
        return (-0.5 * t3 + t2 - 0.5 * t,
                1.5 * t3 - 2.5 * t2 + 1,
                -1.5 * t3 + 2 * t2 + 0.5 * t,
                0.5 * t3 - 0.5 * t2)
    }

    /// `taps`: twelve planes of `blockPixels` words, three per source row: R0 G0 B0 R1 | G1 B1 R2 G2 |
    /// B2 R3 G3 B3 (little-endian). Conversions avoid Swift's trapping Float→Int (its range check stops
    /// vectorisation).
    @inlinable @inline(__always)
    public static func bicubicBlend(_ taps: UnsafePointer<UInt32>, fractionX: UInt32, stepX: UInt32,
                                     fractionY: UInt32, stepY: UInt32, _ o: UnsafeMutablePointer<UInt8>, _ count: Int) {
        @inline(__always) func byte(_ w: UInt32, _ k: UInt32) -> Float { Float(Int32(bitPattern: (w &>> (8 &* k)) & 0xFF)) }
        @inline(__always) func unit(_ f: UInt32) -> Float { Float(Int32(bitPattern: f &>> 8)) * (1 / 16_777_216) }
        for i in 0..<count {
            let n = UInt32(truncatingIfNeeded: i)
            let (x0, x1, x2, x3) = cubicWeights(unit(fractionX &+ n &* stepX))
            let (y0, y1, y2, y3) = cubicWeights(unit(fractionY &+ n &* stepY))
            var r: Float = 0, g: Float = 0, b: Float = 0
            @inline(__always) func row(_ k: Int, _ wy: Float) {
                let a = taps[(3 &* k) &* blockPixels &+ i], c = taps[(3 &* k &+ 1) &* blockPixels &+ i]
                let e = taps[(3 &* k &+ 2) &* blockPixels &+ i]
                r += (byte(a, 0) * x0 + byte(a, 3) * x1 + byte(c, 2) * x2 + byte(e, 1) * x3) * wy
                g += (byte(a, 1) * x0 + byte(c, 0) * x1 + byte(c, 3) * x2 + byte(e, 2) * x3) * wy
                b += (byte(a, 2) * x0 + byte(c, 1) * x1 + byte(e, 0) * x2 + byte(e, 3) * x3) * wy
            }
            row(0, y0); row(1, y1); row(2, y2); row(3, y3)
            o[3 &* i] = roundedByte(r); o[3 &* i &+ 1] = roundedByte(g); o[3 &* i &+ 2] = roundedByte(b)
        }
    }

    /// Clamps to 0…255 and rounds to nearest: adding 1.5·2²³ leaves the integer in the low mantissa bits.
    @inlinable @inline(__always)
    public static func roundedByte(_ value: Float) -> UInt8 {
        UInt8(truncatingIfNeeded: (min(max(value, 0), 255) + 12_582_912).bitPattern)
    }
}
