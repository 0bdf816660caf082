import FotoboxTestSupport
import FaceAnalysis
import KernelDispatch
import Kernels
import Platform
import Testing

@Suite struct TFLiteModelTests {
    func modelBytes(_ name: String) throws -> [UInt8] {
        try FileSystem.readFile(try TestData.models() + "/" + name)
    }

    @Test(.needsModels) func theThreeModelsLoadAndTheirOperatorsAreListed() throws {
        for name in FaceModels.fileNames {
            let bytes = try modelBytes(name)
            let model = try TFLiteModel(bytes: bytes)
            var counts = [String: Int]()
            for node in model.nodes { counts[node.op.name, default: 0] += 1 }
            print("\(name): " + counts.sorted { $0.key < $1.key }.map { "\($0.key) ×\($0.value)" }.joined(separator: ", "))
            let interpreter = try TFLiteInterpreter(model: model)
            var kinds = [String: Int]()
            for line in interpreter.operatorSummary { kinds[line.split(separator: "→")[0].trimmingSpaces, default: 0] += 1 }
            for (kind, count) in kinds.sorted(by: { $0.key < $1.key }) { print("  \(kind) ×\(count)") }
            let input = interpreter.input(0)
            for i in 0..<input.count { input[i] = Float(i % 7) / 7 }
            interpreter.invoke()
            for o in 0..<interpreter.outputs.count {
                #expect(interpreter.output(o).allSatisfy { $0.isFinite }, "\(name) output \(o)")
            }
        }
    }

    /// Runs both interpreters on the same random input (seed 23, values in 0…1) and gives, per output, the
    /// largest difference relative to max(1, |reference|), `reference` being the first.
    static func worstDifferences(_ reference: TFLiteInterpreter, _ other: TFLiteInterpreter) -> [Float] {
        var random = TestRandom(seed: 23)
        let input = (0..<reference.input(0).count).map { _ in (random.float() + 1) / 2 }
        for interpreter in [reference, other] {
            let buffer = interpreter.input(0)
            for i in input.indices { buffer[i] = input[i] }
            interpreter.invoke()
        }
        return (0..<reference.outputs.count).map { o in
            zip(reference.output(o), other.output(o)).reduce(Float(0)) { max($0, abs($1.0 - $1.1) / max(1, abs($1.0))) }
        }
    }

    /// Every instruction-set path this processor supports computes the three models' outputs as the
    /// baseline path does (whose kernels KernelTests holds against the scalar references), within 1e-4.
    @Test(.needsModels, arguments: KernelDispatch.supported)
    func everyKernelPathAgreesWithTheBaseline(path: KernelPath) throws {
        let directory = try TestData.models()
        for name in FaceModels.fileNames {
            let model = try TFLiteModel(contentsOf: directory + "/" + name)
            let baseline = try TFLiteInterpreter(model: model, kernels: .baseline)
            let other = try TFLiteInterpreter(model: model, kernels: path)
            #expect(other.kernelPath == path)
            for (o, worst) in Self.worstDifferences(baseline, other).enumerated() {
                #expect(worst < 1e-4, "\(name) output \(o) on \(path): \(worst)")
            }
        }
    }

    /// Folding ADD/RELU/PRELU into the convolutions' stores changes nothing but the number of passes: the
    /// fused plan gives the outputs of every operator run on its own, on every path.
    @Test(.needsModels, arguments: KernelDispatch.supported)
    func fusedOperatorsGiveTheOutputsOfSeparateOnes(path: KernelPath) throws {
        let directory = try TestData.models()
        for name in FaceModels.fileNames {
            let model = try TFLiteModel(contentsOf: directory + "/" + name)
            let fused = try TFLiteInterpreter(model: model, kernels: path)
            let separate = try TFLiteInterpreter(model: model, kernels: path, fuse: false)
            #expect(fused.fusedOperators > 0, "\(name): nothing fused")
            #expect(separate.fusedOperators == 0)
            for (o, worst) in Self.worstDifferences(fused, separate).enumerated() {
                #expect(worst < 1e-5, "\(name) output \(o) on \(path): \(worst)")
            }
        }
    }

    /// Two threads and the im2col method compute the same outputs as one thread and the direct method.
    @Test(.needsModels) func threadsAndMethodsAgree() throws {
        let directory = try TestData.models()
        for name in FaceModels.fileNames {
            let model = try TFLiteModel(contentsOf: directory + "/" + name)
            let single = try TFLiteInterpreter(model: model)
            let double = try TFLiteInterpreter(model: model, method: .im2col)
            double.threads = 2
            var random = TestRandom(seed: 17)
            let input = (0..<single.input(0).count).map { _ in (random.float() + 1) / 2 }
            for interpreter in [single, double] {
                let buffer = interpreter.input(0)
                for i in input.indices { buffer[i] = input[i] }
                interpreter.invoke()
            }
            for o in 0..<single.outputs.count {
                let a = single.output(o), b = double.output(o)
                let worst = zip(a, b).reduce(Float(0)) { max($0, abs($1.0 - $1.1) / max(1, abs($1.0))) }
                #expect(worst < 1e-5, "\(name) output \(o): \(worst)")
            }
        }
    }

    @Test func wrongMagicIsNamed() {
        var bytes = [UInt8](repeating: 0, count: 64)
        bytes[4] = 0x50; bytes[5] = 0x4B; bytes[6] = 0x03; bytes[7] = 0x04
        #expect(throws: TFLiteError.badMagic(found: "50 4B 03 04")) { try TFLiteModel(bytes: bytes) }
        #expect(throws: TFLiteError.self) { try TFLiteModel(bytes: [1, 2, 3]) }
        #expect(throws: TFLiteError.self) { try TFLiteModel(bytes: []) }
    }

    @Test(.needsModels) func anUnknownOperatorIsNamed() throws {
        var bytes = try modelBytes(FaceModels.iris)
        // Rewrite the first operator code (its int32 builtin_code field and the deprecated byte) to MUL (18).
        let root = try FlatBuffer(bytes).root("model")
        let code = try #require(try root.vector(1, "operator_codes", elementSize: 4)).table(0)
        if let builtin = try code.field(3) {
            bytes[builtin] = 18; bytes[builtin + 1] = 0; bytes[builtin + 2] = 0; bytes[builtin + 3] = 0
        }
        bytes[try #require(try code.field(0))] = 18
        do {
            _ = try TFLiteModel(bytes: bytes)
            Issue.record("a model with MUL loaded")
        } catch {
            guard case .unsupportedOperator(let name, _) = error else { Issue.record("\(error)"); return }
            #expect(name == "MUL")
            #expect(error.description.contains("MUL"))
        }
    }

    @Test func aMissingFileIsNamed() {
        #expect(throws: TFLiteError.self) { try TFLiteModel(contentsOf: "/nonexistent/model.tflite") }
    }

    /// Truncations, random words written at random offsets, and random bytes: every one ends in a
    /// TFLiteError or in a model that plans and runs; none may trap.
    @Test(.needsModels) func fuzzedModelsNeverCrash() throws {
        let original = try modelBytes(FaceModels.detector)
        var random = TestRandom(seed: 42)
        var rejected = 0, accepted = 0
        func attempt(_ bytes: [UInt8]) {
            do {
                let model = try TFLiteModel(bytes: bytes)
                let interpreter = try TFLiteInterpreter(model: model)
                interpreter.invoke()
                accepted += 1
            } catch {
                #expect(!error.description.isEmpty)
                rejected += 1
            }
        }
        // Truncated anywhere, densely near the start where the tables are.
        for length in Swift.stride(from: 0, to: 4096, by: 7) { attempt(Array(original.prefix(length))) }
        for length in Swift.stride(from: 4096, to: original.count, by: 4093) { attempt(Array(original.prefix(length))) }
        // Random 32-bit words (offsets, counts) at random positions in the structure.
        let structureEnd = min(original.count, 8192)
        for _ in 0..<400 {
            var bytes = original
            for _ in 0..<(1 + random.below(3)) {
                let at = random.below(structureEnd - 4)
                let word = UInt32(truncatingIfNeeded: random.next())
                let value = random.below(4) == 0 ? word : word % UInt32(original.count * 2)
                for k in 0..<4 { bytes[at + k] = UInt8(truncatingIfNeeded: value >> (8 * k)) }
            }
            attempt(bytes)
        }
        // Operators wired to absent (-1) or arbitrary tensors, and shapes rewritten: structurally valid files
        // that the planner must refuse or run safely.
        let graph = try #require(try FlatBuffer(original).root("model").vector(2, "subgraphs", elementSize: 4)).table(0)
        let operators = try #require(try graph.vector(3, "operators", elementSize: 4))
        let tensors = try #require(try graph.vector(0, "tensors", elementSize: 4))
        for _ in 0..<300 {
            var bytes = original
            let words: [Int32] = [-1, 0, Int32(random.below(tensors.count)), Int32(random.below(4096)), Int32.max]
            if random.below(2) == 0 {
                let op = try operators.table(random.below(operators.count))
                guard let list = try op.vector(random.below(2) + 1, "operands", elementSize: 4), list.count > 0 else { continue }
                let at = list.start + 4 * random.below(list.count)
                let value = UInt32(bitPattern: words[random.below(words.count)])
                for k in 0..<4 { bytes[at + k] = UInt8(truncatingIfNeeded: value >> (8 * k)) }
            } else {
                let tensor = try tensors.table(random.below(tensors.count))
                guard let shape = try tensor.vector(0, "shape", elementSize: 4), shape.count > 0 else { continue }
                let at = shape.start + 4 * random.below(shape.count)
                let value = UInt32(bitPattern: words[random.below(words.count)])
                for k in 0..<4 { bytes[at + k] = UInt8(truncatingIfNeeded: value >> (8 * k)) }
            }
            attempt(bytes)
        }
        // Pure noise with the right magic.
        for _ in 0..<100 {
            var bytes = (0..<(8 + random.below(2000))).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            bytes[4] = 0x54; bytes[5] = 0x46; bytes[6] = 0x4C; bytes[7] = 0x33
            attempt(bytes)
        }
        print("fuzz: \(rejected) rejected with an error, \(accepted) still valid")
        #expect(rejected > 0)
    }
}

extension Substring {
    var trimmingSpaces: String { String(self.drop { $0 == " " }.reversed().drop { $0 == " " }.reversed()) }
}
