import FaceAnalysis
import Imaging

/// What the liveness judge keeps of one preview frame's face: the mesh points that move rigidly with the
/// skull, the pose, the lid and lip gaps, and the face's grey texture (36 KB, size-normalised).
public struct FaceObservation: Sendable, Equatable {
    /// `rigidIndices`' mesh points, in that order (source pixels; z in the same scale).
    public var points: [MeshPoint]
    public var yaw: Double
    public var pitch: Double
    /// Mean of both eyes' lid gap ÷ eye width.
    public var eyeOpenness: Double
    public var mouthOpenness: Double
    /// The face's grey texture, normalised in size (nil: the judge uses the mesh points alone).
    public var texture: FaceTexture?

    public init(points: [MeshPoint], yaw: Double, pitch: Double, eyeOpenness: Double, mouthOpenness: Double, texture: FaceTexture? = nil) {
        self.points = points
        self.yaw = yaw
        self.pitch = pitch
        self.eyeOpenness = eyeOpenness
        self.mouthOpenness = mouthOpenness
        self.texture = texture
    }

    /// The observation of a face the chain found (preview or full mode) in `image`.
    public init(_ face: DetectedFace, in image: RGBImage?) {
        let landmarks = face.landmarks
        points = landmarks.count >= 468 ? Self.rigidIndices.map { landmarks[$0] } : []
        yaw = face.pose.yaw
        pitch = face.pose.pitch
        eyeOpenness = (face.eyeOpenness.imageLeft + face.eyeOpenness.imageRight) / 2
        mouthOpenness = face.mouthOpenness
        texture = nil
        if let image, !points.isEmpty { texture = FaceTexture(image: image, points: points, size: size) }
    }

    /// The size the residuals are divided by: root-mean-square distance of the points from their
    /// centroid (≈ 0.35 × face width), so the measure does not depend on resolution or distance.
    public var size: Double {
        guard !points.isEmpty else { return 0 }
        let n = Double(points.count)
        let cx = points.reduce(0) { $0 + $1.x } / n, cy = points.reduce(0) { $0 + $1.y } / n
        return (points.reduce(0) { $0 + ($1.x - cx) * ($1.x - cx) + ($1.y - cy) * ($1.y - cy) } / n).squareRoot()
    }

    /// Mesh points that an expression does not move (FaceMesh topology): the face outline from the
    /// forehead down to the level of the nose's base, the nose's ridge, tip and wings, the eye corners and
    /// the cheekbones. Lips, lids, brows and the jaw are left out: a smile, a blink or speech moves them
    /// and would read as "not rigid" on a real person.
    public static let rigidIndices: [Int] = [
        // outline, forehead to the nose's base level on both sides
        10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 109, 67, 103, 54, 21, 162, 127, 234, 93, 132,
        // nose: ridge, tip, base and wings
        168, 6, 197, 195, 5, 4, 1, 2, 98, 327,
        // eye corners
        33, 133, 362, 263,
        // cheekbones and cheeks
        116, 345, 123, 352, 50, 280, 205, 425,
    ]
}
