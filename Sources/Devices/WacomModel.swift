/// The STU models by USB product id (vendor 0x056A), with a fallback capability where the values are
/// published, for pads whose firmware refuses the capability report.
public struct WacomModel: Equatable, Sendable {
    public static let vendorID: UInt16 = 0x056A

    public var productID: UInt16
    public var name: String
    /// Whether the pad can send pen reports 0x34 (its own millisecond clock and a sequence number).
    public var supportsTimeCountSequence: Bool
    /// Used only when the pad does not answer the capability report.
    public var fallbackCapability: WacomCapability?

    public static let all: [WacomModel] = [
        WacomModel(productID: 0x00A1, name: "STU-500", supportsTimeCountSequence: false, fallbackCapability: nil),
        WacomModel(productID: 0x00A2, name: "STU-300", supportsTimeCountSequence: false, fallbackCapability: nil),
        WacomModel(productID: 0x00A3, name: "STU-520A", supportsTimeCountSequence: false, fallbackCapability: nil),
        WacomModel(productID: 0x00A4, name: "STU-430", supportsTimeCountSequence: true, fallbackCapability: .stu430),
        WacomModel(productID: 0x00A5, name: "STU-530", supportsTimeCountSequence: true, fallbackCapability: nil),
        WacomModel(productID: 0x00A6, name: "STU-430V", supportsTimeCountSequence: true, fallbackCapability: .stu430),
        WacomModel(productID: 0x00A8, name: "STU-540", supportsTimeCountSequence: true, fallbackCapability: nil),
        WacomModel(productID: 0x00A9, name: "STU-541", supportsTimeCountSequence: true, fallbackCapability: nil),
    ]

    public static func forProduct(_ productID: UInt16) -> WacomModel? { all.first { $0.productID == productID } }

    public static func isSignaturePad(_ info: USBDeviceInfo) -> Bool {
        info.vendorID == vendorID && forProduct(info.productID) != nil
    }
}

extension WacomCapability {
    /// STU-430: 320×200 screen, 9600×6000 units, 1023 pressure levels, 200 reports/s, 2540 units per inch,
    /// 1-bit images.
    public static let stu430 = WacomCapability(maxX: 9600, maxY: 6000, maxPressure: 1023, screenWidth: 320,
                                               screenHeight: 200, reportRate: 200, resolution: 2540, encodingFlag: 0x02)

    /// The screen pixel under tablet position (x, y).
    public func screenPoint(x: Int, y: Int) -> (x: Int, y: Int) {
        (x * screenWidth / (maxX + 1), y * screenHeight / (maxY + 1))
    }

    /// The tablet position at the centre of screen pixel (x, y): the inverse of `screenPoint`.
    public func tabletPoint(screenX: Int, screenY: Int) -> (x: Int, y: Int) {
        ((2 * screenX + 1) * (maxX + 1) / (2 * screenWidth), (2 * screenY + 1) * (maxY + 1) / (2 * screenHeight))
    }
}
