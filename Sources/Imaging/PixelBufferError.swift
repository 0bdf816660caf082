/// Why a raw pixel buffer (a camera frame, a caller's bytes) cannot be read as the format claimed.
public enum PixelBufferError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Width or height is zero, negative, or too large to address.
    case badSize(width: Int, height: Int)
    /// A row stride shorter than one row of pixels.
    case rowStrideTooShort(bytesPerRow: Int, minimum: Int)
    /// The buffer ends before the last row.
    case bufferTooShort(bytes: Int, needed: Int)

    public var description: String {
        switch self {
        case .badSize(let w, let h): return "pixel buffer size \(w)×\(h) is not usable"
        case .rowStrideTooShort(let stride, let minimum):
            return "row stride of \(stride) bytes is shorter than one row (\(minimum) bytes)"
        case .bufferTooShort(let bytes, let needed):
            return "pixel buffer holds \(bytes) bytes, the frame needs \(needed)"
        }
    }

    /// Checks a plane of `rows` rows, `rowBytes` used bytes each, `bytesPerRow` apart, in `count` bytes.
    static func checkPlane(count: Int, rows: Int, rowBytes: Int, bytesPerRow: Int) throws(PixelBufferError) {
        guard bytesPerRow >= rowBytes else { throw .rowStrideTooShort(bytesPerRow: bytesPerRow, minimum: rowBytes) }
        let needed = (rows - 1) * bytesPerRow + rowBytes
        guard count >= needed else { throw .bufferTooShort(bytes: count, needed: needed) }
    }

    /// Frames larger than this on either side are refused: no camera delivers them, and the
    /// products below stay far from overflow.
    static let maxSide = 1 << 15

    static func checkSize(width: Int, height: Int) throws(PixelBufferError) {
        guard width > 0, height > 0, width <= maxSide, height <= maxSide else {
            throw .badSize(width: width, height: height)
        }
    }
}
