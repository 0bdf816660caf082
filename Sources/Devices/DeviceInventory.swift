import Capture
import Platform

/// The cameras and signature pads this machine sees and who holds each open (`fotoboxctl devices`).
/// Nothing is opened for streaming or claimed, so taking it beside the running service disturbs nothing.
public struct DeviceInventory: Sendable, Encodable {
    public struct CameraEntry: Sendable, Encodable {
        public let path: String
        /// `/dev/fotobox/camera` when the udev name points to this node.
        public let alias: String?
        public let driver: String
        public let card: String
        public let bus: String
        /// Each pixel format with its largest size, such as "MJPG up to 1920×1080".
        public let formats: [String]
        /// "free", or "in use by fotoboxd (pid 812)".
        public let state: String
        public let holders: [OpenDeviceScan.Holder]
    }

    public struct PadEntry: Sendable, Encodable {
        public let path: String
        /// `/dev/fotobox/sigpad` when the udev name points to this node.
        public let alias: String?
        public let model: String
        /// Vendor and product, such as "056a:00a8".
        public let usb: String
        /// The USB port path from the root hub, such as "1.3".
        public let port: String
        public let state: String
        public let holders: [OpenDeviceScan.Holder]
    }

    public var cameras: [CameraEntry] = []
    public var pads: [PadEntry] = []
    /// What could not be listed, one line each.
    public var errors: [String] = []
    /// False when some processes' open files could not be read (not root): a holder may be missing.
    public var holdersComplete = true

    /// An empty inventory (`gather` fills one).
    public init() {}

    /// Looks at /dev and the USB bus once.
    public static func gather() -> DeviceInventory {
        var inventory = DeviceInventory()
        let scan = OpenDeviceScan()
        inventory.holdersComplete = scan.complete
        let cameraAlias = FileSystem.resolvedPath("/dev/fotobox/camera")
        let padAlias = FileSystem.resolvedPath("/dev/fotobox/sigpad")
        let found = CameraDiscovery.cameras()
        for camera in found.cameras {
            let holders = scan.holders(of: camera.path)
            let formats = camera.formats.map { format in
                let largest = format.sizes.map(\.size).max { $0.width * $0.height < $1.width * $1.height }
                return "\(format.format)" + (largest.map { " up to \($0)" } ?? "")
            }
            inventory.cameras.append(CameraEntry(
                path: camera.path, alias: cameraAlias == camera.path ? "/dev/fotobox/camera" : nil,
                driver: camera.capabilities.driver, card: camera.capabilities.card, bus: camera.capabilities.busInfo,
                formats: formats, state: Self.state(holders), holders: holders))
        }
        inventory.errors += found.errors.map(\.description)
        do {
            for pad in try USBContext().devices(vendorID: WacomModel.vendorID).filter(WacomModel.isSignaturePad) {
                let holders = scan.holders(of: pad.usbfsPath)
                inventory.pads.append(PadEntry(
                    path: pad.usbfsPath, alias: padAlias == pad.usbfsPath ? "/dev/fotobox/sigpad" : nil,
                    model: WacomModel.forProduct(pad.productID)?.name ?? "unknown STU",
                    usb: Self.hex4(pad.vendorID) + ":" + Self.hex4(pad.productID),
                    port: pad.portPath.map(String.init).joined(separator: "."), state: Self.state(holders), holders: holders))
            }
        } catch {
            inventory.errors.append("cannot list USB devices: \(error)")
        }
        return inventory
    }

    /// One row per device (KIND, DEVICE, WHAT, STATE) under a header; only the header when none was found.
    public var tableRows: [[String]] {
        var rows = [["KIND", "DEVICE", "WHAT", "STATE"]]
        for camera in cameras {
            rows.append(["camera", camera.path + (camera.alias.map { " (\($0))" } ?? ""),
                         "\(camera.card) [\(camera.driver)] \(camera.formats.joined(separator: ", "))", camera.state])
        }
        for pad in pads {
            rows.append(["pad", pad.path + (pad.alias.map { " (\($0))" } ?? ""), "\(pad.model) \(pad.usb) port \(pad.port)", pad.state])
        }
        return rows
    }

    private static func state(_ holders: [OpenDeviceScan.Holder]) -> String {
        guard !holders.isEmpty else { return "free" }
        return "in use by " + holders.map { "\($0.command) (pid \($0.pid))" }.joined(separator: ", ")
    }

    /// Four lower-case hexadecimal digits.
    public static func hex4(_ value: UInt16) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
