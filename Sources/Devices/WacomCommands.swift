// The SET feature reports the station sends. Multi-byte values here are little-endian (Protocol.cpp).

/// A rectangle on the pad's LCD in pixels, corners inclusive (the protocol's own convention).
public struct WacomScreenRect: Equatable, Sendable {
    public var left: Int
    public var top: Int
    public var right: Int
    public var bottom: Int

    public init(left: Int, top: Int, right: Int, bottom: Int) {
        self.left = left
        self.top = top
        self.right = right
        self.bottom = bottom
    }

    public func contains(x: Int, y: Int) -> Bool { x >= left && x <= right && y >= top && y <= bottom }
}

/// Builders for the STU set commands, each returning the complete feature report.
public enum WacomCommand {
    public static func clearScreen() -> [UInt8] { [WacomReportID.clearScreen, 0x00] }

    /// Whether the pad draws the pen's ink on its own screen.
    public static func inking(_ on: Bool) -> [UInt8] { [WacomReportID.inkingMode, on ? 0x01 : 0x00] }

    /// 0x03: pen reports 0x34 with the pad's millisecond clock and a sequence number (STU-430/530/540).
    public static func penDataOptionMode(_ mode: UInt8) -> [UInt8] { [WacomReportID.penDataOptionMode, mode] }

    /// Limits the pad's own inking to `area` of the screen.
    public static func handwritingDisplayArea(_ area: WacomScreenRect) -> [UInt8] {
        [WacomReportID.handwritingDisplayArea] + littleEndian(area.left) + littleEndian(area.top)
            + littleEndian(area.right) + littleEndian(area.bottom)
    }

    /// Ink colour (0x00RRGGBB) and thickness (0 = 1 px, 1 = 3 px, 2 = 5 px, 3 = 7 px).
    public static func penThicknessColor(rgb: UInt32, thickness: UInt8) -> [UInt8] {
        [WacomReportID.handwritingThicknessColor24, UInt8(truncatingIfNeeded: rgb), UInt8(truncatingIfNeeded: rgb >> 8),
         UInt8(truncatingIfNeeded: rgb >> 16), thickness]
    }

    /// Starts an image upload; mode 0 is uncompressed 1-bit.
    public static func startImageData(mode: UInt8 = 0) -> [UInt8] { [WacomReportID.startImageData, mode] }

    /// One block of image data. Over HID every block report is 256 bytes: id, length (LE), up to 253 bytes.
    public static func imageDataBlock(_ data: ArraySlice<UInt8>) -> [UInt8] {
        precondition(data.count <= maxImageBlockData, "image block longer than \(maxImageBlockData) bytes")
        var report = [UInt8](repeating: 0, count: imageBlockReportLength)
        report[0] = WacomReportID.imageDataBlock
        report[1] = UInt8(truncatingIfNeeded: data.count)
        report[2] = UInt8(truncatingIfNeeded: data.count >> 8)
        report.replaceSubrange(3..<(3 + data.count), with: data)
        return report
    }

    /// Ends an upload: commit shows the image; abandon returns the pad to ready without showing it.
    public static func endImageData(commit: Bool = true) -> [UInt8] { [WacomReportID.endImageData, commit ? 0x00 : 0x01] }

    public static let imageBlockReportLength = 256
    public static let maxImageBlockData = imageBlockReportLength - 3

    static func littleEndian(_ value: Int) -> [UInt8] {
        [UInt8(truncatingIfNeeded: value), UInt8(truncatingIfNeeded: value >> 8)]
    }
}
