#if arch(x86_64)
import Kernels

/// The inference kernels compiled for x86-64-v4 (this module's `-target-cpu`, see Package.swift): the
/// bodies come from `NeuralKernels`, inlined here.
package enum NeuralKernelsAVX512: NeuralKernelSet {
    typealias Arithmetic = AVX512MultiplyAdd
    package static var path: KernelPath { .avx512 }
    /// Output pixels per register tile of the convolutions (see `NeuralKernels.convolution`).
    static var tile: Int { 8 }

    package static func convolution(_ source: UnsafePointer<Float>, rowFloats: Int, _ w: Window, weights: UnsafePointer<Float>,
                                    bias: UnsafePointer<Float>, epilogue: Epilogue, output: UnsafeMutablePointer<Float>, rows: Range<Int>) {
        NeuralKernels.convolution(Arithmetic.self, tile: tile, source, rowFloats: rowFloats, w, weights: weights, bias: bias, epilogue: epilogue,
                                  output: output, rows: rows)
    }

    package static func convolutionIm2col(_ source: UnsafePointer<Float>, rowFloats: Int, _ w: Window, weights: UnsafePointer<Float>,
                                          bias: UnsafePointer<Float>, epilogue: Epilogue, output: UnsafeMutablePointer<Float>,
                                          patches: UnsafeMutablePointer<Float>, rows: Range<Int>) {
        NeuralKernels.convolutionIm2col(Arithmetic.self, tile: tile, source, rowFloats: rowFloats, w, weights: weights, bias: bias,
                                        epilogue: epilogue, output: output, patches: patches, rows: rows)
    }

    package static func depthwiseConvolution(_ source: UnsafePointer<Float>, rowFloats: Int, _ w: Window, weights: UnsafePointer<Float>,
                                             bias: UnsafePointer<Float>, clamp: Clamp, output: UnsafeMutablePointer<Float>, rows: Range<Int>) {
        NeuralKernels.depthwiseConvolution(Arithmetic.self, source, rowFloats: rowFloats, w, weights: weights, bias: bias,
                                           clamp: clamp, output: output, rows: rows)
    }

    package static func depthwise3x3(_ input: UnsafePointer<Float>, _ w: Window, zeros: UnsafePointer<Float>, weights: UnsafePointer<Float>,
                                     bias: UnsafePointer<Float>, clamp: Clamp, output: UnsafeMutablePointer<Float>, rows: Range<Int>) {
        NeuralKernels.depthwise3x3Wide(Arithmetic.self, input, w, zeros: zeros, weights: weights, bias: bias, clamp: clamp,
                                   output: output, rows: rows)
    }

    package static func maxPool(_ input: UnsafePointer<Float>, _ w: Window, clamp: Clamp, output: UnsafeMutablePointer<Float>) {
        NeuralKernels.maxPool(Arithmetic.self, input, w, clamp: clamp, output: output)
    }

    package static func add(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int, clamp: Clamp,
                            output: UnsafeMutablePointer<Float>) {
        NeuralKernels.add(Arithmetic.self, a, b, count: count, clamp: clamp, output: output)
    }

    package static func relu(_ a: UnsafePointer<Float>, count: Int, output: UnsafeMutablePointer<Float>) {
        NeuralKernels.relu(Arithmetic.self, a, count: count, output: output)
    }

    package static func prelu(_ a: UnsafePointer<Float>, alpha: UnsafePointer<Float>, pixels: Int, channels: Int,
                              output: UnsafeMutablePointer<Float>) {
        NeuralKernels.prelu(Arithmetic.self, a, alpha: alpha, pixels: pixels, channels: channels, output: output)
    }
}

/// `FusedMultiplyAdd` under this module's own name (see `NeuralKernelSet` for why).
enum AVX512MultiplyAdd: MultiplyAdd {
    @inlinable @inline(__always)
    static func multiplyAdd(_ acc: SIMD8<Float>, _ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> {
        acc.addingProduct(a, b)
    }

    @inlinable @inline(__always)
    static func multiplyAdd(_ acc: SIMD16<Float>, _ a: SIMD16<Float>, _ b: SIMD16<Float>) -> SIMD16<Float> {
        acc.addingProduct(a, b)
    }
}
#endif
