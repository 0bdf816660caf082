import Imaging
import KernelDispatch
import Kernels
import Testing

/// Every pixel kernel on every instruction-set path this processor supports gives exactly the bytes of
/// the baseline path (integer arithmetic, and float without contraction, are exact on each); the other
/// Imaging tests hold the active path against the scalar formulas, and `make test` under
/// `FOTOBOX_KERNELS=baseline` holds the baseline there.
@Suite struct PixelKernelPathTests {
    struct Bytes {
        var state: UInt64
        mutating func next() -> UInt8 {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return UInt8(truncatingIfNeeded: state >> 24)
        }
        mutating func array(_ count: Int) -> [UInt8] { (0..<count).map { _ in next() } }
    }

    /// Runs `body` with the baseline kernels and with `path`'s, on fresh output buffers, and compares.
    func same<T: Equatable>(_ path: KernelPath, count: Int, zero: T,
                            _ body: (any PixelKernelSet.Type, UnsafeMutablePointer<T>) -> Void) -> Bool {
        var expected = [T](repeating: zero, count: count), got = [T](repeating: zero, count: count)
        expected.withUnsafeMutableBufferPointer { body(KernelDispatch.pixel(.baseline), $0.baseAddress!) }
        got.withUnsafeMutableBufferPointer { body(KernelDispatch.pixel(path), $0.baseAddress!) }
        return expected == got
    }

    @Test(arguments: KernelDispatch.supported)
    func colourConversionMatchesTheBaseline(path: KernelPath) {
        var random = Bytes(state: 0x1234_5678_9ABC_DEF1)
        for width in [1, 2, 7, 33, 640] {
            let pairs = (width + 1) / 2
            let yuyv = random.array(4 * pairs), luma = random.array(width), chroma = random.array(2 * pairs)
            var scratch = [UInt8](repeating: 0, count: 4 * pairs)
            #expect(same(path, count: 3 * width, zero: UInt8(0)) { kernels, out in
                scratch.withUnsafeMutableBufferPointer { kernels.yuyvRow(yuyv, pairs: pairs, scratch: $0.baseAddress!, into: out, width: width) }
            }, "YUYV width \(width)")
            #expect(same(path, count: 3 * width, zero: UInt8(0)) { kernels, out in
                var terms = [Int16](repeating: 0, count: 3 * (width / 2) + 1)
                terms.withUnsafeMutableBufferPointer { t in
                    kernels.nv12ChromaTerms(chroma, terms: t.baseAddress!, pairs: width / 2)
                    kernels.nv12Row(luma, terms: t.baseAddress!, pairs: width / 2, chroma, into: out, width: width)
                }
            }, "NV12 width \(width)")
            let rgb = random.array(3 * width)
            #expect(same(path, count: width, zero: UInt8(0)) { kernels, out in kernels.gray(rgb, into: out, count: width) },
                    "grey width \(width)")
        }
    }

    @Test(arguments: KernelDispatch.supported)
    func resizeAndWarpBlendsMatchTheBaseline(path: KernelPath) {
        var random = Bytes(state: 0x0F0F_1234_5555_AAAB)
        let row = random.array(301)
        #expect(same(path, count: 301, zero: Float(0)) { kernels, acc in
            kernels.accumulate(row, weight: 0.37, into: acc, count: 301)
            kernels.accumulate(row, weight: 0.63, into: acc, count: 301)
        })
        let blockPixels = PixelKernels.blockPixels
        for count in [1, 9, blockPixels] {
            let words = (0..<(12 * blockPixels)).map { _ in
                UInt32(random.next()) | UInt32(random.next()) << 8 | UInt32(random.next()) << 16 | UInt32(random.next()) << 24
            }
            #expect(same(path, count: 3 * count, zero: UInt8(0)) { kernels, out in
                words.withUnsafeBufferPointer { w in
                    kernels.bilinearBlend(w.baseAddress!, w.baseAddress! + 2 * blockPixels, fractionX: 0x1234_5678, stepX: 0x0F00_0000,
                                          fractionY: 0x9000_0000, stepY: 0x0123_4567, out, count)
                }
            }, "bilinear \(count)")
            #expect(same(path, count: 3 * count, zero: UInt8(0)) { kernels, out in
                words.withUnsafeBufferPointer { w in
                    kernels.bicubicBlend(w.baseAddress!, fractionX: 0x1234_5678, stepX: 0x0F00_0000, fractionY: 0x9000_0000,
                                         stepY: 0x0123_4567, out, count)
                }
            }, "bicubic \(count)")
        }
    }
}
