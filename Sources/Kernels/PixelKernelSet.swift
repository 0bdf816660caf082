/// The pixel kernels of one instruction-set path: each conformance forwards to `PixelKernels`, whose
/// bodies are inlined into it and compiled with its module's `-target-cpu` (see `NeuralKernelSet`).
package protocol PixelKernelSet {
    /// A YUYV row (`pairs` pixel pairs at `source`) to RGB, split first into Y and U V rows in `scratch`
    /// (`4 × pairs` bytes).
    static func yuyvRow(_ source: UnsafePointer<UInt8>, pairs: Int, scratch: UnsafeMutablePointer<UInt8>,
                        into d: UnsafeMutablePointer<UInt8>, width: Int)
    /// The chroma terms of an NV12 chroma row, planar: red, green, blue, `pairs` each.
    static func nv12ChromaTerms(_ uvs: UnsafePointer<UInt8>, terms: UnsafeMutablePointer<Int16>, pairs: Int)
    /// An NV12 luma row with its chroma row's terms (`uvs` only for an odd last column).
    static func nv12Row(_ ys: UnsafePointer<UInt8>, terms: UnsafePointer<Int16>, pairs: Int, _ uvs: UnsafePointer<UInt8>,
                        into d: UnsafeMutablePointer<UInt8>, width: Int)
    /// `count` RGB pixels to grey.
    static func gray(_ s: UnsafePointer<UInt8>, into d: UnsafeMutablePointer<UInt8>, count: Int)
    /// `acc[i] += row[i] · weight`.
    static func accumulate(_ row: UnsafePointer<UInt8>, weight: Float, into acc: UnsafeMutablePointer<Float>, count: Int)
    static func bilinearBlend(_ upper: UnsafePointer<UInt32>, _ lower: UnsafePointer<UInt32>, fractionX: UInt32, stepX: UInt32,
                              fractionY: UInt32, stepY: UInt32, _ o: UnsafeMutablePointer<UInt8>, _ count: Int)
    static func bicubicBlend(_ taps: UnsafePointer<UInt32>, fractionX: UInt32, stepX: UInt32, fractionY: UInt32, stepY: UInt32,
                             _ o: UnsafeMutablePointer<UInt8>, _ count: Int)
}

/// The baseline path's pixel kernels (x86-64-v2, or NEON).
package enum PixelKernelsBaseline: PixelKernelSet {
    package static func yuyvRow(_ source: UnsafePointer<UInt8>, pairs: Int, scratch: UnsafeMutablePointer<UInt8>,
                                into d: UnsafeMutablePointer<UInt8>, width: Int) {
        PixelKernels.splitYUYV(source, luma: scratch, chroma: scratch + 2 * pairs, pairs: pairs)
        PixelKernels.yuvRow(scratch, scratch + 2 * pairs, d, width: width)
    }

    package static func nv12ChromaTerms(_ uvs: UnsafePointer<UInt8>, terms: UnsafeMutablePointer<Int16>, pairs: Int) {
        PixelKernels.chromaTerms(uvs, red: terms, green: terms + pairs, blue: terms + 2 * pairs, pairs: pairs)
    }

    package static func nv12Row(_ ys: UnsafePointer<UInt8>, terms: UnsafePointer<Int16>, pairs: Int, _ uvs: UnsafePointer<UInt8>,
                                into d: UnsafeMutablePointer<UInt8>, width: Int) {
        PixelKernels.nv12Row(ys, red: terms, green: terms + pairs, blue: terms + 2 * pairs, uvs, d, width: width)
    }

    package static func gray(_ s: UnsafePointer<UInt8>, into d: UnsafeMutablePointer<UInt8>, count: Int) {
        PixelKernels.grayRun(s, d, count: count)
    }

    package static func accumulate(_ row: UnsafePointer<UInt8>, weight: Float, into acc: UnsafeMutablePointer<Float>, count: Int) {
        PixelKernels.accumulate(row, weight: weight, into: acc, count: count)
    }

    package static func bilinearBlend(_ upper: UnsafePointer<UInt32>, _ lower: UnsafePointer<UInt32>, fractionX: UInt32, stepX: UInt32,
                                      fractionY: UInt32, stepY: UInt32, _ o: UnsafeMutablePointer<UInt8>, _ count: Int) {
        PixelKernels.bilinearBlend(upper, lower, fractionX: fractionX, stepX: stepX, fractionY: fractionY, stepY: stepY, o, count)
    }

    package static func bicubicBlend(_ taps: UnsafePointer<UInt32>, fractionX: UInt32, stepX: UInt32, fractionY: UInt32, stepY: UInt32,
                                     _ o: UnsafeMutablePointer<UInt8>, _ count: Int) {
        PixelKernels.bicubicBlend(taps, fractionX: fractionX, stepX: stepX, fractionY: fractionY, stepY: stepY, o, count)
    }
}
