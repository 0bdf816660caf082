import Imaging

/// The face chain: BlazeFace finds every face, FaceMesh places 468 points on each, the iris model refines
/// both eyes and finds the pupils; pose, openness measures and the crown follow from those.
///
/// One analyzer per thread (it owns its models' buffers). Loading takes a few milliseconds; keep it.
public final class FaceAnalyzer {
    public enum Mode: Sendable {
        /// The whole chain: detector, mesh and iris. For photos.
        case full
        /// Detector and mesh only; the pupils are the centres of the mesh's eye rings. For the live preview.
        case preview
    }

    /// Why the analyzer could not be made.
    public enum LoadError: Error, CustomStringConvertible {
        /// The directory does not hold the models.
        case modelsMissing(directory: String)
        /// A model file is unreadable or not a model this chain can run.
        case model(file: String, TFLiteError)

        public var description: String {
            switch self {
            case .modelsMissing(let directory):
                return "face models not found in \(directory) (expected \(FaceModels.fileNames.joined(separator: ", ")); run scripts/setup --models)"
            case .model(let file, let error): return "\(file): \(error)"
            }
        }
    }

    /// Faces whose mesh presence is below this are not faces (the detector's false alarms).
    public var minimumPresence = 0.5

    /// 1 (default) or 2 threads for the larger convolutions; 2 takes the station's second core.
    public var threads: Int {
        get { detector.interpreter.threads }
        set {
            let count = min(max(newValue, 1), 2)
            for (_, interpreter) in interpreters { interpreter.threads = count }
            palm.interpreter.threads = count
            hand.interpreter.threads = count
        }
    }

    private let detector: FaceDetector
    private let mesh: FaceMeshModel
    private let iris: IrisModel
    private let palm: PalmDetector
    private let hand: HandPresenceModel

    /// Loads the models from `modelDirectory`.
    public init(modelDirectory: String) throws(LoadError) {
        guard FaceModels.locate([modelDirectory]) != nil else { throw .modelsMissing(directory: modelDirectory) }
        func load<Model>(_ name: String, _ make: (TFLiteInterpreter) throws(TFLiteError) -> Model) throws(LoadError) -> Model {
            do { return try make(try TFLiteInterpreter(contentsOf: modelDirectory + "/" + name)) } catch { throw .model(file: name, error) }
        }
        detector = try load(FaceModels.detector) { i throws(TFLiteError) in try FaceDetector(interpreter: i) }
        mesh = try load(FaceModels.mesh) { i throws(TFLiteError) in try FaceMeshModel(interpreter: i) }
        iris = try load(FaceModels.iris) { i throws(TFLiteError) in try IrisModel(interpreter: i) }
        palm = try load(FaceModels.palm) { i throws(TFLiteError) in try PalmDetector(interpreter: i) }
        hand = try load(FaceModels.hand) { i throws(TFLiteError) in try HandPresenceModel(interpreter: i) }
    }

    /// Every face in `image`, best detector score first.
    public func analyze(_ image: RGBImage, mode: Mode = .full) -> [DetectedFace] {
        detector.detect(image).compactMap { analyze(image, detection: $0, mode: mode) }
    }

    /// Every palm the palm detector finds in `image` (best score first), each with the hand landmark model's
    /// hand-presence score on its hand region — MediaPipe's hand tracker keeps those from 0.5 (`isHand`). Not part of
    /// `analyze`: the photo's checks run it once on the still (hand at the face), never per preview frame.
    public func palms(_ image: RGBImage) -> [PalmDetection] {
        palm.detect(image).map { hand.confirm(image, palm: $0) }
    }

    /// The detector alone (for diagnostics and tests).
    package func detect(_ image: RGBImage) -> [FaceDetection] { detector.detect(image) }

    /// The face chain's three interpreters, holding the last inputs they saw (the benchmark compares them with OpenCV's).
    package var interpreters: [(file: String, interpreter: TFLiteInterpreter)] {
        [(FaceModels.detector, detector.interpreter), (FaceModels.mesh, mesh.interpreter), (FaceModels.iris, iris.interpreter)]
    }

    private func analyze(_ image: RGBImage, detection: FaceDetection, mode: Mode) -> DetectedFace? {
        guard var found = mesh.landmarks(image, detection: detection), found.presence >= minimumPresence else { return nil }
        if mode == .full, let second = mesh.refined(image, previous: found.points), second.presence >= minimumPresence {
            found = second
        }
        var points = found.points
        let presence = found.presence
        typealias M = FaceMeasures
        var pupils = (imageLeft: M.centre(points, M.imageLeftEyeRing), imageRight: M.centre(points, M.imageRightEyeRing))
        var irisRan = false
        if mode == .full {
            if let left = iris.eye(image, start: points[M.imageLeftEyeOuter].point, end: points[M.imageLeftEyeInner].point, mirrored: false),
               let right = iris.eye(image, start: points[M.imageRightEyeInner].point, end: points[M.imageRightEyeOuter].point, mirrored: true) {
                // The iris model's eye contours are finer than the mesh's: they replace them (as MediaPipe does).
                for (k, index) in IrisModel.imageLeftEyeMeshIndices.enumerated() { points[index] = left.contour[k] }
                for (k, index) in IrisModel.imageRightEyeMeshIndices.enumerated() { points[index] = right.contour[k] }
                pupils = (left.iris[0], right.iris[0])
                irisRan = true
            }
        }
        if pupils.imageLeft.x > pupils.imageRight.x { pupils = (pupils.imageRight, pupils.imageLeft) }
        // A damaged model or a numerical accident must not reach the measures below (they convert to
        // pixel indices): a face whose points are not sane numbers is no face.
        func sane(_ v: Double) -> Bool { v.isFinite && abs(v) < 1e6 }
        guard points.allSatisfy({ sane($0.x) && sane($0.y) && sane($0.z) }),
              sane(pupils.imageLeft.x), sane(pupils.imageLeft.y), sane(pupils.imageRight.x), sane(pupils.imageRight.y)
        else { return nil }
        let p = { (i: Int) in points[i].point }
        let roll = atan2Degrees(pupils.imageRight.y - pupils.imageLeft.y, pupils.imageRight.x - pupils.imageLeft.x)
        let chin = ChinEdge.refine(p(M.chin), in: image, imageLeftEye: pupils.imageLeft, imageRightEye: pupils.imageRight)
        let crown = CrownScan.find(in: image, imageLeftEye: pupils.imageLeft, imageRightEye: pupils.imageRight,
                                   chin: chin, forehead: p(M.foreheadTop))
        let fit = HeadPoseFit.fit(mesh: points)
        return DetectedFace(
            score: detection.score, box: detection.box, meshPresence: presence, pupils: pupils,
            eyeCorners: EyeCorners(imageLeftOuter: p(M.imageLeftEyeOuter), imageLeftInner: p(M.imageLeftEyeInner),
                                   imageRightInner: p(M.imageRightEyeInner), imageRightOuter: p(M.imageRightEyeOuter)),
            noseTip: p(M.noseTip), mouthCentre: p(M.upperInnerLip).midpoint(p(M.lowerInnerLip)), chin: chin,
            crown: crown, pose: fit.map { HeadPose(yaw: $0.yaw, pitch: $0.pitch, roll: roll) } ?? M.pose(points, roll: roll), poseFit: fit,
            headWidth: p(M.imageLeftCheek).distance(to: p(M.imageRightCheek)),
            eyeOpenness: (M.eyeOpenness(points, lids: M.imageLeftLidPairs, cornerA: M.imageLeftEyeOuter, cornerB: M.imageLeftEyeInner),
                          M.eyeOpenness(points, lids: M.imageRightLidPairs, cornerA: M.imageRightEyeInner, cornerB: M.imageRightEyeOuter)),
            eyeContourFromIrisModel: irisRan,
            mouthOpenness: M.mouthOpenness(points), landmarks: points)
    }
}
