import Platform

/// The three MediaPipe models of the chain (Apache-2.0), as `scripts/setup` installs them.
public enum FaceModels {
    public static let detector = "face_detection_short_range.tflite"
    public static let mesh = "face_landmark.tflite"
    public static let iris = "iris_landmark.tflite"
    public static let fileNames = [detector, mesh, iris]

    /// Where the service looks when no directory is configured.
    public static let installedDirectory = "/usr/share/fotobox/models"

    /// The first of `candidates` that holds all three models, or nil.
    public static func locate(_ candidates: [String]) -> String? {
        candidates.first { directory in fileNames.allSatisfy { FileSystem.exists(directory + "/" + $0) } }
    }
}
