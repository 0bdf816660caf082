import Imaging

/// One frame as the camera delivered it: JPEG bytes, or raw YUYV / NV12 / RGB24 pixels.
///
/// The bytes are a copy; the driver's buffer went back to the driver before this was returned.
/// Frames carry pixels of a person: never log or store them unencrypted.
public struct Frame: Sendable {
    public var format: PixelFormat
    public var size: FrameSize
    /// Row stride of raw formats (for NV12, of both planes); 0 for JPEG.
    public var bytesPerLine: Int
    public var bytes: [UInt8]
    /// The driver's frame number.
    public var sequence: UInt32
    /// When the driver captured it (CLOCK_MONOTONIC nanoseconds), when the driver stamps that clock.
    public var capturedNanoseconds: UInt64?
    /// When the station dequeued it (CLOCK_MONOTONIC nanoseconds).
    public var dequeuedNanoseconds: UInt64

    public init(format: PixelFormat, size: FrameSize, bytesPerLine: Int, bytes: [UInt8], sequence: UInt32,
                capturedNanoseconds: UInt64?, dequeuedNanoseconds: UInt64) {
        self.format = format
        self.size = size
        self.bytesPerLine = bytesPerLine
        self.bytes = bytes
        self.sequence = sequence
        self.capturedNanoseconds = capturedNanoseconds
        self.dequeuedNanoseconds = dequeuedNanoseconds
    }

    /// Capture-to-userspace latency; nil when the capture time is unknown or after the dequeue.
    public var latencyNanoseconds: UInt64? {
        guard let captured = capturedNanoseconds, dequeuedNanoseconds >= captured else { return nil }
        return dequeuedNanoseconds - captured
    }
}

/// Why a frame cannot be turned into an image.
public enum FrameDecodeError: Error, Equatable, Sendable, CustomStringConvertible {
    case jpeg(JPEGError)
    case pixels(PixelBufferError)
    /// No conversion to RGB exists for this format yet.
    case noConversion(PixelFormat)

    public var description: String {
        switch self {
        case .jpeg(let error): return "camera frame: \(error)"
        case .pixels(let error): return "camera frame: \(error)"
        case .noConversion(let format): return "camera frame: no conversion from \(format) to RGB"
        }
    }
}

extension Frame {
    /// The frame as RGB. JPEG frames are decoded (with DCT scaling if `scale` is not `.full`); RGB24 frames
    /// are repacked; YUYV and NV12 go through Imaging's colour conversion (`scale` does not apply).
    public func rgbImage(scale: JPEGScale = .full) throws(FrameDecodeError) -> RGBImage {
        if format.isCompressed {
            do { return try JPEG.decode(bytes, options: JPEGDecodeOptions(scale: scale, honourOrientation: false)) }
            catch { throw .jpeg(error) }
        }
        switch format {
        case .rgb24:
            let rowBytes = size.width * 3
            guard size.width > 0, size.height > 0, size.width <= 1 << 15, size.height <= 1 << 15 else {
                throw .pixels(.badSize(width: size.width, height: size.height))
            }
            guard bytesPerLine >= rowBytes else { throw .pixels(.rowStrideTooShort(bytesPerRow: bytesPerLine, minimum: rowBytes)) }
            let needed = (size.height - 1) * bytesPerLine + rowBytes
            guard bytes.count >= needed else { throw .pixels(.bufferTooShort(bytes: bytes.count, needed: needed)) }
            if bytesPerLine == rowBytes {
                return RGBImage(width: size.width, height: size.height, pixels: Array(bytes[0..<needed]))
            }
            var pixels = [UInt8]()
            pixels.reserveCapacity(rowBytes * size.height)
            for row in 0..<size.height { pixels.append(contentsOf: bytes[row * bytesPerLine ..< row * bytesPerLine + rowBytes]) }
            return RGBImage(width: size.width, height: size.height, pixels: pixels)
        case .yuyv:
            do {
                return try bytes.withUnsafeBufferPointer { (raw) throws(PixelBufferError) in
                    try ColourConversion.rgb(fromYUYV: raw, width: size.width, height: size.height,
                                             bytesPerRow: bytesPerLine > 0 ? bytesPerLine : nil)
                }
            } catch { throw .pixels(error) }
        case .nv12:
            do {
                return try bytes.withUnsafeBufferPointer { (raw) throws(PixelBufferError) in
                    try ColourConversion.rgb(fromNV12: raw, width: size.width, height: size.height,
                                             bytesPerRow: bytesPerLine > 0 ? bytesPerLine : nil)
                }
            } catch { throw .pixels(error) }
        default:
            throw .noConversion(format)
        }
    }
}
