/// The inference kernels of one instruction-set path. Each conforming type forwards to the generic bodies
/// in `NeuralKernels`, which the compiler inlines and compiles with the conforming module's `-target-cpu`:
/// `NeuralKernelsBaseline` here, `NeuralKernelsAVX2` and `NeuralKernelsAVX512` in their own modules.
///
/// Each conformance spells its forwarding out with concrete types (a protocol extension's default would
/// stay a call into this module's unspecialised code), and uses a `MultiplyAdd` type of its own module:
/// the specialisations' symbol names then differ per path, so the linker cannot merge an AVX-512 copy into
/// the AVX2 path.
package protocol NeuralKernelSet {
    typealias Window = NeuralKernels.Window
    typealias Clamp = NeuralKernels.Clamp
    typealias Epilogue = NeuralKernels.Epilogue

    static var path: KernelPath { get }

    static func convolution(_ source: UnsafePointer<Float>, rowFloats: Int, _ w: Window, weights: UnsafePointer<Float>,
                            bias: UnsafePointer<Float>, epilogue: Epilogue, output: UnsafeMutablePointer<Float>, rows: Range<Int>)
    static func convolutionIm2col(_ source: UnsafePointer<Float>, rowFloats: Int, _ w: Window, weights: UnsafePointer<Float>,
                                  bias: UnsafePointer<Float>, epilogue: Epilogue, output: UnsafeMutablePointer<Float>,
                                  patches: UnsafeMutablePointer<Float>, rows: Range<Int>)
    static func depthwiseConvolution(_ source: UnsafePointer<Float>, rowFloats: Int, _ w: Window, weights: UnsafePointer<Float>,
                                     bias: UnsafePointer<Float>, clamp: Clamp, output: UnsafeMutablePointer<Float>, rows: Range<Int>)
    static func depthwise3x3(_ input: UnsafePointer<Float>, _ w: Window, zeros: UnsafePointer<Float>, weights: UnsafePointer<Float>,
                             bias: UnsafePointer<Float>, clamp: Clamp, output: UnsafeMutablePointer<Float>, rows: Range<Int>)
    static func maxPool(_ input: UnsafePointer<Float>, _ w: Window, clamp: Clamp, output: UnsafeMutablePointer<Float>)
    static func add(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int, clamp: Clamp, output: UnsafeMutablePointer<Float>)
    static func relu(_ a: UnsafePointer<Float>, count: Int, output: UnsafeMutablePointer<Float>)
    static func prelu(_ a: UnsafePointer<Float>, alpha: UnsafePointer<Float>, pixels: Int, channels: Int,
                      output: UnsafeMutablePointer<Float>)
}

/// The baseline path: x86-64-v2 without FMA, or NEON (which has it).
package enum NeuralKernelsBaseline: NeuralKernelSet {
    #if arch(x86_64)
    typealias Arithmetic = SeparateMultiplyAdd
    #else
    typealias Arithmetic = FusedMultiplyAdd
    #endif
    package static var path: KernelPath { .baseline }
    /// Output pixels per register tile of the convolutions (see `NeuralKernels.convolution`).
    static var tile: Int { 4 }

    package static func convolution(_ source: UnsafePointer<Float>, rowFloats: Int, _ w: Window, weights: UnsafePointer<Float>,
                                    bias: UnsafePointer<Float>, epilogue: Epilogue, output: UnsafeMutablePointer<Float>, rows: Range<Int>) {
        NeuralKernels.convolution(Arithmetic.self, tile: tile, halves: true, source, rowFloats: rowFloats, w, weights: weights, bias: bias, epilogue: epilogue,
                                  output: output, rows: rows)
    }

    package static func convolutionIm2col(_ source: UnsafePointer<Float>, rowFloats: Int, _ w: Window, weights: UnsafePointer<Float>,
                                          bias: UnsafePointer<Float>, epilogue: Epilogue, output: UnsafeMutablePointer<Float>,
                                          patches: UnsafeMutablePointer<Float>, rows: Range<Int>) {
        NeuralKernels.convolutionIm2col(Arithmetic.self, tile: tile, halves: true, source, rowFloats: rowFloats, w, weights: weights, bias: bias,
                                        epilogue: epilogue, output: output, patches: patches, rows: rows)
    }

    package static func depthwiseConvolution(_ source: UnsafePointer<Float>, rowFloats: Int, _ w: Window, weights: UnsafePointer<Float>,
                                             bias: UnsafePointer<Float>, clamp: Clamp, output: UnsafeMutablePointer<Float>, rows: Range<Int>) {
        NeuralKernels.depthwiseConvolution(Arithmetic.self, source, rowFloats: rowFloats, w, weights: weights, bias: bias,
                                           clamp: clamp, output: output, rows: rows)
    }

    package static func depthwise3x3(_ input: UnsafePointer<Float>, _ w: Window, zeros: UnsafePointer<Float>, weights: UnsafePointer<Float>,
                                     bias: UnsafePointer<Float>, clamp: Clamp, output: UnsafeMutablePointer<Float>, rows: Range<Int>) {
        NeuralKernels.depthwise3x3(Arithmetic.self, input, w, zeros: zeros, weights: weights, bias: bias, clamp: clamp,
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
