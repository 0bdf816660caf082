import KernelDispatch
import Kernels

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
/// measured slower on Swift 6.3. They live in `Kernels.PixelKernels` (with the coefficients below) and run
/// on the instruction-set path `KernelDispatch` chose; the comments here describe them.
public enum ColourConversion {
    // The coefficients (BT.601 limited range ×2^13, luma ×2^16) are defined once, in PixelKernels.

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
            let luma = scratch.baseAddress!
            image.pixels.withUnsafeMutableBufferPointer { target in
                let out = target.baseAddress!
                let kernels = KernelDispatch.pixel
                for y in 0..<height {
                    kernels.yuyvRow(base + y * stride, pairs: rowBytes / 4, scratch: luma, into: out + y * width * 3, width: width)
                }
            }
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
                let kernels = KernelDispatch.pixel
                for y in 0..<height {
                    let uvs = uvBase + (y / 2) * chromaStride
                    if y & 1 == 0 { kernels.nv12ChromaTerms(uvs, terms: terms, pairs: pairs) }
                    kernels.nv12Row(yBase + y * lumaStride, terms: terms, pairs: pairs, uvs, into: out + y * width * 3, width: width)
                }
            }
        }
    }

    // The terms of the 16-bit kernels (`PixelKernels.lumaTerm` … `storePair`), each sample given ×256 (in the high byte of a 16-bit lane).
    //
    // 16-bit arithmetic, so LLVM packs 16 lanes into an AVX2 register: unsigned high-half multiplies
    // (`vpmulhuw`) by Q13 coefficients give Q5 terms, each rounded down by less than 1/32; the offsets
    // (Y − 16, U − 128, V − 128 and the rounding half) are one constant per channel. Every channel stays
    // within ±1 of the exact formula (tested over all Y, U, V). The samples come as the high byte of a
    // loaded 16-bit word (masked, or the word shifted up): a byte widened and shifted instead lets LLVM
    // fold the shift into the constant and fall back to 32-bit multiplies.

    // MARK: Grey

    /// BT.601 luma `0.299 R + 0.587 G + 0.114 B` (full range, Q16 weights, rounded to nearest).
    public static func gray(fromRGB image: RGBImage) -> GrayImage {
        let count = image.width * image.height
        // Every byte is written below: no zero fill first.
        let pixels = [UInt8](unsafeUninitializedCapacity: count) { target, initialized in
            image.pixels.withUnsafeBufferPointer { source in
                if let s = source.baseAddress, let d = target.baseAddress { KernelDispatch.pixel.gray(s, into: d, count: count) }
            }
            initialized = count
        }
        return GrayImage(width: image.width, height: image.height, pixels: pixels)
    }

    // The grey conversion (`PixelKernels.grayRun`) works in blocks of 1024 pixels, whose planar
    // temporaries (3 bytes a pixel) stay in L1: first split into R, G and B planes, then weighted. A single
    // loop spent most of its time in shuffles (LLVM deinterleaves, then widens every byte to 16 bits with
    // more shuffles); from planes, two neighbouring pixels load as one 16-bit word and are split with a
    // mask and a shift, and the two results leave as one word again: the weighting needs no shuffle at all
    // (16% faster).
}
