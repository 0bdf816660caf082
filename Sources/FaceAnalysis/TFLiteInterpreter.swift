import Dispatch
#if canImport(Glibc)
import Glibc
#endif
import KernelDispatch
import Kernels

/// Runs a `TFLiteModel`: the graph is checked and planned once at load (every shape verified against
/// what the kernels will read and write, constants folded, weights packed), then `invoke()` only walks
/// the plan over one preallocated arena of floats.
///
/// Not thread-safe: one interpreter per thread. Inputs and outputs are float32 NHWC, batch 1.
package final class TFLiteInterpreter {
    /// How convolutions with a window larger than 1×1 are computed (1×1 ones are a matrix product anyway).
    package enum ConvolutionMethod: Sendable {
        /// Read the (padded) input window by window.
        case direct
        /// Gather each output row's windows into a patch matrix, then one matrix product.
        case im2col
    }

    package struct TensorInfo: Sendable {
        package var name: String
        package var shape: [Int]
        package var count: Int { shape.reduce(1, *) }
    }

    package let inputs: [TensorInfo]
    package let outputs: [TensorInfo]
    /// The operators, for diagnostics: name and output shape in graph order (constant folding included).
    package let operatorSummary: [String]
    /// Multiply-accumulates of one `invoke()` in the convolutions (for benchmark figures).
    package let convolutionMACs: Int
    /// ADD, RELU and PRELU operators folded into the store of the convolution before them.
    package let fusedOperators: Int
    /// 1 (default) or 2: with 2, the larger convolutions split their output rows between two threads.
    package var threads = 1
    /// The instruction-set path of this interpreter's kernels (`KernelDispatch.active` unless asked).
    package let kernelPath: KernelPath
    private let kernels: any NeuralKernelSet.Type
    /// Below this many multiply-adds a convolution is not worth waking a second thread for.
    static let splitThreshold = 150_000

    private let arena: UnsafeMutablePointer<Float>
    /// Offset of the zero row (see `Convolution.readsZeros`).
    private let zeros: Int
    private let arenaCount: Int
    private let steps: [Step]
    private let inputOffsets: [Int]
    private let outputOffsets: [Int]

    /// Loads and plans a model file.
    package convenience init(contentsOf path: String, method: ConvolutionMethod = .direct,
                             kernels: KernelPath = KernelDispatch.active, fuse: Bool = true) throws(TFLiteError) {
        try self.init(model: try TFLiteModel(contentsOf: path), method: method, kernels: kernels, fuse: fuse)
    }

    /// `kernels` must be one of `KernelDispatch.supported`. `fuse: false` runs every operator on its own
    /// and gives every tensor memory of its own (the tests hold the optimised plan against it).
    package init(model: TFLiteModel, method: ConvolutionMethod = .direct,
                 kernels path: KernelPath = KernelDispatch.active, fuse: Bool = true) throws(TFLiteError) {
        kernelPath = path
        kernels = KernelDispatch.neural(path)
        var planner = Planner(model: model)
        try planner.plan(method: method, fuse: fuse)
        let count = planner.arenaCount + NeuralKernels.arenaSlack
        let memory = UnsafeMutablePointer<Float>.allocate(capacity: count)
        memory.initialize(repeating: 0, count: count)
        for (offset, values) in planner.constants {
            values.withUnsafeBufferPointer { (memory + offset).update(from: $0.baseAddress!, count: $0.count) }
        }
        arenaCount = count
        arena = memory
        steps = planner.steps
        zeros = planner.zeros
        inputOffsets = model.inputs.map { planner.offsets[$0] }
        outputOffsets = model.outputs.map { planner.offsets[$0] }
        inputs = model.inputs.map { TensorInfo(name: model.tensors[$0].name, shape: model.tensors[$0].shape) }
        outputs = model.outputs.map { TensorInfo(name: model.tensors[$0].name, shape: model.tensors[$0].shape) }
        operatorSummary = planner.summary
        convolutionMACs = planner.macs
        fusedOperators = planner.fusedOperators
    }

    deinit { arena.deallocate() }

    /// The input tensor `index`, to be filled before `invoke()`.
    package func input(_ index: Int) -> UnsafeMutableBufferPointer<Float> {
        UnsafeMutableBufferPointer(start: arena + inputOffsets[index], count: inputs[index].count)
    }

    /// The output tensor `index` after `invoke()`; valid until the next `invoke()`.
    package func output(_ index: Int) -> UnsafeBufferPointer<Float> {
        UnsafeBufferPointer(start: arena + outputOffsets[index], count: outputs[index].count)
    }

    /// Fills every input with the same image-like values in [0, 1] on every run and machine (a fixed
    /// generator): the input of `fotoboxctl bench --model` and of the benchmarks, so peers get the same.
    package func fillInputsDeterministically() {
        for index in inputs.indices {
            let buffer = input(index)
            var state: UInt64 = 0x9E37_79B9_7F4A_7C15
            for i in 0..<buffer.count {
                state ^= state >> 12; state ^= state << 25; state ^= state >> 27
                let r = Float((state &* 2_685_821_657_736_338_717) >> 40) / Float(1 << 24)
                buffer[i] = 0.7 * (0.5 + 0.4 * sinf(Float(i / 3 % 97) * 0.11 + Float(i % 3))) + 0.3 * r
            }
        }
    }

    /// Runs the graph on the current inputs.
    package func invoke() {
        for step in steps { run(step) }
    }

    /// Runs the graph once, timing each step with `clock` (milliseconds): the kind of each step and its time,
    /// for the benchmark's breakdown.
    package func invokeTimed(clock: () -> Double) -> [(kind: String, milliseconds: Double)] {
        steps.map { step in
            let start = clock()
            run(step)
            return (step.kind, clock() - start)
        }
    }

    @inline(__always)
    private func run(_ step: Step) {
        let base = arena
        switch step {
        case .convolution(let c):
            let (source, rowFloats) = prepare(c, base)
            let w = c.window
            let epilogue = NeuralKernels.Epilogue(clamp: c.clamp, residual: c.residual >= 0 ? UnsafePointer(base + c.residual) : nil,
                                                  residualClamp: c.residualClamp,
                                                  alpha: c.alpha >= 0 ? UnsafePointer(base + c.alpha) : nil)
            split(w.outH, work: w.outH * w.outW * w.outC * w.kernelH * w.kernelW * w.inC) { rows, part in
                if c.patches >= 0 {
                    kernels.convolutionIm2col(source, rowFloats: rowFloats, w, weights: base + c.weights,
                                              bias: base + c.bias, epilogue: epilogue, output: base + c.output,
                                              patches: base + c.patches + part * w.outW * w.kernelH * w.kernelW * w.inC,
                                              rows: rows)
                } else {
                    kernels.convolution(source, rowFloats: rowFloats, w, weights: base + c.weights,
                                        bias: base + c.bias, epilogue: epilogue, output: base + c.output, rows: rows)
                }
            }
        case .depthwise(let c):
            let w = c.window
            if c.padded == Convolution.readsZeros {
                split(w.outH, work: w.outH * w.outW * w.outC * 9) { rows, _ in
                    kernels.depthwise3x3(base + c.input, w, zeros: base + zeros, weights: base + c.weights, bias: base + c.bias,
                                         clamp: c.clamp, output: base + c.output, rows: rows)
                }
                return
            }
            let (source, rowFloats) = prepare(c, base)
            split(w.outH, work: w.outH * w.outW * w.outC * w.kernelH * w.kernelW) { rows, _ in
                kernels.depthwiseConvolution(source, rowFloats: rowFloats, w, weights: base + c.weights,
                                             bias: base + c.bias, clamp: c.clamp, output: base + c.output, rows: rows)
            }
        case .maxPool(let window, let input, let output, let clamp):
            kernels.maxPool(base + input, window, clamp: clamp, output: base + output)
        case .add(let a, let b, let output, let count, let clamp):
            kernels.add(base + a, base + b, count: count, clamp: clamp, output: base + output)
        case .relu(let input, let output, let count):
            kernels.relu(base + input, count: count, output: base + output)
        case .prelu(let input, let alpha, let output, let pixels, let channels):
            kernels.prelu(base + input, alpha: base + alpha, pixels: pixels, channels: channels, output: base + output)
        case .pad(let input, let inShape, let before, let outShape, let output):
            NeuralKernels.pad(base + input, inShape: inShape, before: before, outShape: outShape, output: base + output)
        case .concatenate(let inputs, let outer, let output):
            NeuralKernels.concatenate(base: base, inputs, outer: outer, output: base + output)
        case .mean(let input, let pixels, let channels, let output):
            NeuralKernels.meanOverPixels(base + input, pixels: pixels, channels: channels, output: base + output)
        case .fullyConnected(let f):
            NeuralKernels.fullyConnected(base + f.input, weights: base + f.weights, bias: base + f.bias, batches: f.batches,
                                         rows: f.rows, columns: f.columns, clamp: f.clamp, output: base + f.output)
        case .logistic(let input, let output, let count):
            NeuralKernels.logistic(base + input, count: count, output: base + output)
        case .resizeBilinear(let r):
            NeuralKernels.resizeBilinear(base + r.input, inH: r.inH, inW: r.inW, channels: r.channels, outH: r.outH, outW: r.outW,
                                         alignCorners: r.alignCorners, halfPixelCenters: r.halfPixelCenters, output: base + r.output)
        }
    }

    /// Runs `body` on all `rows` here, or on two halves in two threads when asked and worth it;
    /// `part` (0 or 1) selects per-thread scratch.
    @inline(__always)
    private func split(_ rows: Int, work: Int, _ body: (Range<Int>, Int) -> Void) {
        guard threads > 1, rows >= 2, work >= Self.splitThreshold else {
            body(0..<rows, 0)
            return
        }
        let half = rows / 2
        // The two halves write disjoint rows of the output and their own scratch, and `concurrentPerform`
        // returns only when both are done: sharing the body between the two threads is safe.
        withoutActuallyEscaping(body) { body in
            let shared = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: 2) { part in
                shared.value(part == 0 ? 0..<half : half..<rows, part)
            }
        }
    }

    @inline(__always)
    private func prepare(_ c: Convolution, _ base: UnsafeMutablePointer<Float>) -> (UnsafePointer<Float>, Int) {
        let w = c.window
        if c.padded >= 0 {
            NeuralKernels.padSpatially(base + c.input, w, into: base + c.padded)
            return (UnsafePointer(base + c.padded), w.paddedW * w.inC)
        }
        return (UnsafePointer(base + c.input), w.inW * w.inC)
    }
}

/// Unchecked `Sendable` (no C handle; a fork-join hand-over): carries one convolution's body (raw tensor
/// pointers) into `concurrentPerform`'s two halves, which write disjoint output rows, only read the shared
/// input, and both end before `concurrentPerform` returns; nothing keeps the value afterwards.
private struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

private struct Convolution {
    var window: NeuralKernels.Window
    var input: Int, output: Int, weights: Int, bias: Int
    /// Offset of the zero-padded copy of the input, or -1 when the window stays inside the input, or
    /// `readsZeros` for the 3×3 depthwise kernel, which reads the interpreter's zero row where the window
    /// leaves the input.
    var padded: Int
    static let readsZeros = -2
    /// Offset of the im2col patch rows, or -1 for the direct method.
    var patches: Int
    var clamp: NeuralKernels.Clamp
    /// A fused ADD: offset of the other operand (-1: none) and the ADD's activation.
    var residual = -1
    var residualClamp = NeuralKernels.Clamp.none
    /// A fused PRELU: offset of its slopes (-1: none).
    var alpha = -1
}

/// A RESIZE_BILINEAR step: an NHWC tensor (batch 1) resampled to another height and width.
private struct Resize {
    var input: Int, output: Int
    var inH: Int, inW: Int, channels: Int, outH: Int, outW: Int
    var alignCorners: Bool, halfPixelCenters: Bool
}

/// A FULLY_CONNECTED step: `batches` rows of `columns` inputs times constant weights [rows, columns], plus bias.
private struct FullyConnected {
    var input: Int, weights: Int, bias: Int, output: Int
    var batches: Int, rows: Int, columns: Int
    var clamp: NeuralKernels.Clamp
}

private enum Step {
    var kind: String {
        switch self {
        case .convolution(let c):
            let w = c.window
            return "CONV_2D \(w.kernelH)×\(w.kernelW)/\(w.strideH) \(w.inC)→\(w.outC) at \(w.outH)×\(w.outW)"
                + (c.residual >= 0 ? " +ADD" : "") + (c.alpha >= 0 ? " +PRELU" : "")
        case .depthwise(let c): return "DEPTHWISE_CONV_2D \(c.window.kernelH)×\(c.window.kernelW)/\(c.window.strideH) \(c.window.inC) at \(c.window.outH)×\(c.window.outW)"
        case .maxPool: return "MAX_POOL_2D"
        case .add: return "ADD"
        case .relu: return "RELU"
        case .prelu: return "PRELU"
        case .pad: return "PAD"
        case .concatenate: return "CONCATENATION"
        case .resizeBilinear(let r): return "RESIZE_BILINEAR \(r.inH)×\(r.inW)→\(r.outH)×\(r.outW) \(r.channels)"
        case .mean: return "MEAN"
        case .fullyConnected(let f): return "FULLY_CONNECTED \(f.columns)→\(f.rows)"
        case .logistic: return "LOGISTIC"
        }
    }

    case convolution(Convolution)
    case depthwise(Convolution)
    case maxPool(window: NeuralKernels.Window, input: Int, output: Int, clamp: NeuralKernels.Clamp)
    case add(a: Int, b: Int, output: Int, count: Int, clamp: NeuralKernels.Clamp)
    case relu(input: Int, output: Int, count: Int)
    case prelu(input: Int, alpha: Int, output: Int, pixels: Int, channels: Int)
    case pad(input: Int, inShape: [Int], before: [Int], outShape: [Int], output: Int)
    case concatenate(inputs: [(offset: Int, inner: Int)], outer: Int, output: Int)
    case resizeBilinear(Resize)
    case mean(input: Int, pixels: Int, channels: Int, output: Int)
    case fullyConnected(FullyConnected)
    case logistic(input: Int, output: Int, count: Int)
}


/// Checks the graph and lays out the arena.
private struct Planner {
    let model: TFLiteModel
    var offsets: [Int]
    /// Float values of constant tensors (model data, or folded DEQUANTIZE results).
    var constantValues: [Int: [Float]] = [:]
    var constants: [(offset: Int, values: [Float])] = []
    var arenaCount = 0
    var steps: [Step] = []
    var summary: [String] = []
    var macs = 0
    /// ADD/RELU/PRELU operators folded into a convolution's store.
    var fusedOperators = 0
    /// Length and offset of the row of zeros the 3×3 depthwise kernels read above and below the input.
    var zeroFloats = 0
    var zeros = 0
    /// Floats of each allocation by offset, and the allocations that hold constants (never shared).
    var sizes = [Int: Int]()
    var fixed = Set<Int>()

    init(model: TFLiteModel) {
        self.model = model
        offsets = [Int](repeating: -1, count: model.tensors.count)
    }

    mutating func allocate(_ count: Int) -> Int {
        let offset = arenaCount
        let size = (count + 15) / 16 * 16 // 64-byte granules keep every tensor vector-aligned
        arenaCount += size
        sizes[offset] = size
        return offset
    }

    mutating func constant(_ values: [Float]) -> Int {
        let offset = allocate(values.count)
        constants.append((offset, values))
        fixed.insert(offset)
        return offset
    }
}

extension Planner {
    typealias Window = NeuralKernels.Window

    mutating func plan(method: TFLiteInterpreter.ConvolutionMethod, fuse: Bool) throws(TFLiteError) {
        for t in model.inputs {
            let tensor = model.tensors[t]
            guard tensor.type == .float32 else { throw .unsupportedTensorType(tensor: tensor.name, type: tensor.type.name) }
            guard tensor.data == nil, offsets[t] < 0 else { throw .invalidModel("graph input \"\(tensor.name)\" is a constant or listed twice") }
            offsets[t] = allocate(tensor.elementCount)
        }
        for (index, node) in model.nodes.enumerated() {
            try plan(node, index: index, method: method)
        }
        for t in model.outputs where offsets[t] < 0 {
            throw .invalidModel("graph output \"\(model.tensors[t].name)\" is never computed")
        }
        zeros = allocate(zeroFloats) // never written: the arena starts zeroed
        fixed.insert(zeros)
        if fuse {
            fuseIntoConvolutions(outputs: model.outputs.map { offsets[$0] })
            shareMemory(inputs: model.inputs.map { offsets[$0] }, outputs: model.outputs.map { offsets[$0] })
        }
        // A damaged shape must not make the runtime claim gigabytes or run for minutes.
        guard arenaCount <= Self.maxArenaFloats else {
            throw .invalidModel("the model needs \(arenaCount / (1 << 18)) MB of tensors, more than \(Self.maxArenaFloats / (1 << 18)) MB")
        }
        guard macs <= Self.maxMACs else { throw .invalidModel("the model needs \(macs) multiply-adds per run") }
    }

    static let maxArenaFloats = 1 << 26, maxMACs = 1 << 32

    private func name(_ t: Int) -> String { model.tensors[t].name }

    private func fail(_ index: Int, _ node: TFLiteModel.Node, _ reason: String) -> TFLiteError {
        .invalidModel("operator #\(index) (\(node.op.name)): \(reason)")
    }

    /// The operator's optional third input, the bias: nil when absent, else a constant of `count` values.
    private func optionalBias(_ node: TFLiteModel.Node, count: Int, _ index: Int) throws(TFLiteError) -> [Float]? {
        guard node.inputs.count == 3, node.inputs[2] >= 0 else { return nil }
        guard let values = try floats(node.inputs[2]), values.count == count else {
            throw fail(index, node, "the bias must be a constant of \(count) values")
        }
        return values
    }

    /// The float values of a constant tensor, or nil when it is not constant.
    private func floats(_ t: Int) throws(TFLiteError) -> [Float]? {
        if let folded = constantValues[t] { return folded }
        let tensor = model.tensors[t]
        guard let data = tensor.data else { return nil }
        switch tensor.type {
        case .float32:
            return data.withUnsafeBytes { raw in
                (0..<(data.count / 4)).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
            }
        case .float16:
            return data.withUnsafeBytes { raw in
                (0..<(data.count / 2)).map { NeuralKernels.float(fromHalf: UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self))) }
            }
        default:
            throw .unsupportedTensorType(tensor: tensor.name, type: tensor.type.name)
        }
    }

    private func int32s(_ t: Int) throws(TFLiteError) -> [Int]? {
        let tensor = model.tensors[t]
        guard let data = tensor.data else { return nil }
        guard tensor.type == .int32 else { throw .unsupportedTensorType(tensor: tensor.name, type: tensor.type.name) }
        return data.withUnsafeBytes { raw in
            (0..<(data.count / 4)).map { Int(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: Int32.self))) }
        }
    }

    /// The arena offset of an operand: a computed activation, or a constant copied into the arena.
    private mutating func operand(_ t: Int, _ index: Int, _ node: TFLiteModel.Node) throws(TFLiteError) -> Int {
        guard t >= 0 else { throw fail(index, node, "a required input is absent") }
        if offsets[t] >= 0 { return offsets[t] }
        guard let values = try floats(t) else {
            throw fail(index, node, "reads tensor \"\(name(t))\" before any operator computes it")
        }
        offsets[t] = constant(values)
        return offsets[t]
    }

    /// Reserves the output tensor of an operator, checking that it is a fresh float32 activation.
    private mutating func produce(_ t: Int, count: Int, _ index: Int, _ node: TFLiteModel.Node) throws(TFLiteError) -> Int {
        let tensor = model.tensors[t]
        guard tensor.data == nil, offsets[t] < 0, constantValues[t] == nil else {
            throw fail(index, node, "writes tensor \"\(tensor.name)\", which is a constant or already computed")
        }
        guard tensor.type == .float32 else { throw .unsupportedTensorType(tensor: tensor.name, type: tensor.type.name) }
        guard tensor.elementCount == count else {
            throw fail(index, node, "output \"\(tensor.name)\" \(tensor.shape) does not hold the \(count) values computed")
        }
        offsets[t] = allocate(count)
        return offsets[t]
    }

    /// `[1, H, W, C]`.
    private func image(_ t: Int, _ index: Int, _ node: TFLiteModel.Node) throws(TFLiteError) -> (h: Int, w: Int, c: Int) {
        let s = model.tensors[t].shape
        guard s.count == 4, s[0] == 1, s[1] > 0, s[2] > 0, s[3] > 0 else {
            throw fail(index, node, "tensor \"\(name(t))\" has shape \(s), expected [1, H, W, C]")
        }
        return (s[1], s[2], s[3])
    }

    private func operands(_ node: TFLiteModel.Node, inputs: ClosedRange<Int>, _ index: Int) throws(TFLiteError) {
        guard inputs.contains(node.inputs.count), node.outputs.count == 1 else {
            throw fail(index, node, "\(node.inputs.count) inputs and \(node.outputs.count) outputs")
        }
        // Only the trailing inputs beyond the required count (a convolution's bias) may be absent (-1).
        guard node.inputs.prefix(inputs.lowerBound).allSatisfy({ $0 >= 0 }) else {
            throw fail(index, node, "a required input is absent")
        }
    }

    private static func clamp(_ activation: TFLiteModel.FusedActivation) -> NeuralKernels.Clamp {
        switch activation {
        case .none: return .none
        case .relu: return .relu
        case .relu6: return .relu6
        case .reluMinus1To1: return .reluMinus1To1
        }
    }

    private mutating func window(_ node: TFLiteModel.Node, _ index: Int, kernelH: Int, kernelW: Int, strideH: Int, strideW: Int,
                                 padding: TFLiteModel.Padding, outC: Int) throws(TFLiteError) -> Window {
        let input = try image(node.inputs[0], index, node)
        let output = try image(node.outputs[0], index, node)
        let same = padding == .same
        let (outH, padTop) = Window.outputSize(input: input.h, kernel: kernelH, stride: strideH, same: same)
        let (outW, padLeft) = Window.outputSize(input: input.w, kernel: kernelW, stride: strideW, same: same)
        guard outH > 0, outW > 0, output.h == outH, output.w == outW, output.c == outC else {
            throw fail(index, node, "output \(model.tensors[node.outputs[0]].shape) does not follow from input \(model.tensors[node.inputs[0]].shape), window \(kernelH)×\(kernelW) stride \(strideH)")
        }
        return Window(inH: input.h, inW: input.w, inC: input.c, outH: outH, outW: outW, outC: outC, kernelH: kernelH,
                      kernelW: kernelW, strideH: strideH, strideW: strideW, padTop: padTop, padLeft: padLeft)
    }

    private mutating func plan(_ node: TFLiteModel.Node, index: Int, method: TFLiteInterpreter.ConvolutionMethod) throws(TFLiteError) {
        let out = node.outputs.first ?? -1
        switch node.op {
        case .dequantize:
            try operands(node, inputs: 1...1, index)
            guard node.inputs[0] >= 0, let values = try floats(node.inputs[0]) else {
                throw fail(index, node, "only constant tensors can be dequantized here")
            }
            let tensor = model.tensors[out]
            guard tensor.data == nil, offsets[out] < 0, constantValues[out] == nil, tensor.type == .float32,
                  tensor.elementCount == values.count else {
                throw fail(index, node, "output \"\(tensor.name)\" does not match its input")
            }
            constantValues[out] = values
            summary.append("DEQUANTIZE \(model.tensors[node.inputs[0]].type.name) constant → folded at load")
            return

        case .conv2D(let padding, let strideW, let strideH, let activation):
            try operands(node, inputs: 2...3, index)
            let filterShape = model.tensors[node.inputs[1]].shape
            guard node.inputs[1] >= 0, filterShape.count == 4, let filter = try floats(node.inputs[1]) else {
                throw fail(index, node, "the filter must be a constant [O, KH, KW, I] tensor")
            }
            let (outC, kh, kw, inC) = (filterShape[0], filterShape[1], filterShape[2], filterShape[3])
            var w = try window(node, index, kernelH: kh, kernelW: kw, strideH: strideH, strideW: strideW, padding: padding, outC: outC)
            guard w.inC == inC, kh > 0, kw > 0 else { throw fail(index, node, "filter \(filterShape) does not fit input channels \(w.inC)") }
            let bias = try optionalBias(node, count: outC, index)
            let packed = NeuralKernels.packConvolution(weights: filter, bias: bias, outC: outC, kernelH: kh, kernelW: kw, inC: inC)
            let input = try operand(node.inputs[0], index, node)
            let padded = w.needsPadding ? allocate(w.paddedCount) : -1
            let patches = method == .im2col && kh * kw > 1 ? allocate(2 * w.outW * kh * kw * inC) : -1 // one row per thread
            let weights = constant(packed.weights), biasOffset = constant(packed.bias)
            let output = try produce(out, count: w.outH * w.outW * outC, index, node)
            w.outC = outC
            steps.append(.convolution(Convolution(window: w, input: input, output: output, weights: weights, bias: biasOffset,
                                                  padded: padded, patches: patches, clamp: Self.clamp(activation))))
            macs += w.outH * w.outW * outC * kh * kw * inC
            summary.append("CONV_2D \(kh)×\(kw)/\(strideH) \(padding == .same ? "SAME" : "VALID") \(inC) to \(outC) channels → \(model.tensors[out].shape)")

        case .depthwiseConv2D(let padding, let strideW, let strideH, let multiplier, let activation):
            try operands(node, inputs: 2...3, index)
            let filterShape = model.tensors[node.inputs[1]].shape
            guard node.inputs[1] >= 0, filterShape.count == 4, filterShape[0] == 1, let filter = try floats(node.inputs[1]) else {
                throw fail(index, node, "the filter must be a constant [1, KH, KW, C] tensor")
            }
            let (kh, kw, c) = (filterShape[1], filterShape[2], filterShape[3])
            let w = try window(node, index, kernelH: kh, kernelW: kw, strideH: strideH, strideW: strideW, padding: padding, outC: c)
            guard multiplier == 1, w.inC == c, kh > 0, kw > 0 else {
                throw fail(index, node, "depth multiplier \(multiplier) with \(w.inC) input and \(c) output channels is not supported")
            }
            let bias = try optionalBias(node, count: c, index) ?? [Float](repeating: 0, count: c)
            let input = try operand(node.inputs[0], index, node)
            let padded: Int
            if kh == 3, kw == 3 {
                padded = Convolution.readsZeros
                zeroFloats = max(zeroFloats, w.inW * c)
            } else {
                padded = w.needsPadding ? allocate(w.paddedCount) : -1
            }
            let weights = constant(filter), biasOffset = constant(bias)
            let output = try produce(out, count: w.outH * w.outW * c, index, node)
            steps.append(.depthwise(Convolution(window: w, input: input, output: output, weights: weights, bias: biasOffset,
                                                padded: padded, patches: -1, clamp: Self.clamp(activation))))
            macs += w.outH * w.outW * c * kh * kw
            summary.append("DEPTHWISE_CONV_2D \(kh)×\(kw)/\(strideH) \(padding == .same ? "SAME" : "VALID") \(c) → \(model.tensors[out].shape)")

        case .maxPool2D(let padding, let strideW, let strideH, let filterW, let filterH, let activation):
            try operands(node, inputs: 1...1, index)
            let c = try image(node.inputs[0], index, node).c
            let w = try window(node, index, kernelH: filterH, kernelW: filterW, strideH: strideH, strideW: strideW, padding: padding, outC: c)
            let input = try operand(node.inputs[0], index, node)
            let output = try produce(out, count: w.outH * w.outW * c, index, node)
            steps.append(.maxPool(window: w, input: input, output: output, clamp: Self.clamp(activation)))
            summary.append("MAX_POOL_2D \(filterH)×\(filterW)/\(strideH) → \(model.tensors[out].shape)")

        case .add(let activation):
            try operands(node, inputs: 2...2, index)
            let a = node.inputs[0], b = node.inputs[1]
            guard a >= 0, b >= 0, model.tensors[a].shape == model.tensors[b].shape else {
                throw fail(index, node, "broadcasting ADD (\(a >= 0 ? model.tensors[a].shape : []) + \(b >= 0 ? model.tensors[b].shape : [])) is not supported")
            }
            let count = model.tensors[a].elementCount
            let ia = try operand(a, index, node), ib = try operand(b, index, node)
            let output = try produce(out, count: count, index, node)
            steps.append(.add(a: ia, b: ib, output: output, count: count, clamp: Self.clamp(activation)))
            summary.append("ADD → \(model.tensors[out].shape)")

        case .relu:
            try operands(node, inputs: 1...1, index)
            let count = model.tensors[node.inputs[0]].elementCount
            let input = try operand(node.inputs[0], index, node)
            let output = try produce(out, count: count, index, node)
            steps.append(.relu(input: input, output: output, count: count))
            summary.append("RELU → \(model.tensors[out].shape)")

        case .prelu:
            try operands(node, inputs: 2...2, index)
            guard node.inputs[0] >= 0, node.inputs[1] >= 0, let alpha = try floats(node.inputs[1]) else {
                throw fail(index, node, "the slopes must be a constant tensor")
            }
            let shape = model.tensors[node.inputs[0]].shape
            let count = model.tensors[node.inputs[0]].elementCount
            let channels = shape.last ?? 1
            let alphaShape = model.tensors[node.inputs[1]].shape
            guard alpha.count == channels, alphaShape.last == channels || alphaShape.isEmpty, channels > 0 else {
                throw fail(index, node, "slopes \(alphaShape) are not one per channel of \(shape)")
            }
            let input = try operand(node.inputs[0], index, node)
            let alphaOffset = constant(alpha)
            let output = try produce(out, count: count, index, node)
            steps.append(.prelu(input: input, alpha: alphaOffset, output: output, pixels: count / channels, channels: channels))
            summary.append("PRELU → \(model.tensors[out].shape)")

        case .pad:
            try operands(node, inputs: 2...2, index)
            let shape = model.tensors[node.inputs[0]].shape
            guard node.inputs[1] >= 0, let paddings = try int32s(node.inputs[1]), (1...4).contains(shape.count),
                  paddings.count == 2 * shape.count, paddings.allSatisfy({ $0 >= 0 && $0 <= 4096 }) else {
                throw fail(index, node, "paddings must be a constant [rank, 2] of non-negative values for a tensor of rank ≤ 4")
            }
            let lead = 4 - shape.count
            let inShape = [Int](repeating: 1, count: lead) + shape
            let before = [Int](repeating: 0, count: lead) + (0..<shape.count).map { paddings[2 * $0] }
            let after = [Int](repeating: 0, count: lead) + (0..<shape.count).map { paddings[2 * $0 + 1] }
            let outShape = (0..<4).map { inShape[$0] + before[$0] + after[$0] }
            guard Array(outShape.dropFirst(lead)) == model.tensors[out].shape else {
                throw fail(index, node, "output \(model.tensors[out].shape) does not match \(shape) padded by \(paddings)")
            }
            let input = try operand(node.inputs[0], index, node)
            let output = try produce(out, count: outShape.reduce(1, *), index, node)
            steps.append(.pad(input: input, inShape: inShape, before: before, outShape: outShape, output: output))
            summary.append("PAD \(paddings) → \(model.tensors[out].shape)")

        case .reshape:
            try operands(node, inputs: 1...2, index)
            guard node.inputs[0] >= 0, model.tensors[node.inputs[0]].elementCount == model.tensors[out].elementCount else {
                throw fail(index, node, "the output does not hold as many values as the input")
            }
            let input = try operand(node.inputs[0], index, node)
            guard model.tensors[out].data == nil, offsets[out] < 0, model.tensors[out].type == .float32 else {
                throw fail(index, node, "writes tensor \"\(name(out))\", which is a constant or already computed")
            }
            offsets[out] = input // same values, another shape: no copy
            summary.append("RESHAPE → \(model.tensors[out].shape)")

        case .concatenation(let axis, let activation):
            guard node.inputs.count >= 1, node.outputs.count == 1, activation == .none else {
                throw fail(index, node, "\(node.inputs.count) inputs, \(node.outputs.count) outputs, activation \(activation)")
            }
            let outShape = model.tensors[out].shape
            let rank = outShape.count
            let a = axis < 0 ? axis + rank : axis
            guard a >= 0, a < rank else { throw fail(index, node, "axis \(axis) for rank \(rank)") }
            var parts = [(offset: Int, inner: Int)]()
            var total = 0
            for t in node.inputs {
                guard t >= 0 else { throw fail(index, node, "an input is absent") }
                let s = model.tensors[t].shape
                guard s.count == rank, (0..<rank).allSatisfy({ $0 == a || s[$0] == outShape[$0] }) else {
                    throw fail(index, node, "input \(s) does not fit output \(outShape) along axis \(a)")
                }
                total += s[a]
                parts.append((try operand(t, index, node), s[a...].reduce(1, *)))
            }
            guard total == outShape[a] else { throw fail(index, node, "inputs sum to \(total) along axis \(a), output has \(outShape[a])") }
            let outer = outShape[..<a].reduce(1, *)
            let output = try produce(out, count: outShape.reduce(1, *), index, node)
            steps.append(.concatenate(inputs: parts, outer: outer, output: output))
            summary.append("CONCATENATION axis \(a) → \(outShape)")

        case .mean(let keepDims):
            try operands(node, inputs: 2...2, index)
            let input = try image(node.inputs[0], index, node)
            let expected = keepDims ? [1, 1, 1, input.c] : [1, input.c]
            guard let axes = try int32s(node.inputs[1]), Set(axes) == [1, 2], model.tensors[out].shape == expected else {
                throw fail(index, node, "only the mean over height and width of [1, H, W, C] is supported (output \(model.tensors[out].shape))")
            }
            let source = try operand(node.inputs[0], index, node)
            let destination = try produce(out, count: input.c, index, node)
            steps.append(.mean(input: source, pixels: input.h * input.w, channels: input.c, output: destination))
            summary.append("MEAN over H, W → \(model.tensors[out].shape)")

        case .fullyConnected(let activation, _):
            try operands(node, inputs: 2...3, index)
            let weightShape = model.tensors[node.inputs[1]].shape
            guard weightShape.count == 2, weightShape[0] > 0, weightShape[1] > 0, let weights = try floats(node.inputs[1]) else {
                throw fail(index, node, "the weights must be a constant [outputs, inputs] tensor")
            }
            let (rows, columns) = (weightShape[0], weightShape[1])
            let count = model.tensors[node.inputs[0]].elementCount
            guard count % columns == 0, model.tensors[out].elementCount == count / columns * rows else {
                throw fail(index, node, "input \(model.tensors[node.inputs[0]].shape) and output \(model.tensors[out].shape) do not fit weights \(weightShape)")
            }
            let bias = try optionalBias(node, count: rows, index) ?? [Float](repeating: 0, count: rows)
            let source = try operand(node.inputs[0], index, node)
            let weightOffset = constant(weights), biasOffset = constant(bias)
            let destination = try produce(out, count: count / columns * rows, index, node)
            steps.append(.fullyConnected(FullyConnected(input: source, weights: weightOffset, bias: biasOffset, output: destination,
                                                        batches: count / columns, rows: rows, columns: columns, clamp: Self.clamp(activation))))
            summary.append("FULLY_CONNECTED \(columns) to \(rows) → \(model.tensors[out].shape)")

        case .logistic:
            try operands(node, inputs: 1...1, index)
            let count = model.tensors[node.inputs[0]].elementCount
            let source = try operand(node.inputs[0], index, node)
            let destination = try produce(out, count: count, index, node)
            steps.append(.logistic(input: source, output: destination, count: count))
            summary.append("LOGISTIC → \(model.tensors[out].shape)")

        case .resizeBilinear(let alignCorners, let halfPixelCenters):
            try operands(node, inputs: 2...2, index)
            let input = try image(node.inputs[0], index, node)
            let output = try image(out, index, node)
            guard let size = try int32s(node.inputs[1]), size == [output.h, output.w], output.c == input.c else {
                throw fail(index, node, "the size must be a constant [height, width] matching output \(model.tensors[out].shape) of \(input.c) channels")
            }
            let source = try operand(node.inputs[0], index, node)
            let destination = try produce(out, count: output.h * output.w * output.c, index, node)
            steps.append(.resizeBilinear(Resize(input: source, output: destination, inH: input.h, inW: input.w, channels: input.c,
                                                outH: output.h, outW: output.w, alignCorners: alignCorners,
                                                halfPixelCenters: halfPixelCenters)))
            summary.append("RESIZE_BILINEAR \(alignCorners ? "align_corners" : halfPixelCenters ? "half_pixel_centers" : "") → \(model.tensors[out].shape)")
        }
    }
}

extension Step {
    /// The arena offsets this step reads (constants included).
    var reads: [Int] {
        switch self {
        case .convolution(let c):
            return [c.input, c.weights, c.bias] + (c.residual >= 0 ? [c.residual] : []) + (c.alpha >= 0 ? [c.alpha] : [])
        case .depthwise(let c): return [c.input, c.weights, c.bias]
        case .maxPool(_, let input, _, _): return [input]
        case .add(let a, let b, _, _, _): return [a, b]
        case .relu(let input, _, _): return [input]
        case .prelu(let input, let alpha, _, _, _): return [input, alpha]
        case .pad(let input, _, _, _, _): return [input]
        case .concatenate(let inputs, _, _): return inputs.map(\.offset)
        case .resizeBilinear(let r): return [r.input]
        case .mean(let input, _, _, _): return [input]
        case .fullyConnected(let f): return [f.input, f.weights, f.bias]
        case .logistic(let input, _, _): return [input]
        }
    }
}

extension Planner {
    /// Folds the ADD and the RELU/PRELU that TFLite puts after a convolution into the convolution's store
    /// (`NeuralKernels.Epilogue`), where the convolution's result has no other reader: two passes over
    /// the tensor fewer per residual block. The fused convolution takes the place of the last operator
    /// folded into it, so whatever the ADD's other operand needs has run by then; nothing in between reads
    /// the convolution's result (it has one reader), and no tensor is ever overwritten (the arena is not
    /// reused), so its inputs are still there.
    mutating func fuseIntoConvolutions(outputs: [Int]) {
        var readers = [Int: Int]()
        for step in steps { for offset in step.reads { readers[offset, default: 0] += 1 } }
        for offset in outputs { readers[offset, default: 0] += 2 } // never fold away a graph output
        var fused = 0
        var i = 0
        while i < steps.count {
            guard case .convolution(var c) = steps[i], readers[c.output] == 1,
                  let j = steps[(i + 1)...].firstIndex(where: { $0.reads.contains(c.output) }) else {
                i += 1
                continue
            }
            switch steps[j] {
            case .add(let a, let b, let output, let count, let clamp)
                where c.residual < 0 && c.alpha < 0 && count == c.window.outH * c.window.outW * c.window.outC && a != b:
                c.residual = a == c.output ? b : a
                c.residualClamp = clamp
                c.output = output
            case .relu(_, let output, let count) where c.alpha < 0 && count == c.window.outH * c.window.outW * c.window.outC:
                if c.residual >= 0 {
                    c.residualClamp = NeuralKernels.Clamp(low: max(c.residualClamp.low, 0), high: max(c.residualClamp.high, 0))
                } else {
                    c.clamp = NeuralKernels.Clamp(low: max(c.clamp.low, 0), high: max(c.clamp.high, 0))
                }
                c.output = output
            case .prelu(_, let alpha, let output, _, let channels) where c.alpha < 0 && channels == c.window.outC:
                c.alpha = alpha
                c.output = output
            default:
                i += 1
                continue
            }
            steps[j] = .convolution(c)
            steps.remove(at: i)
            fused += 1
            // The fused step may fold the next operator too (ADD, then PRELU): look at it again.
            i = j - 1
        }
        fusedOperators = fused
    }
}

extension Step {
    /// The arena offsets this step writes (its output and its scratch).
    var writes: [Int] {
        switch self {
        case .convolution(let c), .depthwise(let c):
            return [c.output] + (c.padded >= 0 ? [c.padded] : []) + (c.patches >= 0 ? [c.patches] : [])
        case .maxPool(_, _, let output, _), .add(_, _, let output, _, _), .relu(_, let output, _),
             .prelu(_, _, let output, _, _), .pad(_, _, _, _, let output), .concatenate(_, _, let output):
            return [output]
        case .resizeBilinear(let r): return [r.output]
        case .mean(_, _, _, let output), .logistic(_, let output, _): return [output]
        case .fullyConnected(let f): return [f.output]
        }
    }

    /// The same step with every arena offset `o` replaced by `map(o)`.
    func remapped(_ map: (Int) -> Int) -> Step {
        func convolution(_ c: Convolution) -> Convolution {
            var c = c
            c.input = map(c.input); c.output = map(c.output); c.weights = map(c.weights); c.bias = map(c.bias)
            if c.padded >= 0 { c.padded = map(c.padded) }
            if c.patches >= 0 { c.patches = map(c.patches) }
            if c.residual >= 0 { c.residual = map(c.residual) }
            if c.alpha >= 0 { c.alpha = map(c.alpha) }
            return c
        }
        switch self {
        case .convolution(let c): return .convolution(convolution(c))
        case .depthwise(let c): return .depthwise(convolution(c))
        case .maxPool(let window, let input, let output, let clamp):
            return .maxPool(window: window, input: map(input), output: map(output), clamp: clamp)
        case .add(let a, let b, let output, let count, let clamp):
            return .add(a: map(a), b: map(b), output: map(output), count: count, clamp: clamp)
        case .relu(let input, let output, let count): return .relu(input: map(input), output: map(output), count: count)
        case .prelu(let input, let alpha, let output, let pixels, let channels):
            return .prelu(input: map(input), alpha: map(alpha), output: map(output), pixels: pixels, channels: channels)
        case .pad(let input, let inShape, let before, let outShape, let output):
            return .pad(input: map(input), inShape: inShape, before: before, outShape: outShape, output: map(output))
        case .concatenate(let inputs, let outer, let output):
            return .concatenate(inputs: inputs.map { (map($0.offset), $0.inner) }, outer: outer, output: map(output))
        case .resizeBilinear(var r):
            r.input = map(r.input); r.output = map(r.output)
            return .resizeBilinear(r)
        case .mean(let input, let pixels, let channels, let output):
            return .mean(input: map(input), pixels: pixels, channels: channels, output: map(output))
        case .fullyConnected(var f):
            f.input = map(f.input); f.weights = map(f.weights); f.bias = map(f.bias); f.output = map(f.output)
            return .fullyConnected(f)
        case .logistic(let input, let output, let count): return .logistic(input: map(input), output: map(output), count: count)
        }
    }
}

extension Planner {
    /// Lets tensors whose lifetimes do not overlap share memory, so that one `invoke()` touches a few
    /// tensors' worth of memory (cache-resident) instead of all of them: constants first, then a pool
    /// where each tensor takes the smallest free block that fits, free meaning that the block's last tensor
    /// was last used by an earlier step (never the same step: a step's output must not overlap what it
    /// reads). Graph inputs live from the start, graph outputs to the end. Every step writes all of its
    /// output and scratch, so no tensor relies on the zeros of a fresh arena but the zero row (a constant).
    mutating func shareMemory(inputs: [Int], outputs: [Int]) {
        // Every offset a step names must be the start of an allocation; otherwise keep the plain layout.
        guard steps.allSatisfy({ ($0.reads + $0.writes).allSatisfy { sizes[$0] != nil } }) else { return }
        var first = [Int: Int](), last = [Int: Int]()
        func use(_ offset: Int, _ step: Int) {
            guard !fixed.contains(offset), sizes[offset] != nil else { return }
            first[offset] = min(first[offset] ?? step, step)
            last[offset] = max(last[offset] ?? step, step)
        }
        for offset in inputs { use(offset, -1) }
        for (index, step) in steps.enumerated() {
            for offset in step.reads { use(offset, index) }
            for offset in step.writes { use(offset, index) }
        }
        for offset in outputs { use(offset, steps.count) }

        var map = [Int: Int]()
        var end = 0
        for offset in sizes.keys.sorted() where fixed.contains(offset) {
            map[offset] = end
            end += sizes[offset]!
        }
        var blocks = [(offset: Int, size: Int, freeAfter: Int)]()
        for offset in first.keys.sorted(by: { (first[$0]!, $0) < (first[$1]!, $1) }) {
            let size = sizes[offset]!, from = first[offset]!
            var best = -1
            for (i, block) in blocks.enumerated() where block.size >= size && block.freeAfter < from {
                if best < 0 || block.size < blocks[best].size { best = i }
            }
            if best < 0 {
                blocks.append((end, size, last[offset]!))
                end += size
                best = blocks.count - 1
            }
            blocks[best].freeAfter = last[offset]!
            map[offset] = blocks[best].offset
        }
        // Allocations no step uses (results folded into a convolution's store) need no memory.
        let remap = { (offset: Int) -> Int in map[offset] ?? offset }
        steps = steps.map { $0.remapped(remap) }
        constants = constants.map { (remap($0.offset), $0.values) }
        offsets = offsets.map { $0 >= 0 ? remap($0) : $0 }
        zeros = remap(zeros)
        arenaCount = end
    }
}
