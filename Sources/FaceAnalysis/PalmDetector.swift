import Imaging
#if canImport(Glibc)
import Glibc
#endif

/// One palm as MediaPipe's palm detector sees it, in source pixels.
public struct PalmDetection: Sendable, Equatable {
    public var score: Double
    /// The palm's box (the palm without the fingers).
    public var box: FaceBox
    /// Seven keypoints: wrist centre, the index, middle, ring and little fingers' knuckles (MCP), the thumb's
    /// CMC and MCP joints, in MediaPipe's order (0 wrist, 1 index MCP, 2 middle MCP, …).
    public var keypoints: [Point]
    /// The hand landmark model's hand-presence score on `handRegion` (0…1; MediaPipe keeps a hand from 0.5), nil when
    /// it has not run.
    public var handPresence: Double?
    /// The hand landmark model's 21 points (wrist, then four per finger from the thumb, knuckle to tip) in source
    /// pixels; empty when it has not run.
    public var handLandmarks: [Point]

    public init(score: Double, box: FaceBox, keypoints: [Point], handPresence: Double? = nil, handLandmarks: [Point] = []) {
        self.score = score
        self.box = box
        self.keypoints = keypoints
        self.handPresence = handPresence
        self.handLandmarks = handLandmarks
    }

    /// MediaPipe's rotation of the hand region: the wrist → middle knuckle vector turned to point up (radians, the
    /// angle of the region's x axis in the source, y down).
    var rotation: Double {
        let wrist = keypoints[0], knuckle = keypoints[2]
        return Double.pi / 2 - atan2(-(knuckle.y - wrist.y), knuckle.x - wrist.x)
    }

    /// The hand region's centre and side (see `handRegion`).
    var handSquare: (centre: Point, side: Double) {
        let side = max(box.width, box.height)
        let shift = -0.5 * box.height // shift_y −0.5 of the box's height (before squaring), along the turned y axis
        return (Point(x: box.centre.x - shift * sin(rotation), y: box.centre.y + shift * cos(rotation)), 2.6 * side)
    }

    /// The region MediaPipe's hand tracker takes as the whole hand (fingers included): the palm box turned so that
    /// the wrist → middle knuckle vector points up, made square on its longer side, moved half its height towards
    /// the fingers and scaled 2.6× (`HandDetectorGraph`: DetectionsToRects with keypoints 0 → 2 at 90°,
    /// RectTransformation scale 2.6, shift_y −0.5, square_long). Its four corners, in source pixels.
    public var handRegion: [Point] {
        guard keypoints.count > 2 else { return [] }
        let (centre, side) = handSquare
        let half = side / 2
        let (c, s) = (cos(rotation), sin(rotation))
        return [(-1.0, -1.0), (1, -1), (1, 1), (-1, 1)].map { corner in
            let (u, v) = (corner.0 * half, corner.1 * half)
            return Point(x: centre.x + u * c - v * s, y: centre.y + u * s + v * c)
        }
    }
}

/// MediaPipe's palm detector (BlazePalm, `palm_detection_full.tflite`, Apache-2.0): 192×192 letterboxed input in
/// [0, 1] with black bars, 2016 anchors (24×24×2 + 12×12×6), each with a box and seven keypoints relative to its
/// anchor; scores clipped to ±100 through a sigmoid, kept from 0.5, weighted non-maximum suppression at 0.3.
/// Every figure is MediaPipe's `palm_detection_cpu` graph's (SsdAnchors, TensorsToDetections, NonMaxSuppression).
package final class PalmDetector {
    package static let inputSize = 192
    package static let anchorCount = 2016
    static let valuesPerAnchor = 18

    /// Detections below this score are dropped (MediaPipe's min_score_thresh / min_detection_confidence).
    package var minimumScore = 0.5
    /// Boxes overlapping more than this (intersection over union) are merged (MediaPipe's min_suppression_threshold).
    package var suppressionThreshold = 0.3

    let interpreter: TFLiteInterpreter
    private let anchors: [(x: Float, y: Float)]
    private var crop = RGBImage(width: PalmDetector.inputSize, height: PalmDetector.inputSize)

    package init(interpreter: TFLiteInterpreter) throws(TFLiteError) {
        let n = Self.inputSize
        guard interpreter.inputs.count == 1, interpreter.inputs[0].shape == [1, n, n, 3],
              interpreter.outputs.count == 2, interpreter.outputs[0].count == Self.anchorCount * Self.valuesPerAnchor,
              interpreter.outputs[1].count == Self.anchorCount else {
            throw .invalidModel("not MediaPipe's palm detector: input \(interpreter.inputs.map(\.shape)), outputs \(interpreter.outputs.map(\.shape))")
        }
        self.interpreter = interpreter
        anchors = Self.makeAnchors()
    }

    /// MediaPipe's SSD anchors for 4 layers with strides 8, 16, 16, 16 on 192×192, offset 0.5, fixed size: layers of
    /// the same stride share one grid, each layer giving two anchors per cell (aspect ratio 1 and the interpolated
    /// scale): 2 per cell of the 24×24 grid, 6 per cell of the 12×12 grid.
    package static func makeAnchors() -> [(x: Float, y: Float)] { mediaPipeSSDAnchors(inputSize: inputSize) }

    /// Every palm above `minimumScore`, best first.
    package func detect(_ image: RGBImage) -> [PalmDetection] {
        guard image.width > 0, image.height > 0 else { return [] }
        let n = Self.inputSize
        let letterbox = ModelCrop(letterboxing: image.width, image.height, into: n)
        letterbox.fill(interpreter.input(0), from: image, crop: &crop, scale: 1.0 / 255, offset: 0)
        interpreter.invoke()
        return decode(letterbox)
    }

    /// The model's outputs after `invoke()` as palms in source pixels (through `letterbox`).
    func decode(_ letterbox: ModelCrop) -> [PalmDetection] {
        let regressors = interpreter.output(0), scores = interpreter.output(1)
        let candidates = decodeMediaPipeSSD(regressors: regressors, scores: scores, anchors: anchors, inputSize: Self.inputSize,
                                            keypointCount: 7, minimumScore: minimumScore, letterbox: letterbox)
        return FaceDetector.weightedSuppression(candidates, threshold: suppressionThreshold)
            .map { PalmDetection(score: $0.score, box: $0.box, keypoints: $0.keypoints) }
    }
}

/// MediaPipe's hand landmark model (`hand_landmark_full.tflite`, Apache-2.0): MediaPipe's hand tracker runs it on each
/// palm's hand region (224×224, [0, 1]) and keeps the hand when its presence score reaches 0.5
/// (min_hand_presence_confidence) — it tells a palm from a face the palm detector mistook for one — and its 21 points
/// say where the hand's fingers are.
package final class HandPresenceModel {
    package static let inputSize = 224
    /// MediaPipe's default min_hand_presence_confidence.
    package static let minimumPresence = 0.5

    let interpreter: TFLiteInterpreter
    private var crop = RGBImage(width: HandPresenceModel.inputSize, height: HandPresenceModel.inputSize)

    package init(interpreter: TFLiteInterpreter) throws(TFLiteError) {
        let n = Self.inputSize
        guard interpreter.inputs.count == 1, interpreter.inputs[0].shape == [1, n, n, 3], interpreter.outputs.count == 4,
              interpreter.outputs[0].count == 63, interpreter.outputs[1].count == 1, interpreter.outputs[2].count == 1 else {
            throw .invalidModel("not MediaPipe's hand landmark model: input \(interpreter.inputs.map(\.shape)), outputs \(interpreter.outputs.map(\.shape))")
        }
        self.interpreter = interpreter
    }

    /// `palm` with the hand-presence score (the model's second output, through its own sigmoid) and the 21 points
    /// (its first output, x, y, z per point in tensor pixels) on its hand region; unchanged when the region is degenerate.
    package func confirm(_ image: RGBImage, palm: PalmDetection) -> PalmDetection {
        guard palm.keypoints.count == 7 else { return palm }
        let (centre, side) = palm.handSquare
        guard let region = ModelCrop(centre: centre, side: side, angle: palm.rotation, size: Self.inputSize) else { return palm }
        region.fill(interpreter.input(0), from: image, crop: &crop, scale: 1.0 / 255, offset: 0)
        interpreter.invoke()
        let value = Double(interpreter.output(1)[0])
        guard value.isFinite else { return palm }
        let points = interpreter.output(0)
        let landmarks = (0..<21).map { region.source(Double(points[3 * $0]), Double(points[3 * $0 + 1])) }
        var confirmed = palm
        confirmed.handPresence = min(max(value, 0), 1)
        confirmed.handLandmarks = landmarks.allSatisfy { abs($0.x) < 1e6 && abs($0.y) < 1e6 } ? landmarks : []
        return confirmed
    }
}

extension PalmDetection {
    /// A hand by MediaPipe's two defaults: detected as a palm (score ≥ 0.5) and confirmed by the hand landmark model
    /// (presence ≥ 0.5). False when the presence model has not run.
    public var isHand: Bool { score >= 0.5 && (handPresence ?? 0) >= HandPresenceModel.minimumPresence }
}
