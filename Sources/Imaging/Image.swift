/// An 8-bit RGB image, pixels interleaved R, G, B, rows packed (`stride == width * 3`).
///
/// The pixels live in one Swift array: copying the struct shares them until one copy writes
/// (copy-on-write), so ownership is the value's. Kernels reach the bytes through
/// `withUnsafe…BufferPointer` once per call, never per row or per pixel.
public struct RGBImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public var pixels: [UInt8]

    /// Bytes per row.
    public var stride: Int { width * 3 }

    /// A black image.
    public init(width: Int, height: Int) {
        precondition(width >= 0 && height >= 0, "negative image size")
        self.width = width
        self.height = height
        self.pixels = [UInt8](repeating: 0, count: width * height * 3)
    }

    /// Wraps existing interleaved RGB bytes; `pixels.count` must be `width * height * 3`.
    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(pixels.count == width * height * 3, "pixel count does not match \(width)×\(height) RGB")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// The pixel at (x, y) as (r, g, b). For tests and tools, not for hot loops.
    public subscript(x: Int, y: Int) -> (r: UInt8, g: UInt8, b: UInt8) {
        get {
            let i = (y * width + x) * 3
            return (pixels[i], pixels[i + 1], pixels[i + 2])
        }
        set {
            let i = (y * width + x) * 3
            pixels[i] = newValue.r
            pixels[i + 1] = newValue.g
            pixels[i + 2] = newValue.b
        }
    }
}

/// An 8-bit single-channel image, rows packed (`stride == width`).
public struct GrayImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public var pixels: [UInt8]

    public init(width: Int, height: Int) {
        precondition(width >= 0 && height >= 0, "negative image size")
        self.width = width
        self.height = height
        self.pixels = [UInt8](repeating: 0, count: width * height)
    }

    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(pixels.count == width * height, "pixel count does not match \(width)×\(height) grey")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    public subscript(x: Int, y: Int) -> UInt8 {
        get { pixels[y * width + x] }
        set { pixels[y * width + x] = newValue }
    }
}

/// A planar float image (`channels` planes of `width * height`), for kernels that need it,
/// such as the neural-network input tensors.
public struct FloatPlanes: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public let channels: Int
    public var values: [Float]

    public init(width: Int, height: Int, channels: Int) {
        precondition(width >= 0 && height >= 0 && channels > 0, "bad plane size")
        self.width = width
        self.height = height
        self.channels = channels
        self.values = [Float](repeating: 0, count: width * height * channels)
    }
}

/// An axis-aligned rectangle in pixel coordinates.
public struct PixelRect: Sendable, Equatable, Hashable, Codable {
    public var x: Int
    public var y: Int
    public var width: Int
    public var height: Int

    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }

    /// This rectangle cut to `0..<width × 0..<height`; empty if it lies outside.
    public func clamped(toWidth limitWidth: Int, height limitHeight: Int) -> PixelRect {
        let x0 = min(max(x, 0), limitWidth), y0 = min(max(y, 0), limitHeight)
        let x1 = min(max(x + width, 0), limitWidth), y1 = min(max(y + height, 0), limitHeight)
        return PixelRect(x: x0, y: y0, width: x1 - x0, height: y1 - y0)
    }

    public var isEmpty: Bool { width <= 0 || height <= 0 }
}

extension RGBImage {
    /// A copy of the pixels inside `rect` (cut to the image).
    public func cropped(to rect: PixelRect) -> RGBImage {
        let r = rect.clamped(toWidth: width, height: height)
        var out = RGBImage(width: r.width, height: r.height)
        guard !r.isEmpty else { return out }
        pixels.withUnsafeBufferPointer { source in
            out.pixels.withUnsafeMutableBufferPointer { target in
                for y in 0..<r.height {
                    let from = ((r.y + y) * width + r.x) * 3
                    target.baseAddress!.advanced(by: y * r.width * 3)
                        .update(from: source.baseAddress!.advanced(by: from), count: r.width * 3)
                }
            }
        }
        return out
    }
}
