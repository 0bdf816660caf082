// What `fotoboxctl pad list|capture` print about the signature pad, as text and JSON.
import Configuration

/// One Wacom STU pad on the USB bus, as `pad list --json` describes it (found without opening it).
public struct SignaturePadReport: Sendable, Encodable {
    public var bus: Int, address: Int
    /// The USB port path, such as "1.4".
    public var port: String, vendor: String, product: String, model: String, path: String

    public init(_ pad: USBDeviceInfo) {
        bus = Int(pad.bus)
        address = Int(pad.address)
        port = pad.portPath.map(String.init).joined(separator: ".")
        vendor = DeviceInventory.hex4(pad.vendorID)
        product = DeviceInventory.hex4(pad.productID)
        model = WacomModel.forProduct(pad.productID)?.name ?? "?"
        path = pad.usbfsPath
    }
}

/// A captured signature as `pad capture` wrote it: the document's JPEG and, when asked, the ISO/IEC 19794-7
/// time series.
public struct SignatureCaptureReport: Sendable, Encodable {
    public var output: String
    public var width: Int, height: Int, bytes: Int
    public var iso: String?
    public var isoBytes: Int?
    /// What the pad said on the way (hotplug arrival, fallbacks, dropped reports).
    public var notes: [String]

    public init(output: String, document: SignatureDocument, bytes: Int, iso: String?, isoBytes: Int?, notes: [String]) {
        self.output = output
        width = document.width
        height = document.height
        self.bytes = bytes
        self.iso = iso
        self.isoBytes = isoBytes
        self.notes = notes
    }

    /// The notes, then one line per file written.
    public var summaryLines: [String] {
        notes + ["wrote \(output) (\(width)×\(height) JPEG, \(bytes) bytes)"]
            + (iso.flatMap { path in isoBytes.map { "wrote \(path) (ISO/IEC 19794-7 time series, \($0) bytes)" } }.map { [$0] } ?? [])
    }
}
