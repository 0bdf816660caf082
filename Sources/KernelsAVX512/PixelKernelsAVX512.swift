#if arch(x86_64)
import Kernels

/// The pixel kernels compiled for x86-64-v4 (this module's `-target-cpu`): `PixelKernels`' bodies, inlined here.
package enum PixelKernelsAVX512: PixelKernelSet {
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
#endif
