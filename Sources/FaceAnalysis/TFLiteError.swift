/// Why a `.tflite` model could not be loaded. Every offset in the file is checked before it is read,
/// so a damaged or hostile file ends here, never in a crash.
public enum TFLiteError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file could not be read (the system's reason).
    case unreadable(path: String, reason: String)
    /// The FlatBuffer file identifier is not "TFL3".
    case badMagic(found: String)
    /// An offset or length points outside the file; `what` names the structure being read.
    case outOfBounds(what: String, offset: Int, fileSize: Int)
    /// The model uses an operator this runtime does not implement.
    case unsupportedOperator(name: String, operatorIndex: Int)
    /// A tensor of a type the runtime does not handle where it is needed.
    case unsupportedTensorType(tensor: String, type: String)
    /// The structure is readable but inconsistent (shapes that do not fit, indices out of range, …).
    case invalidModel(String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): return "cannot read model \(path): \(reason)"
        case .badMagic(let found): return "not a TFLite model: file identifier is \(found), expected TFL3"
        case .outOfBounds(let what, let offset, let size):
            return "damaged TFLite model: \(what) at offset \(offset) lies outside the \(size)-byte file"
        case .unsupportedOperator(let name, let index):
            return "TFLite model uses operator \(name) (operator #\(index)), which this runtime does not implement"
        case .unsupportedTensorType(let tensor, let type):
            return "TFLite tensor \"\(tensor)\" has type \(type), which this runtime does not handle here"
        case .invalidModel(let reason): return "invalid TFLite model: \(reason)"
        }
    }
}
