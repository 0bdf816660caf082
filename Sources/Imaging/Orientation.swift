/// The EXIF orientation tag (0x0112): how the stored pixels must be turned to stand upright.
public enum ExifOrientation: Int, Sendable, CaseIterable {
    case up = 1, upMirrored = 2, down = 3, downMirrored = 4
    case leftMirrored = 5, right = 6, rightMirrored = 7, left = 8

    /// Orientations 5–8 exchange width and height.
    public var swapsAxes: Bool { rawValue >= 5 }

    /// Finds the orientation in an APP1 payload ("Exif\0\0" + TIFF). Every offset is bounds-checked:
    /// a damaged EXIF block yields nil, never a crash.
    public static func parse(exifPayload p: UnsafeBufferPointer<UInt8>) -> ExifOrientation? {
        let tiff = 6
        guard p.count >= tiff + 8, p[0] == 0x45, p[1] == 0x78, p[2] == 0x69, p[3] == 0x66, p[4] == 0, p[5] == 0 else { return nil }
        let little: Bool
        switch (p[tiff], p[tiff + 1]) {
        case (0x49, 0x49): little = true
        case (0x4D, 0x4D): little = false
        default: return nil
        }
        func u16(_ at: Int) -> Int? {
            guard at >= 0, at + 2 <= p.count else { return nil }
            return little ? Int(p[at]) | Int(p[at + 1]) << 8 : Int(p[at]) << 8 | Int(p[at + 1])
        }
        func u32(_ at: Int) -> Int? {
            guard let a = u16(at), let b = u16(at + 2) else { return nil }
            return little ? a | b << 16 : a << 16 | b
        }
        guard let ifdOffset = u32(tiff + 4), let count = u16(tiff + ifdOffset) else { return nil }
        for entry in 0..<min(count, 512) {
            let at = tiff + ifdOffset + 2 + entry * 12
            guard let tag = u16(at) else { return nil }
            if tag == 0x0112 {
                guard let value = u16(at + 8) else { return nil }
                return ExifOrientation(rawValue: value)
            }
        }
        return nil
    }
}

extension RGBImage {
    /// This image turned upright according to an EXIF orientation.
    public func oriented(_ orientation: ExifOrientation) -> RGBImage {
        if orientation == .up { return self }
        let outWidth = orientation.swapsAxes ? height : width
        let outHeight = orientation.swapsAxes ? width : height
        var result = RGBImage(width: outWidth, height: outHeight)
        let w = width, h = height
        pixels.withUnsafeBufferPointer { source in
            result.pixels.withUnsafeMutableBufferPointer { target in
                for y in 0..<outHeight {
                    for x in 0..<outWidth {
                        // (sx, sy): the stored pixel that appears at (x, y) once upright.
                        let sx: Int, sy: Int
                        switch orientation {
                        case .up: sx = x; sy = y
                        case .upMirrored: sx = w - 1 - x; sy = y
                        case .down: sx = w - 1 - x; sy = h - 1 - y
                        case .downMirrored: sx = x; sy = h - 1 - y
                        case .leftMirrored: sx = y; sy = x
                        case .right: sx = y; sy = h - 1 - x
                        case .rightMirrored: sx = w - 1 - y; sy = h - 1 - x
                        case .left: sx = w - 1 - y; sy = x
                        }
                        let s = (sy * w + sx) * 3, t = (y * outWidth + x) * 3
                        target[t] = source[s]
                        target[t + 1] = source[s + 1]
                        target[t + 2] = source[s + 2]
                    }
                }
            }
        }
        return result
    }
}
