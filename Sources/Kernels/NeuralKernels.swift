#if canImport(Glibc)
import Glibc
#endif
/// The inference kernels of the TFLite runtime: NHWC float32, batch 1, raw pointers handed in once per
/// call, no allocation inside. Each has a scalar reference in Tests/FaceAnalysisTests/KernelTests.swift.
///
/// The kernels that depend on the instruction set are generic over `MultiplyAdd` and `@inlinable`: they are
/// compiled once per path, into this module for the baseline and into KernelsAVX2 and KernelsAVX512 with
/// those modules' `-target-cpu` (see `NeuralKernelSet`); `KernelDispatch` picks one at start. The enclosing
/// types are `public` (not `package`) because Swift 6.3 neither inlines nor specialises a generic method of a `package` type
/// in another module (measured: the AVX2 module then called this module's unspecialised baseline code).
///
/// Convolutions work on a register tile of 16 output channels × `tile` output pixels (8 in zmm registers on
/// AVX-512, 6 in ymm on AVX2, 4 as two 8-lane halves on the baseline), with the weights packed at load as
/// `[block][ky][kx][inC][16]`, so the innermost loop reads one contiguous 64-byte weight row per tap and
/// broadcasts one input value per pixel; the store applies the fused operators (`Epilogue`).
public enum NeuralKernels {
    public typealias Vector = SIMD8<Float>
    /// One block of output channels: a zmm register on AVX-512, two ymm on AVX2, four xmm on the baseline.
    public typealias Vector16 = SIMD16<Float>

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

        @_transparent public func apply(_ v: Vector) -> Vector {
            v.replacing(with: Vector(repeating: low), where: v .< low)
             .replacing(with: Vector(repeating: high), where: v .> high)
        }

        @_transparent public func apply(_ v: Vector16) -> Vector16 {
            v.replacing(with: Vector16(repeating: low), where: v .< low)
             .replacing(with: Vector16(repeating: high), where: v .> high)
        }

        @_transparent public func apply(_ v: Float) -> Float { min(max(v, low), high) }
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
        /// Whether each clamp clamps anything: `.none` would still cost two compares and two blends per vector,
        /// a fifth of a 1×1 convolution with 16 input channels.
        public var clamps: Bool, residualClamps: Bool

        @inlinable public init(clamp: Clamp, residual: UnsafePointer<Float>? = nil, residualClamp: Clamp = .none,
                               alpha: UnsafePointer<Float>? = nil) {
            self.clamp = clamp; self.residual = residual; self.residualClamp = residualClamp; self.alpha = alpha
            clamps = clamp != .none
            residualClamps = residualClamp != .none
        }

        /// The same epilogue for an output that starts `floats` further on (a row block of the output).
        @inlinable @inline(__always) public func advanced(by floats: Int) -> Epilogue {
            Epilogue(clamp: clamp, residual: residual.map { $0 + floats }, residualClamp: residualClamp, alpha: alpha)
        }

        /// Sums for output element `index` (channel `channel`, a multiple of 8) → stored values.
        @_transparent public func apply(_ v: Vector, index: Int, channel: Int) -> Vector {
            var r = clamps ? clamp.apply(v) : v
            if let residual {
                r += NeuralKernels.load(residual + index)
                if residualClamps { r = residualClamp.apply(r) }
            }
            if let alpha {
                r = r.replacing(with: r * NeuralKernels.load(alpha + channel), where: r .< Vector(repeating: 0))
            }
            return r
        }

        @_transparent public func apply(_ v: Vector16, index: Int, channel: Int) -> Vector16 {
            var r = clamps ? clamp.apply(v) : v
            if let residual {
                r += NeuralKernels.load16(residual + index)
                if residualClamps { r = residualClamp.apply(r) }
            }
            if let alpha {
                r = r.replacing(with: r * NeuralKernels.load16(alpha + channel), where: r .< Vector16(repeating: 0))
            }
            return r
        }

        @_transparent public func apply(_ v: Float, index: Int, channel: Int) -> Float {
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

    /// Convolution, direct: the (padded) input is read in place, window by window. Each output row is a
    /// run of pixels; a 1×1 convolution with stride 1 is one run over all pixels (a matrix product with no
    /// row boundaries, cut into chunks of 64 pixels whose input stays in L1 while all channel blocks pass).
    /// `tile` is the path's register tile in pixels (see `convolutionTile`): 8 on AVX-512 (8 zmm
    /// accumulators of 16 channels), 6 on AVX2 (12 ymm), 4 on the baseline (with `halves`: every block as two
    /// 8-lane halves, 8 xmm accumulators — 16 xmm registers hold no 16-wide tile).
    /// `source` is the input itself or its padded copy (`rowFloats` floats per row).
    @inlinable @inline(__always)
    public static func convolution<M: MultiplyAdd>(_: M.Type, tile: Int, halves: Bool = false, _ source: UnsafePointer<Float>, rowFloats: Int,
                                                    _ w: Window, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                                                    epilogue: Epilogue, output: UnsafeMutablePointer<Float>, rows: Range<Int>) {
        if w.kernelH == 1, w.kernelW == 1, w.strideH == 1, w.strideW == 1, rowFloats == w.inW * w.inC, w.outW == w.inW {
            var first = rows.lowerBound * w.outW
            let end = rows.upperBound * w.outW
            while first < end {
                let count = min(64, end - first)
                convolutionRun(M.self, tile: tile, halves: halves, source + first * w.inC, pixelStep: w.inC, rowFloats: rowFloats, w, count: count,
                               weights: weights, bias: bias, epilogue: epilogue, output: output, outIndex: first * w.outC)
                first += count
            }
            return
        }
        for oy in rows {
            convolutionRun(M.self, tile: tile, halves: halves, source + oy * w.strideH * rowFloats, pixelStep: w.strideW * w.inC,
                           rowFloats: rowFloats, w, count: w.outW, weights: weights, bias: bias, epilogue: epilogue,
                           output: output, outIndex: oy * w.outW * w.outC)
        }
    }

    /// `count` output pixels whose windows start at `first`, `pixelStep` floats apart, into `output[outIndex…]`:
    /// per block of 16 output channels, whole tiles, then 4-, 2- and 1-pixel tiles for the rest.
    @_transparent
    public static func convolutionRun<M: MultiplyAdd>(_: M.Type, tile: Int, halves: Bool, _ first: UnsafePointer<Float>, pixelStep: Int,
                                                       rowFloats: Int, _ w: Window, count: Int, weights: UnsafePointer<Float>,
                                                       bias: UnsafePointer<Float>, epilogue: Epilogue,
                                                       output: UnsafeMutablePointer<Float>, outIndex: Int) {
        let blocks = (w.outC + block - 1) / block
        let taps = w.kernelH * w.kernelW * w.inC
        for b in 0..<blocks {
            let wb = weights + b * taps * block
            let lanes = min(block, w.outC - b * block)
            if lanes <= 8 || halves {
                // A last block of at most 8 channels: half-width sums, half the multiply-adds. With `halves`
                // (the baseline: 16 xmm registers hold no wide tile) every block goes as two halves.
                for h in 0..<(lanes > 8 ? 2 : 1) {
                    let half = h * 8, halfLanes = min(lanes - half, 8)
                    var n = 0
                    while n + tile <= count {
                        convolutionTileHalf(M.self, pixels: tile, first + n * pixelStep, pixelStep: pixelStep, rowFloats: rowFloats, w,
                                            weights: wb + half, bias: bias + b * block + half, epilogue: epilogue, output: output,
                                            outIndex: outIndex + n * w.outC + b * block + half, channel: b * block + half,
                                            lanes: halfLanes)
                        n += tile
                    }
                    while n < count {
                        convolutionTileHalf(M.self, pixels: 1, first + n * pixelStep, pixelStep: pixelStep, rowFloats: rowFloats, w,
                                            weights: wb + half, bias: bias + b * block + half, epilogue: epilogue, output: output,
                                            outIndex: outIndex + n * w.outC + b * block + half, channel: b * block + half,
                                            lanes: halfLanes)
                        n += 1
                    }
                }
                continue
            }
            var n = 0
            while n + tile <= count {
                convolutionTile(M.self, pixels: tile, first + n * pixelStep, pixelStep: pixelStep, rowFloats: rowFloats, w,
                                weights: wb, bias: bias + b * block, epilogue: epilogue, output: output,
                                outIndex: outIndex + n * w.outC + b * block, channel: b * block, lanes: lanes)
                n += tile
            }
            if tile > 4, count - n >= 4 {
                convolutionTile(M.self, pixels: 4, first + n * pixelStep, pixelStep: pixelStep, rowFloats: rowFloats, w,
                                weights: wb, bias: bias + b * block, epilogue: epilogue, output: output,
                                outIndex: outIndex + n * w.outC + b * block, channel: b * block, lanes: lanes)
                n += 4
            }
            if tile > 2, count - n >= 2 {
                convolutionTile(M.self, pixels: 2, first + n * pixelStep, pixelStep: pixelStep, rowFloats: rowFloats, w,
                                weights: wb, bias: bias + b * block, epilogue: epilogue, output: output,
                                outIndex: outIndex + n * w.outC + b * block, channel: b * block, lanes: lanes)
                n += 2
            }
            while n < count {
                convolutionTile(M.self, pixels: 1, first + n * pixelStep, pixelStep: pixelStep, rowFloats: rowFloats, w,
                                weights: wb, bias: bias + b * block, epilogue: epilogue, output: output,
                                outIndex: outIndex + n * w.outC + b * block, channel: b * block, lanes: lanes)
                n += 1
            }
        }
    }

    /// One register tile: `pixels` (1…8, a constant where it is inlined, so the unused accumulators vanish)
    /// output pixels × 16 output channels of running sums, one broadcast input value per pixel and one
    /// 16-float weight row per input channel.
    @_transparent
    public static func convolutionTile<M: MultiplyAdd>(_: M.Type, pixels n: Int, _ x: UnsafePointer<Float>, pixelStep: Int,
                                                        rowFloats: Int, _ w: Window, weights: UnsafePointer<Float>,
                                                        bias: UnsafePointer<Float>, epilogue: Epilogue,
                                                        output: UnsafeMutablePointer<Float>, outIndex: Int, channel: Int,
                                                        lanes: Int) {
        let b = load16(bias)
        var a0 = b, a1 = b, a2 = b, a3 = b, a4 = b, a5 = b, a6 = b, a7 = b
        let s = pixelStep
        // A window row (kernelW pixels × inC channels) is contiguous in NHWC, and so are its packed weights:
        // one loop over it, however small inC is (the first layer has 3).
        let rowTaps = w.kernelW * w.inC
        for ky in 0..<w.kernelH {
            do {
                // One pointer per pixel, indexed by the tap: no index arithmetic (and no overflow checks)
                // in the loop, only base + index·4 addressing of the broadcasts.
                let p0 = x + ky * rowFloats
                let p1 = p0 + s, p2 = p1 + s, p3 = p2 + s, p4 = p3 + s, p5 = p4 + s, p6 = p5 + s, p7 = p6 + s
                var wk = weights + ky * rowTaps * block
                for ci in 0..<rowTaps {
                    let wv = load16(wk)
                    a0 = M.multiplyAdd(a0, Vector16(repeating: p0[ci]), wv)
                    if n > 1 { a1 = M.multiplyAdd(a1, Vector16(repeating: p1[ci]), wv) }
                    if n > 2 { a2 = M.multiplyAdd(a2, Vector16(repeating: p2[ci]), wv) }
                    if n > 3 { a3 = M.multiplyAdd(a3, Vector16(repeating: p3[ci]), wv) }
                    if n > 4 { a4 = M.multiplyAdd(a4, Vector16(repeating: p4[ci]), wv) }
                    if n > 5 { a5 = M.multiplyAdd(a5, Vector16(repeating: p5[ci]), wv) }
                    if n > 6 { a6 = M.multiplyAdd(a6, Vector16(repeating: p6[ci]), wv) }
                    if n > 7 { a7 = M.multiplyAdd(a7, Vector16(repeating: p7[ci]), wv) }
                    wk += block
                }
            }
        }
        let step = w.outC
        storeLanes(a0, output, index: outIndex, channel: channel, lanes: lanes, epilogue)
        if n > 1 { storeLanes(a1, output, index: outIndex + step, channel: channel, lanes: lanes, epilogue) }
        if n > 2 { storeLanes(a2, output, index: outIndex + 2 * step, channel: channel, lanes: lanes, epilogue) }
        if n > 3 { storeLanes(a3, output, index: outIndex + 3 * step, channel: channel, lanes: lanes, epilogue) }
        if n > 4 { storeLanes(a4, output, index: outIndex + 4 * step, channel: channel, lanes: lanes, epilogue) }
        if n > 5 { storeLanes(a5, output, index: outIndex + 5 * step, channel: channel, lanes: lanes, epilogue) }
        if n > 6 { storeLanes(a6, output, index: outIndex + 6 * step, channel: channel, lanes: lanes, epilogue) }
        if n > 7 { storeLanes(a7, output, index: outIndex + 7 * step, channel: channel, lanes: lanes, epilogue) }
    }

    /// `convolutionTile` for a block of at most 8 valid channels: 8-lane sums (the weight rows are still 16
    /// wide; their upper half, zero, is not read).
    @_transparent
    public static func convolutionTileHalf<M: MultiplyAdd>(_: M.Type, pixels n: Int, _ x: UnsafePointer<Float>, pixelStep: Int,
                                                            rowFloats: Int, _ w: Window, weights: UnsafePointer<Float>,
                                                            bias: UnsafePointer<Float>, epilogue: Epilogue,
                                                            output: UnsafeMutablePointer<Float>, outIndex: Int, channel: Int,
                                                            lanes: Int) {
        let b = load(bias)
        var a0 = b, a1 = b, a2 = b, a3 = b, a4 = b, a5 = b, a6 = b, a7 = b
        let s = pixelStep
        let rowTaps = w.kernelW * w.inC
        for ky in 0..<w.kernelH {
            let p0 = x + ky * rowFloats
            let p1 = p0 + s, p2 = p1 + s, p3 = p2 + s, p4 = p3 + s, p5 = p4 + s, p6 = p5 + s, p7 = p6 + s
            var wk = weights + ky * rowTaps * block
            for ci in 0..<rowTaps {
                let wv = load(wk)
                a0 = M.multiplyAdd(a0, Vector(repeating: p0[ci]), wv)
                if n > 1 { a1 = M.multiplyAdd(a1, Vector(repeating: p1[ci]), wv) }
                if n > 2 { a2 = M.multiplyAdd(a2, Vector(repeating: p2[ci]), wv) }
                if n > 3 { a3 = M.multiplyAdd(a3, Vector(repeating: p3[ci]), wv) }
                if n > 4 { a4 = M.multiplyAdd(a4, Vector(repeating: p4[ci]), wv) }
                if n > 5 { a5 = M.multiplyAdd(a5, Vector(repeating: p5[ci]), wv) }
                if n > 6 { a6 = M.multiplyAdd(a6, Vector(repeating: p6[ci]), wv) }
                if n > 7 { a7 = M.multiplyAdd(a7, Vector(repeating: p7[ci]), wv) }
                wk += block
            }
        }
        let step = w.outC
        storeLanes(a0, output, index: outIndex, channel: channel, lanes: lanes, epilogue)
        if n > 1 { storeLanes(a1, output, index: outIndex + step, channel: channel, lanes: lanes, epilogue) }
        if n > 2 { storeLanes(a2, output, index: outIndex + 2 * step, channel: channel, lanes: lanes, epilogue) }
        if n > 3 { storeLanes(a3, output, index: outIndex + 3 * step, channel: channel, lanes: lanes, epilogue) }
        if n > 4 { storeLanes(a4, output, index: outIndex + 4 * step, channel: channel, lanes: lanes, epilogue) }
        if n > 5 { storeLanes(a5, output, index: outIndex + 5 * step, channel: channel, lanes: lanes, epilogue) }
        if n > 6 { storeLanes(a6, output, index: outIndex + 6 * step, channel: channel, lanes: lanes, epilogue) }
        if n > 7 { storeLanes(a7, output, index: outIndex + 7 * step, channel: channel, lanes: lanes, epilogue) }
    }

    /// Stores 8 sums (`lanes` ≤ 8 of them valid) through the epilogue.
    @_transparent
    public static func storeLanes(_ v: Vector, _ output: UnsafeMutablePointer<Float>, index: Int, channel: Int, lanes: Int,
                                  _ e: Epilogue) {
        let r = e.apply(v, index: index, channel: channel) // may read beyond the block: see `arenaSlack`
        if lanes == 8 {
            store(r, output + index)
            return
        }
        var i = 0
        if lanes >= 4 {
            UnsafeMutableRawPointer(output + index).storeBytes(of: r.lowHalf, as: SIMD4<Float>.self)
            i = 4
        }
        while i < lanes {
            output[index + i] = r[i]
            i += 1
        }
    }

    /// Convolution through im2col: each output row's windows are first gathered into `patches`
    /// (`outW × kH·kW·inC` floats), then multiplied with the packed weights as one matrix product.
    @inlinable @inline(__always)
    public static func convolutionIm2col<M: MultiplyAdd>(_: M.Type, tile: Int, halves: Bool = false, _ source: UnsafePointer<Float>, rowFloats: Int, _ w: Window,
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
            convolution(M.self, tile: tile, halves: halves, patches, rowFloats: w.outW * taps, gemm, weights: weights, bias: bias,
                        epilogue: epilogue.advanced(by: oy * w.outW * w.outC), output: output + oy * w.outW * w.outC, rows: 0..<1)
        }
    }

    @_transparent public static func load16(_ p: UnsafePointer<Float>) -> Vector16 {
        UnsafeRawPointer(p).loadUnaligned(as: Vector16.self)
    }

    @_transparent public static func store16(_ v: Vector16, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vector16.self)
    }

    /// Stores 16 sums (`lanes` of them valid) of output channels `channel…` at `output[index…]`
    /// through the epilogue.
    @_transparent
    public static func storeLanes(_ v: Vector16, _ output: UnsafeMutablePointer<Float>, index: Int, channel: Int, lanes: Int,
                                  _ e: Epilogue) {
        let r = e.apply(v, index: index, channel: channel) // reads up to 15 floats beyond a partial block: see `arenaSlack`
        if lanes == block {
            store16(r, output + index)
            return
        }
        var i = 0
        if lanes >= 8 {
            UnsafeMutableRawPointer(output + index).storeBytes(of: r.lowHalf, as: SIMD8<Float>.self)
            i = 8
        }
        let rest = i == 8 ? r.highHalf : r.lowHalf
        if lanes - i >= 4 {
            UnsafeMutableRawPointer(output + index + i).storeBytes(of: rest.lowHalf, as: SIMD4<Float>.self)
            for k in 4..<(lanes - i) { output[index + i + k] = rest[k] }
        } else {
            for k in 0..<(lanes - i) { output[index + i + k] = rest[k] }
        }
    }

    /// Floats an arena keeps beyond its last tensor: a partial block of 16 channels reads the residual a
    /// whole block wide (the lanes beyond are discarded).
    public static let arenaSlack = 16

    @inlinable @inline(__always) public static func load(_ p: UnsafePointer<Float>) -> Vector {
        UnsafeRawPointer(p).loadUnaligned(as: Vector.self)
    }

    @inlinable @inline(__always) public static func store(_ v: Vector, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vector.self)
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

    /// Depthwise 3×3, stride 1 or 2 (both directions alike), read straight from the unpadded input: rows
    /// above or below the input read `zeros` (at least `inW × C` zero floats) instead, and the one or two
    /// output columns per row whose window leaves the input at the side skip the missing taps, so no padded
    /// copy of the input is made. Channels go 8 at a time; when C is not a multiple of 8 the last group is
    /// the last 8 channels, overlapping the one before (recomputing a few channels costs less than a scalar tail).
    @inlinable @inline(__always)
    public static func depthwise3x3<M: MultiplyAdd>(_: M.Type, _ input: UnsafePointer<Float>, _ w: Window,
                                                     zeros: UnsafePointer<Float>, weights: UnsafePointer<Float>,
                                                     bias: UnsafePointer<Float>, clamp: Clamp,
                                                     output: UnsafeMutablePointer<Float>, rows: Range<Int>) {
        let c = w.inC, s = w.strideW, rowFloats = w.inW * c
        guard c >= 8 else {
            depthwiseConvolutionUnpadded(M.self, input, w, weights: weights, bias: bias, clamp: clamp, output: output, rows: rows)
            return
        }
        let groups = (c + 7) / 8
        // Output columns whose three input columns all lie inside the input.
        let first = min((w.padLeft + s - 1) / s, w.outW)
        let last = w.inW + w.padLeft >= 3 ? min((w.inW - 3 + w.padLeft) / s, w.outW - 1) : -1
        for oy in rows {
            let iy = oy * w.strideH - w.padTop
            let r0 = iy >= 0 && iy < w.inH ? input + iy * rowFloats : zeros
            let r1 = iy + 1 >= 0 && iy + 1 < w.inH ? input + (iy + 1) * rowFloats : zeros
            let r2 = iy + 2 >= 0 && iy + 2 < w.inH ? input + (iy + 2) * rowFloats : zeros
            let outRow = output + oy * w.outW * c
            for g in 0..<groups {
                let ch = min(g * 8, c - 8)
                let w00 = load(weights + ch), w01 = load(weights + c + ch), w02 = load(weights + 2 * c + ch)
                let w10 = load(weights + 3 * c + ch), w11 = load(weights + 4 * c + ch), w12 = load(weights + 5 * c + ch)
                let w20 = load(weights + 6 * c + ch), w21 = load(weights + 7 * c + ch), w22 = load(weights + 8 * c + ch)
                let b = load(bias + ch)
                if first <= last {
                    // Pointers stepped along the row: the loop does no index arithmetic.
                    let start = (first * s - w.padLeft) * c + ch, step = s * c
                    var q0 = r0 + start, q1 = r1 + start, q2 = r2 + start
                    var o = outRow + first * c + ch
                    var ox = first
                    if s == 1 {
                        // Four outputs at once: six input columns per row serve twelve taps, four independent sums.
                        while ox + 3 <= last {
                            var a0 = b, a1 = b, a2 = b, a3 = b
                            depthwiseRow4(M.self, q0, c, w00, w01, w02, &a0, &a1, &a2, &a3)
                            depthwiseRow4(M.self, q1, c, w10, w11, w12, &a0, &a1, &a2, &a3)
                            depthwiseRow4(M.self, q2, c, w20, w21, w22, &a0, &a1, &a2, &a3)
                            store(clamp.apply(a0), o); store(clamp.apply(a1), o + c)
                            store(clamp.apply(a2), o + 2 * c); store(clamp.apply(a3), o + 3 * c)
                            q0 += 4 * c; q1 += 4 * c; q2 += 4 * c; o += 4 * c
                            ox += 4
                        }
                    }
                    while ox <= last {
                        ox += 1
                        var acc = M.multiplyAdd(b, load(q0), w00)
                        acc = M.multiplyAdd(acc, load(q0 + c), w01)
                        acc = M.multiplyAdd(acc, load(q0 + 2 * c), w02)
                        acc = M.multiplyAdd(acc, load(q1), w10)
                        acc = M.multiplyAdd(acc, load(q1 + c), w11)
                        acc = M.multiplyAdd(acc, load(q1 + 2 * c), w12)
                        acc = M.multiplyAdd(acc, load(q2), w20)
                        acc = M.multiplyAdd(acc, load(q2 + c), w21)
                        acc = M.multiplyAdd(acc, load(q2 + 2 * c), w22)
                        store(clamp.apply(acc), o)
                        q0 += step; q1 += step; q2 += step; o += c
                    }
                }
                // The side columns: only the taps inside the input.
                var ox = 0
                while ox < w.outW {
                    if ox == first, first <= last {
                        ox = last + 1
                        continue
                    }
                    defer { ox += 1 }
                    let x0 = ox * s - w.padLeft
                    var acc = b
                    for ky in 0..<3 {
                        let r = ky == 0 ? r0 : ky == 1 ? r1 : r2
                        for kx in 0..<3 where x0 + kx >= 0 && x0 + kx < w.inW {
                            acc = M.multiplyAdd(acc, load(r + (x0 + kx) * c + ch), load(weights + (ky * 3 + kx) * c + ch))
                        }
                    }
                    store(clamp.apply(acc), outRow + ox * c + ch)
                }
            }
        }
    }

    /// One kernel row of four adjacent stride-1 depthwise outputs: six input columns, twelve taps.
    @_transparent
    public static func depthwiseRow4<M: MultiplyAdd>(_: M.Type, _ q: UnsafePointer<Float>, _ c: Int, _ k0: Vector, _ k1: Vector,
                                                      _ k2: Vector, _ a0: inout Vector, _ a1: inout Vector,
                                                      _ a2: inout Vector, _ a3: inout Vector) {
        let i0 = load(q), i1 = load(q + c), i2 = load(q + 2 * c)
        let i3 = load(q + 3 * c), i4 = load(q + 4 * c), i5 = load(q + 5 * c)
        a0 = M.multiplyAdd(M.multiplyAdd(M.multiplyAdd(a0, i0, k0), i1, k1), i2, k2)
        a1 = M.multiplyAdd(M.multiplyAdd(M.multiplyAdd(a1, i1, k0), i2, k1), i3, k2)
        a2 = M.multiplyAdd(M.multiplyAdd(M.multiplyAdd(a2, i2, k0), i3, k1), i4, k2)
        a3 = M.multiplyAdd(M.multiplyAdd(M.multiplyAdd(a3, i3, k0), i4, k1), i5, k2)
    }

    /// `depthwiseRow4`, 16 channels wide.
    @_transparent
    public static func depthwiseRow4Wide<M: MultiplyAdd>(_: M.Type, _ q: UnsafePointer<Float>, _ c: Int, _ k0: Vector16, _ k1: Vector16,
                                                      _ k2: Vector16, _ a0: inout Vector16, _ a1: inout Vector16,
                                                      _ a2: inout Vector16, _ a3: inout Vector16) {
        let i0 = load16(q), i1 = load16(q + c), i2 = load16(q + 2 * c)
        let i3 = load16(q + 3 * c), i4 = load16(q + 4 * c), i5 = load16(q + 5 * c)
        a0 = M.multiplyAdd(M.multiplyAdd(M.multiplyAdd(a0, i0, k0), i1, k1), i2, k2)
        a1 = M.multiplyAdd(M.multiplyAdd(M.multiplyAdd(a1, i1, k0), i2, k1), i3, k2)
        a2 = M.multiplyAdd(M.multiplyAdd(M.multiplyAdd(a2, i2, k0), i3, k1), i4, k2)
        a3 = M.multiplyAdd(M.multiplyAdd(M.multiplyAdd(a3, i3, k0), i4, k1), i5, k2)
    }

    /// `depthwise3x3` 16 channels at a time (AVX-512: one zmm register per tap; fewer than 16 channels take
    /// the 8-wide kernel). Generated from it by widening the vectors: keep the two alike.
    @inlinable @inline(__always)
    public static func depthwise3x3Wide<M: MultiplyAdd>(_: M.Type, _ input: UnsafePointer<Float>, _ w: Window,
                                                     zeros: UnsafePointer<Float>, weights: UnsafePointer<Float>,
                                                     bias: UnsafePointer<Float>, clamp: Clamp,
                                                     output: UnsafeMutablePointer<Float>, rows: Range<Int>) {
        let c = w.inC, s = w.strideW, rowFloats = w.inW * c
        guard c >= 16 else {
            depthwise3x3(M.self, input, w, zeros: zeros, weights: weights, bias: bias, clamp: clamp, output: output, rows: rows)
            return
        }
        let groups = (c + 15) / 16
        // Output columns whose three input columns all lie inside the input.
        let first = min((w.padLeft + s - 1) / s, w.outW)
        let last = w.inW + w.padLeft >= 3 ? min((w.inW - 3 + w.padLeft) / s, w.outW - 1) : -1
        for oy in rows {
            let iy = oy * w.strideH - w.padTop
            let r0 = iy >= 0 && iy < w.inH ? input + iy * rowFloats : zeros
            let r1 = iy + 1 >= 0 && iy + 1 < w.inH ? input + (iy + 1) * rowFloats : zeros
            let r2 = iy + 2 >= 0 && iy + 2 < w.inH ? input + (iy + 2) * rowFloats : zeros
            let outRow = output + oy * w.outW * c
            for g in 0..<groups {
                let ch = min(g * 16, c - 16)
                let w00 = load16(weights + ch), w01 = load16(weights + c + ch), w02 = load16(weights + 2 * c + ch)
                let w10 = load16(weights + 3 * c + ch), w11 = load16(weights + 4 * c + ch), w12 = load16(weights + 5 * c + ch)
                let w20 = load16(weights + 6 * c + ch), w21 = load16(weights + 7 * c + ch), w22 = load16(weights + 8 * c + ch)
                let b = load16(bias + ch)
                if first <= last {
                    // Pointers stepped along the row: the loop does no index arithmetic.
                    let start = (first * s - w.padLeft) * c + ch, step = s * c
                    var q0 = r0 + start, q1 = r1 + start, q2 = r2 + start
                    var o = outRow + first * c + ch
                    var ox = first
                    if s == 1 {
                        // Four outputs at once: six input columns per row serve twelve taps, four independent sums.
                        while ox + 3 <= last {
                            var a0 = b, a1 = b, a2 = b, a3 = b
                            depthwiseRow4Wide(M.self, q0, c, w00, w01, w02, &a0, &a1, &a2, &a3)
                            depthwiseRow4Wide(M.self, q1, c, w10, w11, w12, &a0, &a1, &a2, &a3)
                            depthwiseRow4Wide(M.self, q2, c, w20, w21, w22, &a0, &a1, &a2, &a3)
                            store16(clamp.apply(a0), o); store16(clamp.apply(a1), o + c)
                            store16(clamp.apply(a2), o + 2 * c); store16(clamp.apply(a3), o + 3 * c)
                            q0 += 4 * c; q1 += 4 * c; q2 += 4 * c; o += 4 * c
                            ox += 4
                        }
                    }
                    while ox <= last {
                        ox += 1
                        var acc = M.multiplyAdd(b, load16(q0), w00)
                        acc = M.multiplyAdd(acc, load16(q0 + c), w01)
                        acc = M.multiplyAdd(acc, load16(q0 + 2 * c), w02)
                        acc = M.multiplyAdd(acc, load16(q1), w10)
                        acc = M.multiplyAdd(acc, load16(q1 + c), w11)
                        acc = M.multiplyAdd(acc, load16(q1 + 2 * c), w12)
                        acc = M.multiplyAdd(acc, load16(q2), w20)
                        acc = M.multiplyAdd(acc, load16(q2 + c), w21)
                        acc = M.multiplyAdd(acc, load16(q2 + 2 * c), w22)
                        store16(clamp.apply(acc), o)
                        q0 += step; q1 += step; q2 += step; o += c
                    }
                }
                // The side columns: only the taps inside the input.
                var ox = 0
                while ox < w.outW {
                    if ox == first, first <= last {
                        ox = last + 1
                        continue
                    }
                    defer { ox += 1 }
                    let x0 = ox * s - w.padLeft
                    var acc = b
                    for ky in 0..<3 {
                        let r = ky == 0 ? r0 : ky == 1 ? r1 : r2
                        for kx in 0..<3 where x0 + kx >= 0 && x0 + kx < w.inW {
                            acc = M.multiplyAdd(acc, load16(r + (x0 + kx) * c + ch), load16(weights + (ky * 3 + kx) * c + ch))
                        }
                    }
                    store16(clamp.apply(acc), outRow + ox * c + ch)
                }
            }
        }
    }

    /// Any depthwise window, read from the unpadded input tap by tap (taps outside the input skipped):
    /// the fallback for fewer than 8 channels.
    @inlinable @inline(__always)
    public static func depthwiseConvolutionUnpadded<M: MultiplyAdd>(_: M.Type, _ input: UnsafePointer<Float>, _ w: Window,
                                                                     weights: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                                                                     clamp: Clamp, output: UnsafeMutablePointer<Float>,
                                                                     rows: Range<Int>) {
        let c = w.inC
        for oy in rows {
            for ox in 0..<w.outW {
                let y0 = oy * w.strideH - w.padTop, x0 = ox * w.strideW - w.padLeft
                for ch in 0..<c {
                    var acc = bias[ch]
                    for ky in 0..<w.kernelH where y0 + ky >= 0 && y0 + ky < w.inH {
                        for kx in 0..<w.kernelW where x0 + kx >= 0 && x0 + kx < w.inW {
                            acc += input[((y0 + ky) * w.inW + x0 + kx) * c + ch] * weights[(ky * w.kernelW + kx) * c + ch]
                        }
                    }
                    output[(oy * w.outW + ox) * c + ch] = clamp.apply(acc)
                }
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
        let (n, h, w, c) = (inShape[0], inShape[1], inShape[2], inShape[3])
        let (oh, ow, oc) = (outShape[1], outShape[2], outShape[3])
        if before == [0, 0, 0, 0], outShape[0] == n, oh == h, ow == w {
            // Channels added at the end only (BlazeFace's residual paths): one pass, no memset of the
            // whole output and no memmove call per pixel.
            var source = input, destination = output
            for _ in 0..<(n * h * w) {
                var i = 0
                while i + 8 <= c { store(load(source + i), destination + i); i += 8 }
                while i < c { destination[i] = source[i]; i += 1 }
                while i < oc { destination[i] = 0; i += 1 }
                source += c; destination += oc
            }
            return
        }
        output.update(repeating: 0, count: outShape.reduce(1, *))
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

    /// RESIZE_BILINEAR of an NHWC tensor (batch 1) as TensorFlow Lite's reference kernel computes it: output pixel
    /// (y, x) samples the input at `(y + 0.5) · scale − 0.5` with `halfPixelCenters` (else `y · scale`), where
    /// `scale` = in ÷ out, or (in − 1) ÷ (out − 1) with `alignCorners`; the two neighbours are the floor (at least 0)
    /// and the ceiling (at most in − 1), weighted by the distance to the floor — so a sample outside the input
    /// takes the edge value. BlazePalm's feature pyramid upsamples 6→12 and 12→24 this way (half-pixel centres).
    public static func resizeBilinear(_ input: UnsafePointer<Float>, inH: Int, inW: Int, channels: Int, outH: Int, outW: Int,
                                      alignCorners: Bool, halfPixelCenters: Bool, output: UnsafeMutablePointer<Float>) {
        func samples(_ inSize: Int, _ outSize: Int) -> [(low: Int, high: Int, weight: Float)] {
            let scale: Float = alignCorners && outSize > 1 ? Float(inSize - 1) / Float(outSize - 1) : Float(inSize) / Float(outSize)
            return (0..<outSize).map { o in
                let at = halfPixelCenters ? (Float(o) + 0.5) * scale - 0.5 : Float(o) * scale
                let low = max(Int(at.rounded(.down)), 0), high = min(Int(at.rounded(.up)), inSize - 1)
                return (low, high, at - Float(low))
            }
        }
        let rows = samples(inH, outH), columns = samples(inW, outW)
        var destination = output
        for row in rows {
            let top = input + row.low * inW * channels, bottom = input + row.high * inW * channels
            let dy = row.weight
            for column in columns {
                let dx = column.weight
                let w00 = (1 - dy) * (1 - dx), w10 = dy * (1 - dx), w01 = (1 - dy) * dx, w11 = dy * dx
                let a = top + column.low * channels, b = bottom + column.low * channels
                let c = top + column.high * channels, d = bottom + column.high * channels
                for k in 0..<channels {
                    destination[k] = a[k] * w00 + b[k] * w10 + c[k] * w01 + d[k] * w11
                }
                destination += channels
            }
        }
    }

    /// MEAN over the spatial axes of an NHWC tensor (batch 1): per channel, the average of all `pixels` (global
    /// average pooling, as MediaPipe's hand landmark model ends its backbone).
    public static func meanOverPixels(_ input: UnsafePointer<Float>, pixels: Int, channels: Int, output: UnsafeMutablePointer<Float>) {
        output.update(repeating: 0, count: channels)
        var source = input
        for _ in 0..<pixels {
            for c in 0..<channels { output[c] += source[c] }
            source += channels
        }
        let scale = 1 / Float(max(pixels, 1))
        for c in 0..<channels { output[c] *= scale }
    }

    /// FULLY_CONNECTED: for each of `batches` input rows of `columns` values, `rows` outputs, output[r] = bias[r] +
    /// Σ weights[r][k] · input[k] (weights row-major [rows, columns], TFLite's default layout), then `clamp`.
    public static func fullyConnected(_ input: UnsafePointer<Float>, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                                      batches: Int, rows: Int, columns: Int, clamp: Clamp, output: UnsafeMutablePointer<Float>) {
        for b in 0..<batches {
            let x = input + b * columns
            for r in 0..<rows {
                let w = weights + r * columns
                var sum: Float = 0
                for k in 0..<columns { sum += w[k] * x[k] }
                output[b * rows + r] = min(max(sum + bias[r], clamp.low), clamp.high)
            }
        }
    }

    /// LOGISTIC: 1 ÷ (1 + e^−x), element by element.
    public static func logistic(_ input: UnsafePointer<Float>, count: Int, output: UnsafeMutablePointer<Float>) {
        for i in 0..<count { output[i] = 1 / (1 + expf(-input[i])) }
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
