/// The inference kernels of the TFLite runtime: NHWC float32, batch 1, raw pointers handed in once per
/// call, no allocation inside. Each has a scalar reference in Tests/FaceAnalysisTests/KernelTests.swift.
///
/// The kernels that depend on the instruction set are generic over `MultiplyAdd` and `@inlinable`: they are
/// compiled once per path, into this module for the baseline and into KernelsAVX2 and KernelsAVX512 with
/// those modules' `-target-cpu` (see `NeuralKernelSet`); `KernelDispatch` picks one at start. The enclosing
/// types are `public` (not `package`) because Swift 6.3 neither inlines nor specialises a generic method of a `package` type
/// in another module (measured: the AVX2 module then called this module's unspecialised baseline code).
///
/// Convolutions work on 16 output channels at a time (two 8-lane vectors) and 4 output pixels at a time,
/// with the weights packed at load as `[block][ky][kx][inC][16]`, so the innermost loop reads one
/// contiguous 64-byte weight row per input channel and broadcasts one input value per pixel.
public enum NeuralKernels {
    public typealias Vector = SIMD8<Float>

    /// Output channels per packed weight block.
    @inlinable public static var block: Int { 16 }

    /// Clamp bounds of a fused activation.
    public struct Clamp: Sendable, Equatable {
        public var low: Float
        public var high: Float
        @inlinable public init(low: Float, high: Float) { self.low = low; self.high = high }
        public static let none = Clamp(low: -.infinity, high: .infinity)
        public static let relu = Clamp(low: 0, high: .infinity)
        public static let relu6 = Clamp(low: 0, high: 6)
        public static let reluMinus1To1 = Clamp(low: -1, high: 1)

        @inlinable @inline(__always) public func apply(_ v: Vector) -> Vector {
            v.replacing(with: Vector(repeating: low), where: v .< low)
             .replacing(with: Vector(repeating: high), where: v .> high)
        }

        @inlinable @inline(__always) public func apply(_ v: Float) -> Float { min(max(v, low), high) }
    }

    /// What a convolution does to each sum on its way to the output, so that the operators TFLite puts after
    /// it need no pass of their own: the convolution's activation, then (an ADD fused in) the residual
    /// added and the ADD's activation, then (a PRELU fused in) the negative part scaled per channel.
    /// `residual` has the output's layout and is read at the element being written; `alpha` holds one
    /// slope per output channel, readable in whole blocks of 16 (the arena's 64-byte granules guarantee it).
    public struct Epilogue {
        public var clamp: Clamp
        public var residual: UnsafePointer<Float>?
        public var residualClamp: Clamp
        public var alpha: UnsafePointer<Float>?

        @inlinable public init(clamp: Clamp, residual: UnsafePointer<Float>? = nil, residualClamp: Clamp = .none,
                               alpha: UnsafePointer<Float>? = nil) {
            self.clamp = clamp; self.residual = residual; self.residualClamp = residualClamp; self.alpha = alpha
        }

        /// The same epilogue for an output that starts `floats` further on (a row block of the output).
        @inlinable @inline(__always) public func advanced(by floats: Int) -> Epilogue {
            Epilogue(clamp: clamp, residual: residual.map { $0 + floats }, residualClamp: residualClamp, alpha: alpha)
        }

        /// Sums for output element `index` (channel `channel`, a multiple of 8) → stored values.
        @inlinable @inline(__always) public func apply(_ v: Vector, index: Int, channel: Int) -> Vector {
            var r = clamp.apply(v)
            if let residual { r = residualClamp.apply(r + NeuralKernels.load(residual + index)) }
            if let alpha {
                r = r.replacing(with: r * NeuralKernels.load(alpha + channel), where: r .< Vector(repeating: 0))
            }
            return r
        }

        @inlinable @inline(__always) public func apply(_ v: Float, index: Int, channel: Int) -> Float {
            var r = clamp.apply(v)
            if let residual { r = residualClamp.apply(r + residual[index]) }
            if let alpha, r < 0 { r *= alpha[channel] }
            return r
        }
    }

    /// The geometry of a 2-D convolution or pooling window over an NHWC tensor.
    public struct Window: Sendable, Equatable {
        public var inH: Int, inW: Int, inC: Int
        public var outH: Int, outW: Int, outC: Int
        public var kernelH: Int, kernelW: Int
        public var strideH: Int, strideW: Int
        public var padTop: Int, padLeft: Int

        @inlinable public init(inH: Int, inW: Int, inC: Int, outH: Int, outW: Int, outC: Int, kernelH: Int, kernelW: Int,
                     strideH: Int, strideW: Int, padTop: Int, padLeft: Int) {
            self.inH = inH; self.inW = inW; self.inC = inC
            self.outH = outH; self.outW = outW; self.outC = outC
            self.kernelH = kernelH; self.kernelW = kernelW
            self.strideH = strideH; self.strideW = strideW
            self.padTop = padTop; self.padLeft = padLeft
        }

        /// TFLite's output size and leading padding for SAME or VALID.
        @inlinable public static func outputSize(input: Int, kernel: Int, stride: Int, same: Bool) -> (size: Int, padBefore: Int) {
            if same {
                let size = (input + stride - 1) / stride
                let total = max((size - 1) * stride + kernel - input, 0)
                return (size, total / 2)
            }
            return (input >= kernel ? (input - kernel) / stride + 1 : 0, 0)
        }

        /// Rows and columns of input (with padding) that the window reads.
        @inlinable public var paddedH: Int { (outH - 1) * strideH + kernelH }
        @inlinable public var paddedW: Int { (outW - 1) * strideW + kernelW }

        /// Whether the window reads outside the input (so the input must be copied into a zero-padded buffer).
        @inlinable public var needsPadding: Bool { padTop > 0 || padLeft > 0 || paddedH > inH || paddedW > inW }

        /// Floats of the zero-padded copy.
        @inlinable public var paddedCount: Int { needsPadding ? paddedH * paddedW * inC : 0 }
    }

    // MARK: - Padding copy

    /// Copies `input` (inH × inW × inC) into `padded` (paddedH × paddedW × inC) at (padTop, padLeft),
    /// zero around it.
    public static func padSpatially(_ input: UnsafePointer<Float>, _ w: Window, into padded: UnsafeMutablePointer<Float>) {
        let c = w.inC, rowFloats = w.paddedW * c
        for y in 0..<w.paddedH {
            let row = padded + y * rowFloats
            let sy = y - w.padTop
            guard sy >= 0, sy < w.inH else {
                row.update(repeating: 0, count: rowFloats)
                continue
            }
            let left = min(w.padLeft, w.paddedW)
            let copied = max(min(w.inW, w.paddedW - w.padLeft), 0)
            row.update(repeating: 0, count: left * c)
            (row + left * c).update(from: input + sy * w.inW * c, count: copied * c)
            let right = w.paddedW - left - copied
            if right > 0 { (row + (left + copied) * c).update(repeating: 0, count: right * c) }
        }
    }

    // MARK: - Convolution

    /// Packs TFLite conv weights `[outC][kH][kW][inC]` into `[block][kH][kW][inC][16]` (zero-filled beyond outC)
    /// and the bias into `[block × 16]`.
    public static func packConvolution(weights: [Float], bias: [Float]?, outC: Int, kernelH: Int, kernelW: Int,
                                        inC: Int) -> (weights: [Float], bias: [Float]) {
        let blocks = (outC + block - 1) / block
        let taps = kernelH * kernelW * inC
        var packed = [Float](repeating: 0, count: blocks * taps * block)
        for o in 0..<outC {
            let b = o / block, lane = o % block
            for t in 0..<taps { packed[(b * taps + t) * block + lane] = weights[o * taps + t] }
        }
        var packedBias = [Float](repeating: 0, count: blocks * block)
        if let bias { for o in 0..<outC { packedBias[o] = bias[o] } }
        return (packed, packedBias)
    }

    /// Convolution, direct: the padded input is read in place, window by window.
    /// `source` is the input itself or its padded copy (`rowFloats` floats per row).
    @inlinable @inline(__always)
    public static func convolution<M: MultiplyAdd>(_: M.Type, _ source: UnsafePointer<Float>, rowFloats: Int, _ w: Window,
                                    weights: UnsafePointer<Float>, bias: UnsafePointer<Float>, epilogue: Epilogue,
                                    output: UnsafeMutablePointer<Float>, rows: Range<Int>) {
        let blocks = (w.outC + block - 1) / block
        let taps = w.kernelH * w.kernelW * w.inC
        let pixelStep = w.strideW * w.inC
        for oy in rows {
            let rowBase = source + oy * w.strideH * rowFloats
            let outRow = oy * w.outW * w.outC
            for b in 0..<blocks {
                let wb = weights + b * taps * block
                let bb = bias + b * block
                let lanes = min(block, w.outC - b * block)
                var ox = 0
                while ox + 4 <= w.outW {
                    let p = rowBase + ox * pixelStep
                    var a = Accumulators4(bias: bb)
                    for ky in 0..<w.kernelH {
                        for kx in 0..<w.kernelW {
                            let x = p + ky * rowFloats + kx * w.inC
                            let wk = wb + (ky * w.kernelW + kx) * w.inC * block
                            a.accumulate(M.self, x, pixelStep: pixelStep, weights: wk, count: w.inC)
                        }
                    }
                    a.store(output, index: outRow + ox * w.outC + b * block, pixelStep: w.outC, channel: b * block,
                            lanes: lanes, epilogue: epilogue)
                    ox += 4
                }
                while ox < w.outW {
                    let p = rowBase + ox * pixelStep
                    var a0 = Vector(UnsafeRawPointer(bb).loadUnaligned(as: Vector.self))
                    var a1 = Vector(UnsafeRawPointer(bb + 8).loadUnaligned(as: Vector.self))
                    for ky in 0..<w.kernelH {
                        for kx in 0..<w.kernelW {
                            let x = p + ky * rowFloats + kx * w.inC
                            var wk = wb + (ky * w.kernelW + kx) * w.inC * block
                            for ci in 0..<w.inC {
                                let v = Vector(repeating: x[ci])
                                a0 = M.multiplyAdd(a0, v, load(wk))
                                a1 = M.multiplyAdd(a1, v, load(wk + 8))
                                wk += block
                            }
                        }
                    }
                    storeLanes(a0, a1, output, index: outRow + ox * w.outC + b * block, channel: b * block, lanes: lanes,
                               epilogue)
                    ox += 1
                }
            }
        }
    }

    /// Convolution through im2col: each output row's windows are first gathered into `patches`
    /// (`outW × kH·kW·inC` floats), then multiplied with the packed weights as one matrix product.
    @inlinable @inline(__always)
    public static func convolutionIm2col<M: MultiplyAdd>(_: M.Type, _ source: UnsafePointer<Float>, rowFloats: Int, _ w: Window,
                                          weights: UnsafePointer<Float>, bias: UnsafePointer<Float>, epilogue: Epilogue,
                                          output: UnsafeMutablePointer<Float>, patches: UnsafeMutablePointer<Float>,
                                          rows: Range<Int>) {
        let taps = w.kernelH * w.kernelW * w.inC
        let segment = w.kernelW * w.inC
        var gemm = w
        gemm.inC = taps; gemm.kernelH = 1; gemm.kernelW = 1; gemm.strideW = 1; gemm.strideH = 1
        gemm.outH = 1
        for oy in rows {
            for ox in 0..<w.outW {
                let window = source + oy * w.strideH * rowFloats + ox * w.strideW * w.inC
                for ky in 0..<w.kernelH {
                    (patches + ox * taps + ky * segment).update(from: window + ky * rowFloats, count: segment)
                }
            }
            convolution(M.self, patches, rowFloats: w.outW * taps, gemm, weights: weights, bias: bias,
                        epilogue: epilogue.advanced(by: oy * w.outW * w.outC), output: output + oy * w.outW * w.outC, rows: 0..<1)
        }
    }

    @inlinable @inline(__always) public static func load(_ p: UnsafePointer<Float>) -> Vector {
        UnsafeRawPointer(p).loadUnaligned(as: Vector.self)
    }

    @inlinable @inline(__always) public static func store(_ v: Vector, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vector.self)
    }

    /// Stores 16 sums (`lanes` of them valid) of output channels `channel…` at `output[index…]`
    /// through the epilogue.
    @inlinable @inline(__always)
    public static func storeLanes(_ v0: Vector, _ v1: Vector, _ output: UnsafeMutablePointer<Float>, index: Int, channel: Int,
                                  lanes: Int, _ e: Epilogue) {
        if lanes == block {
            store(e.apply(v0, index: index, channel: channel), output + index)
            store(e.apply(v1, index: index + 8, channel: channel + 8), output + index + 8)
            return
        }
        for i in 0..<min(lanes, 8) { output[index + i] = e.apply(v0[i], index: index + i, channel: channel + i) }
        if lanes > 8 { for i in 8..<lanes { output[index + i] = e.apply(v1[i - 8], index: index + i, channel: channel + i) } }
    }

    /// 4 pixels × 16 channels of running sums: eight vector registers.
    public struct Accumulators4 {
        public var a00: Vector, a01: Vector, a10: Vector, a11: Vector
        public var a20: Vector, a21: Vector, a30: Vector, a31: Vector

        @inlinable @inline(__always) public init(bias: UnsafePointer<Float>) {
            let b0 = NeuralKernels.load(bias), b1 = NeuralKernels.load(bias + 8)
            a00 = b0; a01 = b1; a10 = b0; a11 = b1; a20 = b0; a21 = b1; a30 = b0; a31 = b1
        }

        @inlinable @inline(__always) public mutating func accumulate<M: MultiplyAdd>(_: M.Type, _ x: UnsafePointer<Float>, pixelStep: Int, weights: UnsafePointer<Float>, count: Int) {
            let x0 = x, x1 = x + pixelStep, x2 = x + 2 * pixelStep, x3 = x + 3 * pixelStep
            var wk = weights
            for ci in 0..<count {
                let w0 = NeuralKernels.load(wk), w1 = NeuralKernels.load(wk + 8)
                let v0 = Vector(repeating: x0[ci]), v1 = Vector(repeating: x1[ci])
                let v2 = Vector(repeating: x2[ci]), v3 = Vector(repeating: x3[ci])
                a00 = M.multiplyAdd(a00, v0, w0); a01 = M.multiplyAdd(a01, v0, w1)
                a10 = M.multiplyAdd(a10, v1, w0); a11 = M.multiplyAdd(a11, v1, w1)
                a20 = M.multiplyAdd(a20, v2, w0); a21 = M.multiplyAdd(a21, v2, w1)
                a30 = M.multiplyAdd(a30, v3, w0); a31 = M.multiplyAdd(a31, v3, w1)
                wk += NeuralKernels.block
            }
        }

        @inlinable @inline(__always)
        public func store(_ output: UnsafeMutablePointer<Float>, index: Int, pixelStep: Int, channel: Int, lanes: Int,
                          epilogue e: Epilogue) {
            NeuralKernels.storeLanes(a00, a01, output, index: index, channel: channel, lanes: lanes, e)
            NeuralKernels.storeLanes(a10, a11, output, index: index + pixelStep, channel: channel, lanes: lanes, e)
            NeuralKernels.storeLanes(a20, a21, output, index: index + 2 * pixelStep, channel: channel, lanes: lanes, e)
            NeuralKernels.storeLanes(a30, a31, output, index: index + 3 * pixelStep, channel: channel, lanes: lanes, e)
        }
    }

    // MARK: - Depthwise convolution

    /// Depthwise convolution with depth multiplier 1; weights `[kH][kW][C]` as TFLite stores them.
    @inlinable @inline(__always)
    public static func depthwiseConvolution<M: MultiplyAdd>(_: M.Type, _ source: UnsafePointer<Float>, rowFloats: Int, _ w: Window,
                                             weights: UnsafePointer<Float>, bias: UnsafePointer<Float>, clamp: Clamp,
                                             output: UnsafeMutablePointer<Float>, rows: Range<Int>) {
        let c = w.inC
        let vectorEnd = c - c % 8
        for oy in rows {
            let rowBase = source + oy * w.strideH * rowFloats
            for ox in 0..<w.outW {
                let p = rowBase + ox * w.strideW * c
                let o = output + (oy * w.outW + ox) * c
                var ch = 0
                while ch < vectorEnd {
                    var acc = load(bias + ch)
                    for ky in 0..<w.kernelH {
                        let r = p + ky * rowFloats + ch
                        let wr = weights + ky * w.kernelW * c + ch
                        for kx in 0..<w.kernelW { acc = M.multiplyAdd(acc, load(r + kx * c), load(wr + kx * c)) }
                    }
                    store(clamp.apply(acc), o + ch)
                    ch += 8
                }
                while ch < c {
                    var acc = bias[ch]
                    for ky in 0..<w.kernelH {
                        for kx in 0..<w.kernelW {
                            acc += p[ky * rowFloats + kx * c + ch] * weights[(ky * w.kernelW + kx) * c + ch]
                        }
                    }
                    o[ch] = clamp.apply(acc)
                    ch += 1
                }
            }
        }
    }

    /// Depthwise 3×3, stride 1, on a padded source: the common case, with the nine weight vectors of a
    /// channel group held in registers across a row.
    @inlinable @inline(__always)
    public static func depthwise3x3Stride1<M: MultiplyAdd>(_: M.Type, _ source: UnsafePointer<Float>, rowFloats: Int, _ w: Window,
                                            weights: UnsafePointer<Float>, bias: UnsafePointer<Float>, clamp: Clamp,
                                            output: UnsafeMutablePointer<Float>, rows: Range<Int>) {
        let c = w.inC
        let vectorEnd = c - c % 8
        for oy in rows {
            let r0 = source + oy * rowFloats, r1 = r0 + rowFloats, r2 = r1 + rowFloats
            let outRow = output + oy * w.outW * c
            var ch = 0
            while ch < vectorEnd {
                let w00 = load(weights + ch), w01 = load(weights + c + ch), w02 = load(weights + 2 * c + ch)
                let w10 = load(weights + 3 * c + ch), w11 = load(weights + 4 * c + ch), w12 = load(weights + 5 * c + ch)
                let w20 = load(weights + 6 * c + ch), w21 = load(weights + 7 * c + ch), w22 = load(weights + 8 * c + ch)
                let b = load(bias + ch)
                for ox in 0..<w.outW {
                    let i = ox * c + ch
                    var acc = M.multiplyAdd(b, load(r0 + i), w00)
                    acc = M.multiplyAdd(acc, load(r0 + i + c), w01)
                    acc = M.multiplyAdd(acc, load(r0 + i + 2 * c), w02)
                    acc = M.multiplyAdd(acc, load(r1 + i), w10)
                    acc = M.multiplyAdd(acc, load(r1 + i + c), w11)
                    acc = M.multiplyAdd(acc, load(r1 + i + 2 * c), w12)
                    acc = M.multiplyAdd(acc, load(r2 + i), w20)
                    acc = M.multiplyAdd(acc, load(r2 + i + c), w21)
                    acc = M.multiplyAdd(acc, load(r2 + i + 2 * c), w22)
                    store(clamp.apply(acc), outRow + i)
                }
                ch += 8
            }
            if ch < c {
                depthwiseTail(M.self, source, rowFloats: rowFloats, w, from: ch, weights: weights, bias: bias, clamp: clamp,
                              output: output, row: oy)
            }
        }
    }

    @inlinable @inline(__always) public static func depthwiseTail<M: MultiplyAdd>(_: M.Type, _ source: UnsafePointer<Float>, rowFloats: Int, _ w: Window, from first: Int,
                                      weights: UnsafePointer<Float>, bias: UnsafePointer<Float>, clamp: Clamp,
                                      output: UnsafeMutablePointer<Float>, row oy: Int) {
        let c = w.inC
        for ox in 0..<w.outW {
            let p = source + oy * w.strideH * rowFloats + ox * w.strideW * c
            for ch in first..<c {
                var acc = bias[ch]
                for ky in 0..<w.kernelH {
                    for kx in 0..<w.kernelW { acc += p[ky * rowFloats + kx * c + ch] * weights[(ky * w.kernelW + kx) * c + ch] }
                }
                output[(oy * w.outW + ox) * c + ch] = clamp.apply(acc)
            }
        }
    }

    // MARK: - Pooling

    /// Max pooling; the window ignores positions outside the input (TFLite's SAME semantics).
    @inlinable @inline(__always)
    public static func maxPool<M: MultiplyAdd>(_: M.Type, _ input: UnsafePointer<Float>, _ w: Window, clamp: Clamp, output: UnsafeMutablePointer<Float>) {
        let c = w.inC
        for oy in 0..<w.outH {
            let y0 = oy * w.strideH - w.padTop
            let ys = max(y0, 0)..<max(min(y0 + w.kernelH, w.inH), max(y0, 0))
            for ox in 0..<w.outW {
                let x0 = ox * w.strideW - w.padLeft
                let xs = max(x0, 0)..<max(min(x0 + w.kernelW, w.inW), max(x0, 0))
                let o = output + (oy * w.outW + ox) * c
                guard !ys.isEmpty, !xs.isEmpty else {
                    for ch in 0..<c { o[ch] = clamp.apply(0) }
                    continue
                }
                var ch = 0
                while ch + 8 <= c {
                    var m = Vector(repeating: -.infinity)
                    for y in ys {
                        for x in xs {
                            let v = load(input + (y * w.inW + x) * c + ch)
                            m = m.replacing(with: v, where: v .> m)
                        }
                    }
                    store(clamp.apply(m), o + ch)
                    ch += 8
                }
                while ch < c {
                    var m = -Float.infinity
                    for y in ys { for x in xs { m = max(m, input[(y * w.inW + x) * c + ch]) } }
                    o[ch] = clamp.apply(m)
                    ch += 1
                }
            }
        }
    }

    // MARK: - Element-wise

    @inlinable @inline(__always)
    public static func add<M: MultiplyAdd>(_: M.Type, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int, clamp: Clamp,
                            output: UnsafeMutablePointer<Float>) {
        var i = 0
        while i + 8 <= count {
            store(clamp.apply(load(a + i) + load(b + i)), output + i)
            i += 8
        }
        while i < count { output[i] = clamp.apply(a[i] + b[i]); i += 1 }
    }

    @inlinable @inline(__always)
    public static func relu<M: MultiplyAdd>(_: M.Type, _ a: UnsafePointer<Float>, count: Int, output: UnsafeMutablePointer<Float>) {
        var i = 0
        let zero = Vector(repeating: 0)
        while i + 8 <= count {
            let v = load(a + i)
            store(v.replacing(with: zero, where: v .< zero), output + i) // pointwiseMax is not specialised: 10× slower
            i += 8
        }
        while i < count { output[i] = max(a[i], 0); i += 1 }
    }

    /// PReLU with one slope per channel (the last dimension): x < 0 → alpha · x.
    @inlinable @inline(__always)
    public static func prelu<M: MultiplyAdd>(_: M.Type, _ a: UnsafePointer<Float>, alpha: UnsafePointer<Float>, pixels: Int, channels: Int,
                              output: UnsafeMutablePointer<Float>) {
        let vectorEnd = channels - channels % 8
        let zero = Vector(repeating: 0)
        for p in 0..<pixels {
            let x = a + p * channels, o = output + p * channels
            var ch = 0
            while ch < vectorEnd {
                let v = load(x + ch)
                store(v.replacing(with: v * load(alpha + ch), where: v .< zero), o + ch)
                ch += 8
            }
            while ch < channels {
                let v = x[ch]
                o[ch] = v < 0 ? v * alpha[ch] : v
                ch += 1
            }
        }
    }

    /// Zero padding of a 4-D NHWC tensor (any dimension, including channels).
    public static func pad(_ input: UnsafePointer<Float>, inShape: [Int], before: [Int], outShape: [Int],
                            output: UnsafeMutablePointer<Float>) {
        output.update(repeating: 0, count: outShape.reduce(1, *))
        let (n, h, w, c) = (inShape[0], inShape[1], inShape[2], inShape[3])
        let (oh, ow, oc) = (outShape[1], outShape[2], outShape[3])
        for b in 0..<n {
            for y in 0..<h {
                for x in 0..<w {
                    let src = input + ((b * h + y) * w + x) * c
                    let dst = output + (((b + before[0]) * oh + y + before[1]) * ow + x + before[2]) * oc + before[3]
                    dst.update(from: src, count: c)
                }
            }
        }
    }

    /// Concatenation along one axis: `outer` repetitions of each input's `inner` contiguous floats in turn;
    /// the inputs are given as offsets from `base`.
    public static func concatenate(base: UnsafePointer<Float>, _ inputs: [(offset: Int, inner: Int)], outer: Int,
                                    output: UnsafeMutablePointer<Float>) {
        var o = output
        for i in 0..<outer {
            for input in inputs {
                o.update(from: base + input.offset + i * input.inner, count: input.inner)
                o += input.inner
            }
        }
    }

    // MARK: - Half precision

    /// IEEE 754 binary16 → binary32, exact (subnormals, infinities and NaN included).
    public static func float(fromHalf h: UInt16) -> Float {
        let sign = UInt32(h & 0x8000) << 16
        let exponent = Int((h >> 10) & 0x1F)
        let mantissa = UInt32(h & 0x3FF)
        if exponent == 0x1F { return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13)) }
        if exponent == 0 {
            let magnitude = Float(mantissa) * (1.0 / 16_777_216.0) // 2^-24
            return sign != 0 ? -magnitude : magnitude
        }
        return Float(bitPattern: sign | UInt32(exponent + 112) << 23 | (mantissa << 13))
    }
}
