import FaceAnalysis
import KernelDispatch
import Kernels
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Each inference kernel against a plain scalar loop on small tensors (odd channel counts reach the
/// vector tails; sizes not divisible by 4 reach the pixel tails), on every instruction-set path this
/// processor supports (`KernelDispatch.supported`).
@Suite struct KernelTests {
    typealias Window = NeuralKernels.Window

    func window(h: Int, w: Int, inC: Int, outC: Int, k: (Int, Int), stride: Int, same: Bool) -> Window {
        let (oh, top) = Window.outputSize(input: h, kernel: k.0, stride: stride, same: same)
        let (ow, left) = Window.outputSize(input: w, kernel: k.1, stride: stride, same: same)
        return Window(inH: h, inW: w, inC: inC, outH: oh, outW: ow, outC: outC, kernelH: k.0, kernelW: k.1,
                      strideH: stride, strideW: stride, padTop: top, padLeft: left)
    }

    /// TFLite semantics in plain loops: weights `[O][KH][KW][I]`, zero outside the input.
    func referenceConvolution(_ x: [Float], _ wt: [Float], _ bias: [Float], _ g: Window, depthwise: Bool) -> [Float] {
        var out = [Float](repeating: 0, count: g.outH * g.outW * g.outC)
        for oy in 0..<g.outH {
            for ox in 0..<g.outW {
                for o in 0..<g.outC {
                    var sum = Double(bias[o])
                    for ky in 0..<g.kernelH {
                        for kx in 0..<g.kernelW {
                            let iy = oy * g.strideH + ky - g.padTop, ix = ox * g.strideW + kx - g.padLeft
                            guard iy >= 0, iy < g.inH, ix >= 0, ix < g.inW else { continue }
                            if depthwise {
                                sum += Double(x[(iy * g.inW + ix) * g.inC + o]) * Double(wt[(ky * g.kernelW + kx) * g.outC + o])
                            } else {
                                for i in 0..<g.inC {
                                    sum += Double(x[(iy * g.inW + ix) * g.inC + i])
                                        * Double(wt[((o * g.kernelH + ky) * g.kernelW + kx) * g.inC + i])
                                }
                            }
                        }
                    }
                    out[(oy * g.outW + ox) * g.outC + o] = Float(sum)
                }
            }
        }
        return out
    }

    func maxDifference(_ a: [Float], _ b: [Float]) -> Float {
        zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
    }

    /// Runs the kernel the interpreter would run, padding first when the window needs it.
    func run(_ kernels: any NeuralKernelSet.Type, _ x: [Float], _ g: Window, depthwise: Bool, im2col: Bool, weights: [Float],
             bias: [Float], residual: [Float]? = nil, residualClamp: NeuralKernels.Clamp = .none, alpha: [Float]? = nil) -> [Float] {
        let slack = [Float](repeating: .nan, count: NeuralKernels.arenaSlack) // read, never used (see arenaSlack)
        let residualCopy = (residual ?? [0]) + slack, alphaCopy = (alpha ?? []) + [Float](repeating: 0, count: 16)
        var out = [Float](repeating: .nan, count: g.outH * g.outW * g.outC)
        var padded = [Float](repeating: .nan, count: max(g.paddedCount, 1))
        var patches = [Float](repeating: .nan, count: g.outW * g.kernelH * g.kernelW * g.inC)
        x.withUnsafeBufferPointer { xp in
            padded.withUnsafeMutableBufferPointer { pp in
                var source = xp.baseAddress!, rowFloats = g.inW * g.inC
                if g.needsPadding {
                    NeuralKernels.padSpatially(xp.baseAddress!, g, into: pp.baseAddress!)
                    source = UnsafePointer(pp.baseAddress!)
                    rowFloats = g.paddedW * g.inC
                }
                weights.withUnsafeBufferPointer { wp in
                    bias.withUnsafeBufferPointer { bp in
                        out.withUnsafeMutableBufferPointer { op in
                            patches.withUnsafeMutableBufferPointer { pa in
                                if depthwise {
                                    if g.kernelH == 3, g.kernelW == 3 {
                                        let zeros = [Float](repeating: 0, count: g.inW * g.inC)
                                        kernels.depthwise3x3(xp.baseAddress!, g, zeros: zeros, weights: wp.baseAddress!,
                                                             bias: bp.baseAddress!, clamp: .none, output: op.baseAddress!, rows: 0..<g.outH)
                                    } else {
                                        kernels.depthwiseConvolution(source, rowFloats: rowFloats, g, weights: wp.baseAddress!,
                                                                           bias: bp.baseAddress!, clamp: .none, output: op.baseAddress!, rows: 0..<g.outH)
                                    }
                                } else {
                                    residualCopy.withUnsafeBufferPointer { rp in
                                        alphaCopy.withUnsafeBufferPointer { ap in
                                            let epilogue = NeuralKernels.Epilogue(
                                                clamp: .none, residual: residual == nil ? nil : rp.baseAddress!,
                                                residualClamp: residualClamp, alpha: alpha == nil ? nil : ap.baseAddress!)
                                            if im2col {
                                                kernels.convolutionIm2col(source, rowFloats: rowFloats, g, weights: wp.baseAddress!,
                                                                          bias: bp.baseAddress!, epilogue: epilogue, output: op.baseAddress!,
                                                                          patches: pa.baseAddress!, rows: 0..<g.outH)
                                            } else {
                                                kernels.convolution(source, rowFloats: rowFloats, g, weights: wp.baseAddress!,
                                                                    bias: bp.baseAddress!, epilogue: epilogue, output: op.baseAddress!,
                                                                    rows: 0..<g.outH)
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return out
    }

    @Test(arguments: [(1, 1), (2, 2), (3, 3), (5, 5)], KernelDispatch.supported)
    func convolutionMatchesScalarReference(kernel: (Int, Int), path: KernelPath) {
        var random = TestRandom(seed: UInt64(kernel.0 * 7))
        for stride in [1, 2] {
            for same in [true, false] {
                for (inC, outC) in [(3, 20), (8, 16), (13, 37), (5, 28), (7, 26), (4, 24)] {
                    let g = window(h: 11, w: 10, inC: inC, outC: outC, k: kernel, stride: stride, same: same)
                    let x = random.floats(g.inH * g.inW * inC)
                    let weights = random.floats(outC * kernel.0 * kernel.1 * inC)
                    let bias = random.floats(outC)
                    let expected = referenceConvolution(x, weights, bias, g, depthwise: false)
                    let packed = NeuralKernels.packConvolution(weights: weights, bias: bias, outC: outC, kernelH: kernel.0,
                                                               kernelW: kernel.1, inC: inC)
                    for im2col in [false, true] {
                        let got = run(KernelDispatch.neural(path), x, g, depthwise: false, im2col: im2col, weights: packed.weights, bias: packed.bias)
                        #expect(maxDifference(got, expected) < 1e-4,
                                "conv \(kernel) stride \(stride) \(same ? "SAME" : "VALID") \(inC)→\(outC) im2col \(im2col)")
                    }
                }
            }
        }
    }

    /// A fused ADD (+ activation) and PRELU in the convolution's store, against the operators one after another.
    @Test(arguments: KernelDispatch.supported)
    func fusedEpilogueMatchesTheSeparateOperators(path: KernelPath) {
        var random = TestRandom(seed: 11)
        for (k, inC, outC) in [(1, 24, 32), (1, 13, 37), (3, 8, 16), (3, 5, 21), (1, 9, 28), (1, 12, 24), (5, 3, 26)] {
            for im2col in [false, true] {
                let g = window(h: 9, w: 11, inC: inC, outC: outC, k: (k, k), stride: 1, same: true)
                let x = random.floats(g.inH * g.inW * inC), weights = random.floats(outC * k * k * inC), bias = random.floats(outC)
                let residual = random.floats(g.outH * g.outW * outC), alpha = random.floats(outC)
                let packed = NeuralKernels.packConvolution(weights: weights, bias: bias, outC: outC, kernelH: k, kernelW: k, inC: inC)
                let plain = referenceConvolution(x, weights, bias, g, depthwise: false)
                let added = zip(plain, residual).map { min(max($0 + $1, -1), 1) }
                let expected = added.enumerated().map { $1 < 0 ? $1 * alpha[$0 % outC] : $1 }
                let got = run(KernelDispatch.neural(path), x, g, depthwise: false, im2col: im2col, weights: packed.weights,
                              bias: packed.bias, residual: residual, residualClamp: .reluMinus1To1, alpha: alpha)
                #expect(maxDifference(got, expected) < 1e-4, "fused \(k)×\(k) \(inC)→\(outC) im2col \(im2col)")
                let preluOnly = plain.enumerated().map { $1 < 0 ? $1 * alpha[$0 % outC] : $1 }
                let gotPrelu = run(KernelDispatch.neural(path), x, g, depthwise: false, im2col: im2col, weights: packed.weights,
                                   bias: packed.bias, alpha: alpha)
                #expect(maxDifference(gotPrelu, preluOnly) < 1e-4, "prelu \(k)×\(k) \(inC)→\(outC) im2col \(im2col)")
            }
        }
    }

    @Test(arguments: KernelDispatch.supported)
    func depthwiseMatchesScalarReference(path: KernelPath) {
        var random = TestRandom(seed: 3)
        for stride in [1, 2] {
            for same in [true, false] {
                for (c, h, w) in [(8, 9, 7), (12, 9, 7), (28, 9, 7), (42, 6, 8), (5, 7, 9), (16, 3, 3), (9, 4, 2), (24, 2, 5)] {
                    let g = window(h: h, w: w, inC: c, outC: c, k: (3, 3), stride: stride, same: same)
                    guard g.outH > 0, g.outW > 0 else { continue }
                    let x = random.floats(g.inH * g.inW * c), weights = random.floats(9 * c), bias = random.floats(c)
                    let expected = referenceConvolution(x, weights, bias, g, depthwise: true)
                    let got = run(KernelDispatch.neural(path), x, g, depthwise: true, im2col: false, weights: weights, bias: bias)
                    #expect(maxDifference(got, expected) < 1e-5, "depthwise stride \(stride) \(same) C \(c)")
                }
            }
        }
    }

    @Test func theKernelsVariableIsFollowedOrRefusedByName() {
        let avx2Machine: [KernelPath] = [.baseline, .avx2]
        #expect(KernelDispatch.choose(nil, supported: avx2Machine) == .success(.avx2))
        #expect(KernelDispatch.choose("", supported: avx2Machine) == .success(.avx2))
        #expect(KernelDispatch.choose("baseline", supported: avx2Machine) == .success(.baseline))
        #expect(KernelDispatch.choose("avx512", supported: avx2Machine) == .failure(.unsupportedPath(.avx512, supported: avx2Machine)))
        #expect(KernelDispatch.choose("sse", supported: avx2Machine) == .failure(.unknownPath("sse")))
        #expect("\(KernelSelectionError.unsupportedPath(.avx512, supported: avx2Machine))".contains("supports only baseline, avx2"))
        #expect(KernelDispatch.supported.contains(KernelDispatch.active))
        #expect(KernelDispatch.supported.first == .baseline)
        #if arch(x86_64)
        #expect(KernelDispatch.paths(forLevel: 1) == [.baseline])
        #expect(KernelDispatch.paths(forLevel: 3) == [.baseline, .avx2, .avx512])
        #endif
    }

    @Test func clampOfFusedActivations() {
        let v = NeuralKernels.Vector(-3, -0.5, 0, 0.5, 2, 7, -7, 1)
        #expect(NeuralKernels.Clamp.relu6.apply(v) == NeuralKernels.Vector(0, 0, 0, 0.5, 2, 6, 0, 1))
        #expect(NeuralKernels.Clamp.reluMinus1To1.apply(v) == NeuralKernels.Vector(-1, -0.5, 0, 0.5, 1, 1, -1, 1))
        #expect(NeuralKernels.Clamp.none.apply(v) == v)
    }

    @Test(arguments: KernelDispatch.supported)
    func maxPoolMatchesScalarReference(path: KernelPath) {
        var random = TestRandom(seed: 5)
        for same in [true, false] {
            let g = window(h: 7, w: 6, inC: 5, outC: 5, k: (2, 2), stride: 2, same: same)
            let x = random.floats(g.inH * g.inW * 5)
            var out = [Float](repeating: .nan, count: g.outH * g.outW * 5)
            KernelDispatch.neural(path).maxPool(x, g, clamp: .none, output: &out)
            for oy in 0..<g.outH {
                for ox in 0..<g.outW {
                    for c in 0..<5 {
                        var m = -Float.infinity
                        for y in (oy * 2)..<min(oy * 2 + 2, g.inH) {
                            for x0 in (ox * 2)..<min(ox * 2 + 2, g.inW) { m = max(m, x[(y * g.inW + x0) * 5 + c]) }
                        }
                        #expect(out[(oy * g.outW + ox) * 5 + c] == m)
                    }
                }
            }
        }
    }

    @Test(arguments: KernelDispatch.supported)
    func elementwiseKernels(path: KernelPath) {
        let kernels = KernelDispatch.neural(path)
        var random = TestRandom(seed: 9)
        let a = random.floats(45), b = random.floats(45), alpha = random.floats(9)
        var out = [Float](repeating: .nan, count: 45)
        kernels.add(a, b, count: 45, clamp: .relu, output: &out)
        #expect(out == zip(a, b).map { max($0 + $1, 0) })
        kernels.relu(a, count: 45, output: &out)
        #expect(out == a.map { max($0, 0) })
        kernels.prelu(a, alpha: alpha, pixels: 5, channels: 9, output: &out)
        #expect(out == a.indices.map { a[$0] < 0 ? a[$0] * alpha[$0 % 9] : a[$0] })
    }

    @Test func padIncludingChannels() {
        var random = TestRandom(seed: 11)
        let x = random.floats(2 * 3 * 4)
        let inShape = [1, 2, 3, 4], before = [0, 1, 0, 0], outShape = [1, 4, 4, 10]
        var out = [Float](repeating: .nan, count: 4 * 4 * 10)
        NeuralKernels.pad(x, inShape: inShape, before: before, outShape: outShape, output: &out)
        for y in 0..<4 {
            for xx in 0..<4 {
                for c in 0..<10 {
                    let sy = y - 1
                    let expected: Float = (sy >= 0 && sy < 2 && xx < 3 && c < 4) ? x[(sy * 3 + xx) * 4 + c] : 0
                    #expect(out[(y * 4 + xx) * 10 + c] == expected)
                }
            }
        }
    }

    /// Channels added at the end only (the one-pass path BlazeFace's residual branches take).
    @Test func padOfChannelsAlone() {
        var random = TestRandom(seed: 12)
        for (c, oc) in [(24, 28), (5, 16), (8, 8), (13, 21)] {
            let x = random.floats(3 * 5 * c)
            var out = [Float](repeating: .nan, count: 3 * 5 * oc)
            NeuralKernels.pad(x, inShape: [1, 3, 5, c], before: [0, 0, 0, 0], outShape: [1, 3, 5, oc], output: &out)
            for p in 0..<15 {
                for k in 0..<oc { #expect(out[p * oc + k] == (k < c ? x[p * c + k] : 0), "\(c)→\(oc) pixel \(p) channel \(k)") }
            }
        }
    }

    /// RESIZE_BILINEAR against a scalar reference written from TensorFlow Lite's reference kernel, pixel by pixel:
    /// upsampling ×2 as BlazePalm does (half-pixel centres), odd sizes, downsampling, and align_corners.
    @Test(arguments: [(6, 6, 12, 12, false, true), (12, 12, 24, 24, false, true), (3, 5, 7, 4, false, true),
                      (5, 4, 2, 3, false, true), (4, 6, 9, 11, true, false), (4, 6, 9, 11, false, false), (1, 1, 3, 2, false, true)])
    func resizeBilinearMatchesTheReference(shape: (Int, Int, Int, Int, Bool, Bool)) {
        let (inH, inW, outH, outW, alignCorners, halfPixel) = shape
        let channels = 5
        var random = TestRandom(seed: 31)
        let x = random.floats(inH * inW * channels)
        var out = [Float](repeating: .nan, count: outH * outW * channels)
        NeuralKernels.resizeBilinear(x, inH: inH, inW: inW, channels: channels, outH: outH, outW: outW,
                                     alignCorners: alignCorners, halfPixelCenters: halfPixel, output: &out)
        func scale(_ i: Int, _ o: Int) -> Float { alignCorners && o > 1 ? Float(i - 1) / Float(o - 1) : Float(i) / Float(o) }
        for y in 0..<outH {
            for xx in 0..<outW {
                let iy = halfPixel ? (Float(y) + 0.5) * scale(inH, outH) - 0.5 : Float(y) * scale(inH, outH)
                let ix = halfPixel ? (Float(xx) + 0.5) * scale(inW, outW) - 0.5 : Float(xx) * scale(inW, outW)
                let y0 = max(Int(iy.rounded(.down)), 0), y1 = min(Int(iy.rounded(.up)), inH - 1)
                let x0 = max(Int(ix.rounded(.down)), 0), x1 = min(Int(ix.rounded(.up)), inW - 1)
                for c in 0..<channels {
                    func v(_ yy: Int, _ xi: Int) -> Float { x[(yy * inW + xi) * channels + c] }
                    let expected = v(y0, x0) * (1 - (iy - Float(y0))) * (1 - (ix - Float(x0))) + v(y1, x0) * (iy - Float(y0)) * (1 - (ix - Float(x0)))
                        + v(y0, x1) * (1 - (iy - Float(y0))) * (ix - Float(x0)) + v(y1, x1) * (iy - Float(y0)) * (ix - Float(x0))
                    let got = out[(y * outW + xx) * channels + c]
                    #expect(abs(got - expected) <= 1e-6, "\(shape) at \(y),\(xx),\(c): \(got) vs \(expected)")
                }
            }
        }
        // A constant stays constant wherever the samples fall (edges included).
        let flat = [Float](repeating: 0.25, count: inH * inW * channels)
        NeuralKernels.resizeBilinear(flat, inH: inH, inW: inW, channels: channels, outH: outH, outW: outW,
                                     alignCorners: alignCorners, halfPixelCenters: halfPixel, output: &out)
        #expect(out.allSatisfy { abs($0 - 0.25) < 1e-6 })
    }

    /// MEAN over height and width, FULLY_CONNECTED (with bias and clamp) and LOGISTIC against plain loops.
    @Test func meanFullyConnectedAndLogistic() {
        var random = TestRandom(seed: 41)
        let x = random.floats(7 * 5 * 13)
        var mean = [Float](repeating: .nan, count: 13)
        NeuralKernels.meanOverPixels(x, pixels: 35, channels: 13, output: &mean)
        for c in 0..<13 {
            let expected = (0..<35).reduce(Float(0)) { $0 + x[$1 * 13 + c] } / 35
            #expect(abs(mean[c] - expected) < 1e-6)
        }
        let input = random.floats(2 * 11), weights = random.floats(3 * 11), bias = random.floats(3)
        var out = [Float](repeating: .nan, count: 6)
        NeuralKernels.fullyConnected(input, weights: weights, bias: bias, batches: 2, rows: 3, columns: 11,
                                     clamp: NeuralKernels.Clamp(low: -0.5, high: 0.5), output: &out)
        for b in 0..<2 {
            for r in 0..<3 {
                let sum = (0..<11).reduce(bias[r]) { $0 + weights[r * 11 + $1] * input[b * 11 + $1] }
                #expect(abs(out[b * 3 + r] - min(max(sum, -0.5), 0.5)) < 1e-5)
            }
        }
        let logits: [Float] = [-100, -3, 0, 2.5, 100]
        var probabilities = [Float](repeating: .nan, count: 5)
        NeuralKernels.logistic(logits, count: 5, output: &probabilities)
        for (p, l) in zip(probabilities, logits) { #expect(abs(Double(p) - 1 / (1 + exp(-Double(l)))) < 1e-6) }
    }

    @Test func concatenateAlongAnAxis() {
        let a: [Float] = [1, 2, 3, 4], b: [Float] = [5, 6, 7, 8, 9, 10]
        let base = a + b
        var out = [Float](repeating: .nan, count: 10)
        // Two rows: a is 2×2, b is 2×3, concatenated along the last axis.
        NeuralKernels.concatenate(base: base, [(0, 2), (4, 3)], outer: 2, output: &out)
        #expect(out == [1, 2, 5, 6, 7, 3, 4, 8, 9, 10])
    }

    @Test func halfPrecisionConversion() {
        #expect(NeuralKernels.float(fromHalf: 0x3C00) == 1)
        #expect(NeuralKernels.float(fromHalf: 0xC000) == -2)
        #expect(NeuralKernels.float(fromHalf: 0x7BFF) == 65504)
        #expect(NeuralKernels.float(fromHalf: 0x0001) == 5.960464477539063e-08)
        #expect(NeuralKernels.float(fromHalf: 0x7C00) == .infinity)
        #expect(NeuralKernels.float(fromHalf: 0x7E00).isNaN)
        #expect(NeuralKernels.float(fromHalf: 0x8000) == 0 && NeuralKernels.float(fromHalf: 0x8000).sign == .minus)
        #expect(NeuralKernels.float(fromHalf: 0x3555) == 0.333251953125)
    }
}
