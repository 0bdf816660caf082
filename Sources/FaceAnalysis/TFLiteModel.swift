import Platform

/// A `.tflite` model as read from its FlatBuffer: tensors, operators and their options, constant data.
///
/// Only what the face, palm and hand models need is parsed; an operator outside that set is reported by name at load
/// (`TFLiteError.unsupportedOperator`) rather than failing later at inference.
package struct TFLiteModel: Sendable {
    package enum ElementType: Sendable, Equatable {
        case float32, float16, int32, other(Int8)

        init(code: Int8) {
            switch code {
            case 0: self = .float32
            case 1: self = .float16
            case 2: self = .int32
            default: self = .other(code)
            }
        }

        package var name: String {
            switch self {
            case .float32: return "FLOAT32"
            case .float16: return "FLOAT16"
            case .int32: return "INT32"
            case .other(let code): return TFLiteModel.tensorTypeNames[Int(code)] ?? "type #\(code)"
            }
        }
    }

    package struct Tensor: Sendable {
        package var name: String
        package var shape: [Int]
        package var type: ElementType
        /// The constant contents (raw little-endian bytes), nil for activations and inputs.
        package var data: [UInt8]?

        package var elementCount: Int { shape.reduce(1, *) }
    }

    package enum Padding: Sendable, Equatable { case same, valid }

    /// A fused activation, applied to an operator's output.
    package enum FusedActivation: Sendable, Equatable {
        case none, relu, relu6, reluMinus1To1

        init(code: Int8, at operatorIndex: Int) throws(TFLiteError) {
            switch code {
            case 0: self = .none
            case 1: self = .relu
            case 2: self = .reluMinus1To1
            case 3: self = .relu6
            default: throw .invalidModel("operator #\(operatorIndex): fused activation \(code) is not supported")
            }
        }
    }

    package enum Operator: Sendable, Equatable {
        case conv2D(padding: Padding, strideW: Int, strideH: Int, activation: FusedActivation)
        case depthwiseConv2D(padding: Padding, strideW: Int, strideH: Int, depthMultiplier: Int, activation: FusedActivation)
        case maxPool2D(padding: Padding, strideW: Int, strideH: Int, filterW: Int, filterH: Int, activation: FusedActivation)
        case add(activation: FusedActivation)
        case relu
        case prelu
        case pad
        case reshape
        case concatenation(axis: Int, activation: FusedActivation)
        case dequantize
        /// Bilinear upsampling to the size in the second (constant) input; the two options as TFLite defines them.
        case resizeBilinear(alignCorners: Bool, halfPixelCenters: Bool)
        /// A matrix product with constant weights [outputs, inputs] and bias (TFLite's default weights format only).
        case fullyConnected(activation: FusedActivation, keepNumDims: Bool)
        case logistic
        /// The mean over the axes in the second (constant) input.
        case mean(keepDims: Bool)

        package var name: String {
            switch self {
            case .conv2D: return "CONV_2D"
            case .depthwiseConv2D: return "DEPTHWISE_CONV_2D"
            case .maxPool2D: return "MAX_POOL_2D"
            case .add: return "ADD"
            case .relu: return "RELU"
            case .prelu: return "PRELU"
            case .pad: return "PAD"
            case .reshape: return "RESHAPE"
            case .concatenation: return "CONCATENATION"
            case .dequantize: return "DEQUANTIZE"
            case .resizeBilinear: return "RESIZE_BILINEAR"
            case .fullyConnected: return "FULLY_CONNECTED"
            case .logistic: return "LOGISTIC"
            case .mean: return "MEAN"
            }
        }
    }

    package struct Node: Sendable {
        package var op: Operator
        /// Tensor indices; -1 marks an optional input that is absent.
        package var inputs: [Int]
        package var outputs: [Int]
    }

    package var tensors: [Tensor]
    package var nodes: [Node]
    package var inputs: [Int]
    package var outputs: [Int]

    /// Bounds on what a model may declare, so that a damaged count cannot make parsing slow.
    static let maxTensors = 100_000, maxOperators = 100_000, maxRank = 8, maxOperands = 64
    static let maxElements = 1 << 28

    /// Reads a model file.
    package init(contentsOf path: String) throws(TFLiteError) {
        let bytes: [UInt8]
        do {
            bytes = try FileSystem.readFile(path, limit: 64 << 20)
        } catch {
            throw .unreadable(path: path, reason: error.description)
        }
        try self.init(bytes: bytes)
    }

    /// Parses a model from its bytes.
    package init(bytes: [UInt8]) throws(TFLiteError) {
        let buffer = FlatBuffer(bytes)
        guard bytes.count >= 8 else { throw .outOfBounds(what: "file header", offset: 0, fileSize: bytes.count) }
        guard bytes[4] == 0x54, bytes[5] == 0x46, bytes[6] == 0x4C, bytes[7] == 0x33 else {
            throw .badMagic(found: buffer.identifier)
        }
        let model = try buffer.root("model")

        // Operator codes: the builtin code is the larger of the old byte field and the newer int32 field
        // (converters write 127 "placeholder" into the byte when the real code is above it).
        var codes = [(builtin: Int, custom: String?)]()
        if let vector = try model.vector(1, "operator_codes", elementSize: 4) {
            guard vector.count <= Self.maxOperators else { throw .invalidModel("\(vector.count) operator codes") }
            for i in 0..<vector.count {
                let code = try vector.table(i)
                let deprecated = Int(try code.i8(0))
                let builtin = Int(try code.i32(3))
                codes.append((max(deprecated, builtin), try code.string(1, "custom_code")))
            }
        }

        guard let subgraphs = try model.vector(2, "subgraphs", elementSize: 4), subgraphs.count >= 1 else {
            throw .invalidModel("no subgraph")
        }
        guard subgraphs.count == 1 else { throw .invalidModel("\(subgraphs.count) subgraphs; only single-graph models are supported") }
        let graph = try subgraphs.table(0)

        let buffers = try model.vector(4, "buffers", elementSize: 4)
        func bufferData(_ index: Int, for tensor: String) throws(TFLiteError) -> [UInt8]? {
            guard index != 0 else { return nil } // buffer 0 is the empty sentinel by convention
            guard let buffers, index > 0, index < buffers.count else {
                throw .invalidModel("tensor \"\(tensor)\" refers to buffer \(index), which does not exist")
            }
            let table = try buffers.table(index)
            if let data = try table.vector(0, "data", elementSize: 1), data.count > 0 {
                return Array(data.bytes)
            }
            // Large models keep the data after the FlatBuffer: offset/size relative to the file start.
            let offset = try table.u64(1), size = try table.u64(2)
            guard offset > 1 else { return nil }
            guard offset < UInt64(bytes.count), size <= UInt64(bytes.count) - offset else {
                throw .outOfBounds(what: "buffer \(index) data", offset: Int(clamping: offset), fileSize: bytes.count)
            }
            return Array(bytes[Int(offset)..<Int(offset + size)])
        }

        var tensors = [Tensor]()
        if let vector = try graph.vector(0, "tensors", elementSize: 4) {
            guard vector.count <= Self.maxTensors else { throw .invalidModel("\(vector.count) tensors") }
            tensors.reserveCapacity(vector.count)
            for i in 0..<vector.count {
                let table = try vector.table(i)
                let name = try table.string(3, "name") ?? "#\(i)"
                let shape = try table.vector(0, "shape", elementSize: 4)?.int32s(limit: Self.maxRank) ?? []
                var elements = 1
                for dimension in shape {
                    guard dimension >= 0, dimension <= Self.maxElements, elements * dimension <= Self.maxElements else {
                        throw .invalidModel("tensor \"\(name)\" has shape \(shape)")
                    }
                    elements *= dimension
                }
                let type = ElementType(code: try table.i8(1))
                let data = try bufferData(Int(try table.u32(2)), for: name)
                if let data {
                    let size: Int
                    switch type {
                    case .float32, .int32: size = 4
                    case .float16: size = 2
                    case .other: size = 0
                    }
                    guard size == 0 || data.count == elements * size else {
                        throw .invalidModel("tensor \"\(name)\" \(shape) of \(type.name) holds \(data.count) bytes")
                    }
                }
                tensors.append(Tensor(name: name, shape: shape, type: type, data: data))
            }
        }
        func tensorList(_ vector: FlatVector?, _ what: String, allowAbsent: Bool) throws(TFLiteError) -> [Int] {
            let indices = try vector?.int32s(limit: Self.maxOperands) ?? []
            for index in indices where !(index >= 0 && index < tensors.count) && !(allowAbsent && index == -1) {
                throw .invalidModel("\(what) refers to tensor \(index) of \(tensors.count)")
            }
            return indices
        }
        let inputs = try tensorList(try graph.vector(1, "inputs", elementSize: 4), "graph inputs", allowAbsent: false)
        let outputs = try tensorList(try graph.vector(2, "outputs", elementSize: 4), "graph outputs", allowAbsent: false)

        var nodes = [Node]()
        if let vector = try graph.vector(3, "operators", elementSize: 4) {
            guard vector.count <= Self.maxOperators else { throw .invalidModel("\(vector.count) operators") }
            for i in 0..<vector.count {
                let table = try vector.table(i)
                let codeIndex = Int(try table.u32(0))
                guard codeIndex < codes.count else {
                    throw .invalidModel("operator #\(i) refers to operator code \(codeIndex) of \(codes.count)")
                }
                let op = try Self.parseOperator(code: codes[codeIndex], options: try table.table(4, "builtin_options"), index: i)
                let nodeInputs = try tensorList(try table.vector(1, "inputs", elementSize: 4), "operator #\(i) inputs", allowAbsent: true)
                let nodeOutputs = try tensorList(try table.vector(2, "outputs", elementSize: 4), "operator #\(i) outputs", allowAbsent: false)
                nodes.append(Node(op: op, inputs: nodeInputs, outputs: nodeOutputs))
            }
        }
        self.tensors = tensors
        self.nodes = nodes
        self.inputs = inputs
        self.outputs = outputs
    }

    private static func parseOperator(code: (builtin: Int, custom: String?), options: FlatTable?, index: Int) throws(TFLiteError) -> Operator {
        func padding(_ value: Int8) throws(TFLiteError) -> Padding {
            switch value {
            case 0: return .same
            case 1: return .valid
            default: throw .invalidModel("operator #\(index): padding \(value)")
            }
        }
        func positive(_ value: Int32, _ what: String) throws(TFLiteError) -> Int {
            guard value >= 1, value <= 64 else { throw .invalidModel("operator #\(index): \(what) \(value)") }
            return Int(value)
        }
        // Defaults when the options table is absent are the schema's: zero / NONE / SAME.
        let o = options
        switch code.builtin {
        case 0:
            return .add(activation: try FusedActivation(code: try o?.i8(0) ?? 0, at: index))
        case 2:
            return .concatenation(axis: Int(try o?.i32(0) ?? 0), activation: try FusedActivation(code: try o?.i8(1) ?? 0, at: index))
        case 3:
            guard try (o?.i32(4, default: 1) ?? 1) == 1, try (o?.i32(5, default: 1) ?? 1) == 1 else {
                throw .invalidModel("operator #\(index): dilated CONV_2D is not supported")
            }
            return .conv2D(padding: try padding(try o?.i8(0) ?? 0), strideW: try positive(try o?.i32(1) ?? 0, "stride"),
                           strideH: try positive(try o?.i32(2) ?? 0, "stride"),
                           activation: try FusedActivation(code: try o?.i8(3) ?? 0, at: index))
        case 4:
            guard try (o?.i32(5, default: 1) ?? 1) == 1, try (o?.i32(6, default: 1) ?? 1) == 1 else {
                throw .invalidModel("operator #\(index): dilated DEPTHWISE_CONV_2D is not supported")
            }
            return .depthwiseConv2D(padding: try padding(try o?.i8(0) ?? 0), strideW: try positive(try o?.i32(1) ?? 0, "stride"),
                                    strideH: try positive(try o?.i32(2) ?? 0, "stride"),
                                    depthMultiplier: try positive(try o?.i32(3, default: 1) ?? 1, "depth multiplier"),
                                    activation: try FusedActivation(code: try o?.i8(4) ?? 0, at: index))
        case 6: return .dequantize
        case 9:
            // FullyConnectedOptions: fused_activation_function, weights_format (0 DEFAULT), keep_num_dims, asymmetric_quantize_inputs.
            guard try (o?.i8(1) ?? 0) == 0 else { throw .invalidModel("operator #\(index): FULLY_CONNECTED with shuffled weights is not supported") }
            return .fullyConnected(activation: try FusedActivation(code: try o?.i8(0) ?? 0, at: index), keepNumDims: try (o?.u8(2) ?? 0) != 0)
        case 14: return .logistic
        case 40: return .mean(keepDims: try (o?.u8(0) ?? 0) != 0)
        case 17:
            return .maxPool2D(padding: try padding(try o?.i8(0) ?? 0), strideW: try positive(try o?.i32(1) ?? 0, "stride"),
                              strideH: try positive(try o?.i32(2) ?? 0, "stride"),
                              filterW: try positive(try o?.i32(3) ?? 0, "filter width"),
                              filterH: try positive(try o?.i32(4) ?? 0, "filter height"),
                              activation: try FusedActivation(code: try o?.i8(5) ?? 0, at: index))
        case 19: return .relu
        case 22: return .reshape
        case 23:
            // ResizeBilinearOptions: new_height, new_width (both deprecated), align_corners, half_pixel_centers.
            let alignCorners = try (o?.u8(2) ?? 0) != 0, halfPixelCenters = try (o?.u8(3) ?? 0) != 0
            guard !(alignCorners && halfPixelCenters) else {
                throw .invalidModel("operator #\(index): RESIZE_BILINEAR with both align_corners and half_pixel_centers")
            }
            return .resizeBilinear(alignCorners: alignCorners, halfPixelCenters: halfPixelCenters)
        case 34: return .pad
        case 54: return .prelu
        case 32:
            throw .unsupportedOperator(name: "CUSTOM \"\(code.custom ?? "?")\"", operatorIndex: index)
        default:
            throw .unsupportedOperator(name: builtinNames[code.builtin] ?? "builtin operator #\(code.builtin)", operatorIndex: index)
        }
    }

    /// Names of the builtin operators a face model might plausibly contain, for error messages.
    static let builtinNames: [Int: String] = [
        1: "AVERAGE_POOL_2D", 5: "DEPTH_TO_SPACE", 18: "MUL",
        20: "RELU_N1_TO_1", 21: "RELU6", 25: "SOFTMAX", 28: "TANH", 39: "TRANSPOSE",
        41: "SUB", 42: "DIV", 43: "SQUEEZE", 45: "STRIDED_SLICE", 49: "SPLIT", 53: "CAST",
        55: "MAXIMUM", 57: "MINIMUM", 60: "PADV2", 67: "TRANSPOSE_CONV", 83: "PACK", 97: "RESIZE_NEAREST_NEIGHBOR",
        98: "LEAKY_RELU", 114: "QUANTIZE", 117: "HARD_SWISH",
    ]

    static let tensorTypeNames: [Int: String] = [3: "UINT8", 4: "INT64", 5: "STRING", 6: "BOOL", 7: "INT16", 9: "INT8", 10: "FLOAT64"]
}
