/// A V4L2 pixel format code (a fourcc such as "MJPG" or "YUYV").
public struct PixelFormat: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// The four characters, first character in the low byte (V4L2's `v4l2_fourcc`).
    public init(_ fourcc: StaticString) {
        precondition(fourcc.utf8CodeUnitCount == 4, "a fourcc has four characters")
        let p = fourcc.utf8Start
        rawValue = UInt32(p[0]) | UInt32(p[1]) << 8 | UInt32(p[2]) << 16 | UInt32(p[3]) << 24
    }

    public static let mjpeg = PixelFormat("MJPG")
    /// Some cameras label plain JFIF frames "JPEG"; handled like MJPEG.
    public static let jpeg = PixelFormat("JPEG")
    public static let yuyv = PixelFormat("YUYV")
    public static let nv12 = PixelFormat("NV12")
    public static let rgb24 = PixelFormat("RGB3")

    /// The formats the station reads, in order of preference for stills.
    public static let supported: [PixelFormat] = [.mjpeg, .jpeg, .yuyv, .nv12, .rgb24]

    public var isSupported: Bool { Self.supported.contains(self) }
    public var isCompressed: Bool { self == .mjpeg || self == .jpeg }

    /// The fourcc as text, "MJPG"; unprintable bytes as "?".
    public var description: String {
        var text = ""
        for shift in stride(from: 0, to: 32, by: 8) {
            let byte = UInt8(truncatingIfNeeded: rawValue >> UInt32(shift))
            text.append(byte >= 0x20 && byte < 0x7f ? Character(Unicode.Scalar(byte)) : "?")
        }
        return text
    }

    /// The name technicians type on the command line ("mjpeg", "yuyv", "nv12", "rgb24").
    public init?(name: String) {
        switch name.lowercased() {
        case "mjpeg", "mjpg": self = .mjpeg
        case "jpeg": self = .jpeg
        case "yuyv", "yuy2": self = .yuyv
        case "nv12": self = .nv12
        case "rgb24", "rgb3": self = .rgb24
        default: return nil
        }
    }

    /// Bytes a raw frame of this format needs with packed rows; nil for compressed formats.
    public func rawFrameBytes(width: Int, height: Int) -> Int? {
        switch self {
        case .yuyv: return width * 2 * height
        case .nv12: return width * height + width * ((height + 1) / 2)
        case .rgb24: return width * 3 * height
        default: return nil
        }
    }
}

/// A frame size in pixels.
public struct FrameSize: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var width: Int
    public var height: Int
    public init(width: Int, height: Int) {
        self.width = width
        self.height = height
    }

    public var pixels: Int { width * height }
    public var description: String { "\(width)x\(height)" }

    /// Orders by pixel count, then width.
    public static func < (a: FrameSize, b: FrameSize) -> Bool {
        (a.pixels, a.width) < (b.pixels, b.width)
    }

    /// Whether a `crop` rectangle fits inside this frame without upscaling, upright or turned by 90°
    /// (a camera mounted on its side).
    public func contains(_ crop: FrameSize) -> Bool {
        (width >= crop.width && height >= crop.height) || (width >= crop.height && height >= crop.width)
    }

    /// Parses "1280x720" (also with "×").
    public init?(parsing text: String) {
        let parts = text.split(whereSeparator: { $0 == "x" || $0 == "X" || $0 == "×" })
        guard parts.count == 2, let w = Int(parts[0]), let h = Int(parts[1]), w > 0, h > 0, w <= 1 << 15, h <= 1 << 15
        else { return nil }
        self.init(width: w, height: h)
    }
}

/// One frame size a format offers and the frame rates at that size.
public struct FrameSizeOption: Hashable, Sendable {
    public var size: FrameSize
    /// Frames per second the camera offers at this size, highest first; empty when the driver does not say.
    public var framesPerSecond: [Double]
    public init(size: FrameSize, framesPerSecond: [Double]) {
        self.size = size
        self.framesPerSecond = framesPerSecond
    }

    public var maxFramesPerSecond: Double? { framesPerSecond.max() }
}

/// A pixel format a camera offers, with its sizes.
public struct FormatDescription: Hashable, Sendable {
    public var format: PixelFormat
    /// The driver's name for it, such as "Motion-JPEG".
    public var name: String
    /// Produced by libv4l2 converting in software, not by the camera.
    public var isEmulated: Bool
    public var sizes: [FrameSizeOption]
    public init(format: PixelFormat, name: String, isEmulated: Bool = false, sizes: [FrameSizeOption]) {
        self.format = format
        self.name = name
        self.isEmulated = isEmulated
        self.sizes = sizes
    }
}
