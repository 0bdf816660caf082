#if canImport(Glibc)
import Glibc
#endif
import Platform

/// Why a camera cannot deliver, each with a description a technician can act on.
public enum CameraError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The node exists but cannot capture video (a metadata node, an output device).
    case notACaptureDevice(String)
    /// The camera offers none of the formats the station reads (or not the one asked for).
    case unsupportedFormat(device: String, asked: PixelFormat?, offered: [PixelFormat])
    /// The size asked for is not among the sizes the camera offers in that format.
    case unsupportedSize(device: String, asked: FrameSize, format: PixelFormat, offered: [FrameSize])
    /// The driver set a different format or size than negotiated.
    case formatRefused(device: String, asked: String, got: String)
    /// Another process streams from the camera (EBUSY).
    case busy(String)
    /// The camera was unplugged or its driver unbound (ENODEV).
    case deviceGone(String)
    /// The driver ended the stream with an I/O error (a fatal streaming error, a USB transfer failure).
    case streamFailed(String)
    /// No frame within the timeout: the camera hangs.
    case timedOut(device: String, milliseconds: Int)
    /// The driver flagged buffer after buffer as broken.
    case tooManyBufferErrors(device: String, count: Int)
    /// The driver gave too few buffers or a buffer too small for the format.
    case badBuffers(device: String, reason: String)
    /// `nextFrame` or `configure` called in the wrong state.
    case wrongState(device: String, expected: String)
    /// A replay directory that is missing, empty, or holds a file that is not a JPEG.
    case replay(String)
    /// Any other failed call.
    case system(SystemError)

    public var description: String {
        switch self {
        case .notACaptureDevice(let path): return "\(path) is not a video capture device"
        case .unsupportedFormat(let device, let asked, let offered):
            let list = offered.isEmpty ? "none" : offered.map(\.description).joined(separator: ", ")
            if let asked { return "\(device) does not offer \(asked) (offers \(list))" }
            return "\(device) offers no format the station reads (offers \(list); reads MJPG, YUYV, NV12, RGB3)"
        case .unsupportedSize(let device, let asked, let format, let offered):
            return "\(device) does not offer \(asked) in \(format) (offers \(offered.map(\.description).joined(separator: ", ")))"
        case .formatRefused(let device, let asked, let got):
            return "\(device) refused \(asked) and set \(got)"
        case .busy(let device): return "\(device) is busy: another program is using the camera"
        case .deviceGone(let device): return "\(device) is gone: camera unplugged or its driver unbound"
        case .streamFailed(let device): return "\(device) stopped streaming with an I/O error"
        case .timedOut(let device, let ms): return "\(device) delivered no frame in \(ms) ms: the camera hangs"
        case .tooManyBufferErrors(let device, let count): return "\(device) flagged \(count) buffers in a row as broken"
        case .badBuffers(let device, let reason): return "\(device): \(reason)"
        case .wrongState(let device, let expected): return "\(device): \(expected)"
        case .replay(let reason): return "replay camera: \(reason)"
        case .system(let error): return error.description
        }
    }

    /// Faults that closing and reopening the device may cure.
    public var isRecoverable: Bool {
        switch self {
        case .busy, .deviceGone, .streamFailed, .timedOut, .tooManyBufferErrors: return true
        case .system(let error): return error.isDeviceGone
        default: return false
        }
    }

    /// A key that is the same for repeats of the same fault, for logging each fault once.
    public var kind: String {
        switch self {
        case .notACaptureDevice: return "notACaptureDevice"
        case .unsupportedFormat: return "unsupportedFormat"
        case .unsupportedSize: return "unsupportedSize"
        case .formatRefused: return "formatRefused"
        case .busy: return "busy"
        case .deviceGone: return "deviceGone"
        case .streamFailed: return "streamFailed"
        case .timedOut: return "timedOut"
        case .tooManyBufferErrors: return "tooManyBufferErrors"
        case .badBuffers: return "badBuffers"
        case .wrongState: return "wrongState"
        case .replay: return "replay"
        case .system(let error): return "system:\(error.call):\(error.errno)"
        }
    }

    /// Maps a failed call on `device` to the fault it means.
    package static func from(_ error: SystemError, device: String) -> CameraError {
        if error.errno == EIO { return .streamFailed(device) }
        if error.isDeviceGone { return .deviceGone(device) }
        if error.isBusy { return .busy(device) }
        return .system(error)
    }
}
