import Platform

/// The MediaPipe models the station runs (Apache-2.0), as `scripts/setup` installs them: the face chain's three and
/// the two hand models that find a hand at the face.
public enum FaceModels {
    public static let detector = "face_detection_short_range.tflite"
    public static let mesh = "face_landmark.tflite"
    public static let iris = "iris_landmark.tflite"
    /// MediaPipe's palm detector, full (model complexity 1, MediaPipe Hands' default).
    public static let palm = "palm_detection_full.tflite"
    /// MediaPipe's hand landmark model, full; only its hand-presence score is used (it confirms a palm).
    public static let hand = "hand_landmark_full.tflite"
    public static let fileNames = [detector, mesh, iris, palm, hand]

    /// Where the service looks when no directory is configured.
    public static let installedDirectory = "/usr/share/fotobox/models"

    /// The first of `candidates` that holds all the models, or nil.
    public static func locate(_ candidates: [String]) -> String? {
        candidates.first { directory in fileNames.allSatisfy { FileSystem.exists(directory + "/" + $0) } }
    }
}
