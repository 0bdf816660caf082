import Imaging

/// FaceMesh: the detector's box enlarged 1.5× (square on its long side), turned by the eye line,
/// 192×192 in [0, 1] → 468 points (x, y, z in tensor pixels) and a presence logit.
final class FaceMeshModel {
    static let inputSize = 192
    static let pointCount = 468
    /// Enlargement of the detector's box (MediaPipe's face_detection_front_detection_to_roi).
    static let boxScale = 1.5

    let interpreter: TFLiteInterpreter
    private var crop = RGBImage(width: FaceMeshModel.inputSize, height: FaceMeshModel.inputSize)

    init(interpreter: TFLiteInterpreter) throws(TFLiteError) {
        let n = Self.inputSize
        guard interpreter.inputs.count == 1, interpreter.inputs[0].shape == [1, n, n, 3], interpreter.outputs.count == 2,
              interpreter.outputs[0].count >= Self.pointCount * 3, interpreter.outputs[1].count == 1 else {
            throw .invalidModel("not the FaceMesh model: input \(interpreter.inputs.map(\.shape)), outputs \(interpreter.outputs.map(\.shape))")
        }
        self.interpreter = interpreter
    }

    /// The 468 points in source pixels and the presence score from the detector's box, turned by its eye keypoints;
    /// nil when the crop is degenerate.
    func landmarks(_ image: RGBImage, detection: FaceDetection) -> (points: [MeshPoint], presence: Double)? {
        guard detection.keypoints.count >= 2 else { return nil }
        return landmarks(image, centre: detection.box.centre, side: max(detection.box.width, detection.box.height) * Self.boxScale,
                         angle: angle(from: detection.keypoints[0], to: detection.keypoints[1]))
    }

    /// A second pass on the box of the first pass's points, turned by its eye corners (33 → 263): MediaPipe's
    /// tracking crop (face_landmark_landmarks_to_roi), better centred on the face than the detector's box.
    func refined(_ image: RGBImage, previous points: [MeshPoint]) -> (points: [MeshPoint], presence: Double)? {
        guard points.count == Self.pointCount else { return nil }
        var x0 = Double.infinity, y0 = Double.infinity, x1 = -Double.infinity, y1 = -Double.infinity
        for p in points {
            x0 = min(x0, p.x); y0 = min(y0, p.y); x1 = max(x1, p.x); y1 = max(y1, p.y)
        }
        return landmarks(image, centre: Point(x: (x0 + x1) / 2, y: (y0 + y1) / 2), side: max(x1 - x0, y1 - y0) * Self.boxScale,
                         angle: angle(from: points[33].point, to: points[263].point))
    }

    private func landmarks(_ image: RGBImage, centre: Point, side: Double, angle: Double) -> (points: [MeshPoint], presence: Double)? {
        guard let crop = ModelCrop(centre: centre, side: side, angle: angle, size: Self.inputSize) else { return nil }
        crop.fill(interpreter.input(0), from: image, crop: &self.crop, scale: 1.0 / 255, offset: 0)
        interpreter.invoke()
        let raw = interpreter.output(0)
        var points = [MeshPoint]()
        points.reserveCapacity(Self.pointCount)
        for i in 0..<Self.pointCount {
            let p = crop.source(Double(raw[3 * i]), Double(raw[3 * i + 1]))
            points.append(MeshPoint(x: p.x, y: p.y, z: Double(raw[3 * i + 2]) * crop.sourcePerTensorPixel))
        }
        return (points, sigmoid(interpreter.output(1)[0]))
    }
}

/// The iris model: a square on the eye corners enlarged 2.3×, 64×64 in [0, 1], the image-right eye
/// mirrored (the model knows one eye) → 71 eye-contour points and 5 iris points (centre first).
final class IrisModel {
    static let inputSize = 64
    static let boxScale = 2.3

    let interpreter: TFLiteInterpreter
    private var crop = RGBImage(width: IrisModel.inputSize, height: IrisModel.inputSize)

    init(interpreter: TFLiteInterpreter) throws(TFLiteError) {
        let n = Self.inputSize
        guard interpreter.inputs.count == 1, interpreter.inputs[0].shape == [1, n, n, 3], interpreter.outputs.count == 2,
              interpreter.outputs[0].count == 71 * 3, interpreter.outputs[1].count == 5 * 3 else {
            throw .invalidModel("not the iris model: input \(interpreter.inputs.map(\.shape)), outputs \(interpreter.outputs.map(\.shape))")
        }
        self.interpreter = interpreter
    }

    /// Eye contour (71) and iris (5, centre first) in source pixels for the eye between `start` and `end`
    /// (mesh corners: 33→133 for the image-left eye, 362→263 for the image-right one, which is mirrored).
    func eye(_ image: RGBImage, start: Point, end: Point, mirrored: Bool) -> (contour: [MeshPoint], iris: [Point])? {
        let side = max(abs(end.x - start.x), abs(end.y - start.y)) * Self.boxScale
        guard let crop = ModelCrop(centre: start.midpoint(end), side: side, angle: angle(from: start, to: end),
                                   size: Self.inputSize, mirrored: mirrored) else { return nil }
        crop.fill(interpreter.input(0), from: image, crop: &self.crop, scale: 1.0 / 255, offset: 0)
        interpreter.invoke()
        let contourRaw = interpreter.output(0), irisRaw = interpreter.output(1)
        // The mirror is inside the crop transform, so its inverse un-mirrors the model's points too.
        var contour = [MeshPoint]()
        contour.reserveCapacity(71)
        for i in 0..<71 {
            let p = crop.source(Double(contourRaw[3 * i]), Double(contourRaw[3 * i + 1]))
            contour.append(MeshPoint(x: p.x, y: p.y, z: Double(contourRaw[3 * i + 2]) * crop.sourcePerTensorPixel))
        }
        let iris = (0..<5).map { crop.source(Double(irisRaw[3 * $0]), Double(irisRaw[3 * $0 + 1])) }
        return (contour, iris)
    }

    /// Which mesh point each of the iris model's 71 contour points refines (MediaPipe's
    /// iris_landmark_landmarks_to_face_landmarks mapping), for the image-left and image-right eye.
    static let imageLeftEyeMeshIndices = [
        33, 7, 163, 144, 145, 153, 154, 155, 133, 246, 161, 160, 159, 158, 157, 173,
        130, 25, 110, 24, 23, 22, 26, 112, 243, 247, 30, 29, 27, 28, 56, 190,
        226, 31, 228, 229, 230, 231, 232, 233, 244, 113, 225, 224, 223, 222, 221, 189,
        35, 124, 46, 53, 52, 65, 143, 111, 117, 118, 119, 120, 121, 128, 245,
        156, 70, 63, 105, 66, 107, 55, 193,
    ]
    static let imageRightEyeMeshIndices = [
        263, 249, 390, 373, 374, 380, 381, 382, 362, 466, 388, 387, 386, 385, 384, 398,
        359, 255, 339, 254, 253, 252, 256, 341, 463, 467, 260, 259, 257, 258, 286, 414,
        446, 261, 448, 449, 450, 451, 452, 453, 464, 342, 445, 444, 443, 442, 441, 413,
        265, 353, 276, 283, 282, 295, 372, 340, 346, 347, 348, 349, 350, 357, 465,
        383, 300, 293, 334, 296, 336, 285, 417,
    ]
}
