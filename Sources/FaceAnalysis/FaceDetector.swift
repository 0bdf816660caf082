import Imaging

/// One face as the detector (BlazeFace, short range) sees it, in source pixels.
package struct FaceDetection: Sendable {
    package var score: Double
    package var box: FaceBox
    /// Six keypoints: image-left eye, image-right eye, nose tip, mouth centre, image-left and image-right tragion.
    package var keypoints: [Point]
}

/// BlazeFace short range: 128×128 letterboxed input in [-1, 1], 896 anchors (16×16×2 + 8×8×6), each with
/// a box and six keypoints relative to its anchor; scores through a sigmoid, weighted non-maximum suppression.
/// Post-processing as MediaPipe's face_detection_short_range graph.
package final class FaceDetector {
    package static let inputSize = 128
    package static let anchorCount = 896

    /// Detections below this score are dropped (MediaPipe's min_score_thresh).
    package var minimumScore = 0.5
    /// Boxes overlapping more than this (intersection over union) are merged.
    package var suppressionThreshold = 0.3

    let interpreter: TFLiteInterpreter
    private let anchors: [(x: Float, y: Float)]
    private var crop = RGBImage(width: FaceDetector.inputSize, height: FaceDetector.inputSize)

    package init(interpreter: TFLiteInterpreter) throws(TFLiteError) {
        let n = Self.inputSize
        guard interpreter.inputs.count == 1, interpreter.inputs[0].shape == [1, n, n, 3],
              interpreter.outputs.count == 2, interpreter.outputs[0].count == Self.anchorCount * 16,
              interpreter.outputs[1].count == Self.anchorCount else {
            throw .invalidModel("not the BlazeFace short-range detector: input \(interpreter.inputs.map(\.shape)), outputs \(interpreter.outputs.map(\.shape))")
        }
        self.interpreter = interpreter
        anchors = Self.makeAnchors()
    }

    /// MediaPipe's SSD anchors for strides 8, 16, 16, 16 on 128×128: two per cell of the 16×16 grid, six per cell
    /// of the 8×8 grid.
    static func makeAnchors() -> [(x: Float, y: Float)] { mediaPipeSSDAnchors(inputSize: inputSize) }

    /// Every face above `minimumScore`, best first.
    package func detect(_ image: RGBImage) -> [FaceDetection] {
        guard image.width > 0, image.height > 0 else { return [] }
        let n = Self.inputSize
        let letterbox = ModelCrop(letterboxing: image.width, image.height, into: n)
        letterbox.fill(interpreter.input(0), from: image, crop: &crop, scale: 2.0 / 255, offset: -1)
        interpreter.invoke()
        let regressors = interpreter.output(0), scores = interpreter.output(1)
        let candidates = decodeMediaPipeSSD(regressors: regressors, scores: scores, anchors: anchors, inputSize: n,
                                            keypointCount: 6, minimumScore: minimumScore, letterbox: letterbox)
        return Self.weightedSuppression(candidates, threshold: suppressionThreshold)
    }

    /// MediaPipe's weighted NMS: the best remaining detection absorbs every other that overlaps it by more than
    /// `threshold`; the merged box and keypoints are the score-weighted mean, the score the best one's.
    package static func weightedSuppression(_ detections: [FaceDetection], threshold: Double) -> [FaceDetection] {
        var remaining = detections.sorted { $0.score > $1.score }
        var result = [FaceDetection]()
        while let best = remaining.first {
            var merged = [FaceDetection](), rest = [FaceDetection]()
            for d in remaining {
                if d.box.overlap(best.box) > threshold { merged.append(d) } else { rest.append(d) }
            }
            if merged.isEmpty { merged = [best]; rest = Array(remaining.dropFirst()) }
            var total = 0.0, x = 0.0, y = 0.0, w = 0.0, h = 0.0
            var keypoints = [Point](repeating: Point(x: 0, y: 0), count: best.keypoints.count)
            for d in merged {
                total += d.score
                x += d.box.x * d.score; y += d.box.y * d.score
                w += d.box.width * d.score; h += d.box.height * d.score
                for k in keypoints.indices where k < d.keypoints.count { keypoints[k] = keypoints[k] + d.keypoints[k] * d.score }
            }
            result.append(FaceDetection(score: best.score, box: FaceBox(x: x / total, y: y / total, width: w / total, height: h / total),
                                        keypoints: keypoints.map { $0 * (1 / total) }))
            remaining = rest
        }
        return result
    }
}

/// MediaPipe's SSD anchor centres (relative to the input) for 4 layers with strides 8, 16, 16, 16, offset 0.5 and a
/// fixed anchor size: layers of the same stride share one grid, each layer giving two anchors per cell, so 2 per
/// cell of the stride-8 grid and 6 per cell of the stride-16 grid. The face detector (128²) and the palm
/// detector (192²) both use it.
func mediaPipeSSDAnchors(inputSize: Int) -> [(x: Float, y: Float)] {
    var anchors = [(x: Float, y: Float)]()
    for (grid, perCell) in [(inputSize / 8, 2), (inputSize / 16, 6)] {
        anchors.reserveCapacity(anchors.count + grid * grid * perCell)
        for y in 0..<grid {
            for x in 0..<grid {
                for _ in 0..<perCell { anchors.append(((Float(x) + 0.5) / Float(grid), (Float(y) + 0.5) / Float(grid))) }
            }
        }
    }
    return anchors
}

/// The detections of a MediaPipe SSD model (BlazeFace, the palm detector) after `invoke()`, in source pixels
/// through `letterbox`, before suppression: per anchor the score (clipped to ±100, then a sigmoid: MediaPipe's
/// score_clipping_thresh), then a box (centre offsets and size in tensor pixels relative to the anchor centre,
/// anchors of size 1, x_scale = w_scale = the input size) and `keypointCount` points. A damaged model's numbers
/// must not reach pixel indices downstream: boxes and points that are not finite and sane are dropped.
func decodeMediaPipeSSD(regressors: UnsafeBufferPointer<Float>, scores: UnsafeBufferPointer<Float>,
                        anchors: [(x: Float, y: Float)], inputSize: Int, keypointCount: Int, minimumScore: Double,
                        letterbox: ModelCrop) -> [FaceDetection] {
    let valuesPerAnchor = 4 + 2 * keypointCount
    let size = Float(inputSize)
    var candidates = [FaceDetection]()
    for i in anchors.indices {
        let score = sigmoid(min(max(scores[i], -100), 100))
        guard score >= minimumScore else { continue }
        let r = i * valuesPerAnchor
        let anchor = anchors[i]
        let cx = (regressors[r] / size + anchor.x) * size, cy = (regressors[r + 1] / size + anchor.y) * size
        let w = regressors[r + 2], h = regressors[r + 3]
        guard w > 0, h > 0, abs(cx) < 1e5, abs(cy) < 1e5, w < 1e5, h < 1e5 else { continue }
        let topLeft = letterbox.source(Double(cx - w / 2), Double(cy - h / 2))
        let bottomRight = letterbox.source(Double(cx + w / 2), Double(cy + h / 2))
        var keypoints = [Point]()
        keypoints.reserveCapacity(keypointCount)
        for k in 0..<keypointCount {
            let kx = (regressors[r + 4 + 2 * k] / size + anchor.x) * size
            let ky = (regressors[r + 5 + 2 * k] / size + anchor.y) * size
            keypoints.append(letterbox.source(Double(kx), Double(ky)))
        }
        guard keypoints.allSatisfy({ abs($0.x) < 1e6 && abs($0.y) < 1e6 }) else { continue }
        candidates.append(FaceDetection(score: score, box: FaceBox(x: topLeft.x, y: topLeft.y, width: bottomRight.x - topLeft.x,
                                                                   height: bottomRight.y - topLeft.y), keypoints: keypoints))
    }
    return candidates
}
