import FotoboxTestSupport
import FaceAnalysis
import KernelDispatch
import Imaging
import Platform
import Testing

/// MediaPipe's palm detector in our runtime: the whole model against LiteRT's outputs, the anchors, the hand region.
@Suite struct PalmDetectorTests {
    /// LiteRT 2.3.0 (`ai_edge_litert.interpreter.Interpreter`, XNNPACK, one thread) on `palm_detection_full.tflite` with the
    /// input of `fillInputsDeterministically()` (the generator `scripts/bench-litert.py` reproduces): for seven anchors
    /// (the first and last of each grid, one inside each, and the best score, anchor 43) the raw score and the first
    /// six regressors (box cx, cy, w, h, wrist x, y). Printed by the snippet in docs/face-analysis.md ("Palm detector").
    static let liteRT: [(anchor: Int, score: Float, regressors: [Float])] = [
        (0, -4.67239, [-1.4393, -0.7733, 18.5725, 18.5718, -8.5472, -7.2603]),
        (577, -7.04817, [-3.8517, -0.0047, 30.2010, 30.1605, 2.5646, 6.7696]),
        (1151, -5.37882, [-0.4186, 0.0991, 28.8570, 28.8024, 1.6797, 7.9427]),
        (1152, -7.87321, [1.6219, 1.3703, 40.2555, 40.2921, -0.6675, -3.4014]),
        (1763, -10.25522, [4.3391, -5.9323, 119.3488, 119.8784, 20.3821, 18.2251]),
        (2015, -9.70307, [14.1968, -9.1783, 121.7473, 122.0061, 20.0653, 17.6537]),
        (43, -2.79587, [2.7200, -0.3674, 33.4484, 33.3988, -0.0667, 12.6991]),
    ]

    /// Our interpreter (RESIZE_BILINEAR with half-pixel centres included) computes what LiteRT computes, within the
    /// printed precision plus float rounding (5e-4 relative to max(1, |value|)), on every kernel path.
    @Test(.needsModels) func theWholeModelAgreesWithLiteRT() throws {
        let model = try TFLiteModel(contentsOf: try TestData.models() + "/" + FaceModels.palm)
        #expect(model.nodes.contains { $0.op == .resizeBilinear(alignCorners: false, halfPixelCenters: true) })
        for path in KernelDispatch.supported {
            let interpreter = try TFLiteInterpreter(model: model, kernels: path)
            interpreter.fillInputsDeterministically()
            interpreter.invoke()
            let regressors = interpreter.output(0), scores = interpreter.output(1)
            var best = 0
            for i in 0..<PalmDetector.anchorCount where scores[i] > scores[best] { best = i }
            #expect(best == 43, "\(path)")
            for reference in Self.liteRT {
                #expect(abs(scores[reference.anchor] - reference.score) <= 5e-4 * max(1, abs(reference.score)), "\(path) anchor \(reference.anchor) score")
                for (k, value) in reference.regressors.enumerated() {
                    let ours = regressors[reference.anchor * 18 + k]
                    #expect(abs(ours - value) <= 5e-4 * max(1, abs(value)), "\(path) anchor \(reference.anchor) value \(k): \(ours) vs LiteRT \(value)")
                }
            }
        }
    }

    /// LiteRT 2.3.0 on `hand_landmark_full.tflite` with the deterministic input: the first nine landmark values, the
    /// hand presence, the handedness, the first nine world-landmark values (same snippet, docs/face-analysis.md).
    static let handLiteRT: [[Float]] = [
        [101.35509, 177.30679, 0.00011, 103.81192, 154.36842, 6.74609, 111.09334, 128.30054, 9.41635],
        [0.00815], [0.51873],
        [0.00045, 0.06045, 0.04388, 0.00783, 0.04238, 0.04544, 0.01539, 0.02183, 0.04076],
    ]

    /// The hand landmark model (FULLY_CONNECTED, LOGISTIC and MEAN included) computes what LiteRT computes: 5e-4
    /// relative to max(1, |value|), and the presence within 1e-4 absolute, on every kernel path.
    @Test(.needsModels) func theHandModelAgreesWithLiteRT() throws {
        let model = try TFLiteModel(contentsOf: try TestData.models() + "/" + FaceModels.hand)
        for path in KernelDispatch.supported {
            let interpreter = try TFLiteInterpreter(model: model, kernels: path)
            interpreter.fillInputsDeterministically()
            interpreter.invoke()
            for (o, reference) in Self.handLiteRT.enumerated() {
                for (k, value) in reference.enumerated() {
                    let ours = interpreter.output(o)[k]
                    #expect(abs(ours - value) <= (o == 1 ? 1e-4 : 5e-4 * max(1, abs(value))), "\(path) output \(o)[\(k)]: \(ours) vs LiteRT \(value)")
                }
            }
        }
    }

    /// The bytes of `file` with the first int32 of the constant input `operand` of the first operator `matching`
    /// replaced by `value` (a resize's height, a mean's first axis): structurally valid models the planner must refuse.
    static func rewritingConstant(of file: String, operand: Int, value: Int32, matching: (TFLiteModel.Operator) -> Bool) throws -> [UInt8] {
        var bytes = try FileSystem.readFile(try TestData.models() + "/" + file)
        let model = try TFLiteModel(bytes: bytes)
        let node = try #require(model.nodes.first { matching($0.op) })
        let root = try FlatBuffer(bytes).root("model")
        let graph = try #require(try root.vector(2, "subgraphs", elementSize: 4)).table(0)
        let tensor = try #require(try graph.vector(0, "tensors", elementSize: 4)).table(node.inputs[operand])
        let at = try #require(try tensor.field(2))
        let buffer = Int(UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24)
        let buffers = try #require(try root.vector(4, "buffers", elementSize: 4))
        let data = try #require(try buffers.table(buffer).vector(0, "data", elementSize: 1))
        for k in 0..<4 { bytes[data.start + k] = UInt8(truncatingIfNeeded: UInt32(bitPattern: value) >> (8 * k)) }
        return bytes
    }

    /// A resize to a size its output does not have, and a mean over other axes than height and width: clear errors
    /// naming the operator, never a wrong result or a trap.
    @Test(.needsModels) func damagedNewOperatorsAreRefusedByName() throws {
        let resize = try Self.rewritingConstant(of: FaceModels.palm, operand: 1, value: 13) {
            if case .resizeBilinear = $0 { return true } else { return false }
        }
        let mean = try Self.rewritingConstant(of: FaceModels.hand, operand: 1, value: 3) {
            if case .mean = $0 { return true } else { return false }
        }
        for (bytes, name) in [(resize, "RESIZE_BILINEAR"), (mean, "MEAN")] {
            do {
                _ = try TFLiteInterpreter(model: try TFLiteModel(bytes: bytes))
                Issue.record("a damaged \(name) was planned")
            } catch {
                #expect(error.description.contains(name), "\(error)")
            }
        }
    }

    @Test func anchorsFollowMediaPipesLayout() {
        let anchors = PalmDetector.makeAnchors()
        #expect(anchors.count == 2016)
        #expect(anchors[0] == (0.5 / 24, 0.5 / 24) && anchors[1] == anchors[0])
        #expect(anchors[1151] == (23.5 / 24, 23.5 / 24))
        #expect(anchors[1152] == (0.5 / 12, 0.5 / 12) && anchors[1157] == anchors[1152] && anchors[1158] == (1.5 / 12, 0.5 / 12))
        #expect(anchors[2015] == (11.5 / 12, 11.5 / 12))
    }

    /// The hand region: for a palm pointing up (wrist below the middle knuckle) it is the palm box made square,
    /// moved up by half the box's height and grown 2.6×; turned with the hand when it points sideways.
    @Test func handRegionIsMediaPipesRect() {
        let up = PalmDetection(score: 0.9, box: FaceBox(x: 100, y: 200, width: 40, height: 50),
                               keypoints: [Point(x: 120, y: 240), Point(x: 110, y: 215), Point(x: 120, y: 212)] + Array(repeating: Point(x: 0, y: 0), count: 4))
        let r = up.handRegion
        let xs = r.map(\.x), ys = r.map(\.y)
        #expect(abs(xs.min()! - (120 - 65)) < 1e-9 && abs(xs.max()! - (120 + 65)) < 1e-9)
        #expect(abs(ys.min()! - (200 - 65)) < 1e-9 && abs(ys.max()! - (200 + 65)) < 1e-9) // centre 225 − 25
        let right = PalmDetection(score: 0.9, box: FaceBox(x: 100, y: 200, width: 40, height: 40),
                                  keypoints: [Point(x: 100, y: 220), Point(x: 130, y: 210), Point(x: 135, y: 220)] + Array(repeating: Point(x: 0, y: 0), count: 4))
        let centre = right.handRegion.reduce(Point(x: 0, y: 0), +) * 0.25
        #expect(abs(centre.x - 140) < 1e-9 && abs(centre.y - 220) < 1e-9) // moved towards the fingers (+x)
    }

    /// Real hands are found and confirmed: fingers under the chin (`occlusion/if_051`), a hand on crossed arms
    /// (`frames/obama-720p`, far below the face). A face the palm detector takes for a palm (`controls/if_068`) is not
    /// confirmed by the hand model.
    @Test(.needsModels, .needsTestData("faces/attributes"), .needsTestData("frames")) func confirmsRealHandsOnly() throws {
        let analyzer = try FaceAnalyzer(modelDirectory: try TestData.models())
        for name in ["faces/attributes/occlusion/if_051.jpg", "frames/obama-720p.jpg"] {
            let palms = analyzer.palms(try TestData.image(TestData.path(name)))
            #expect(palms.contains { $0.isHand && $0.keypoints.count == 7 }, "\(name): \(palms)")
        }
        let face = analyzer.palms(try TestData.image(TestData.path("faces/attributes/controls/if_068.jpg")))
        #expect(!face.isEmpty && !face.contains(where: \.isHand), "\(face)")
    }

    @Test(.needsModels) func aFaceModelIsNotAPalmDetector() throws {
        let interpreter = try TFLiteInterpreter(contentsOf: try TestData.models() + "/" + FaceModels.detector)
        #expect(throws: TFLiteError.self) { try PalmDetector(interpreter: interpreter) }
    }

    @Test(.needsModels) func emptyAndTinyImagesGiveNoPalm() throws {
        let analyzer = try FaceAnalyzer(modelDirectory: try TestData.models())
        #expect(analyzer.palms(RGBImage(width: 0, height: 0)).isEmpty)
        #expect(analyzer.palms(RGBImage(width: 1, height: 1)).isEmpty)
    }
}
