import CUSB

/// A USB device seen on the bus, before it is opened. Enough to choose a pad and to open it again.
public struct USBDeviceInfo: Sendable, Equatable, Hashable, CustomStringConvertible {
    public var bus: UInt8
    public var address: UInt8
    public var vendorID: UInt16
    public var productID: UInt16
    /// USB port numbers from the root hub, such as [1, 3]: stable across replugging into the same socket.
    public var portPath: [UInt8]

    public init(bus: UInt8, address: UInt8, vendorID: UInt16, productID: UInt16, portPath: [UInt8]) {
        self.bus = bus
        self.address = address
        self.vendorID = vendorID
        self.productID = productID
        self.portPath = portPath
    }

    public var description: String {
        let hex = { (value: UInt16) in String(value, radix: 16).leftPadded(to: 4) }
        let port = portPath.map(String.init).joined(separator: ".")
        return "bus \(bus) device \(address) (port \(port.isEmpty ? "?" : port)) \(hex(vendorID)):\(hex(productID))"
    }
}

extension String {
    func leftPadded(to width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}

/// An owned libusb context. Device handles keep their context alive, so it is exited after the last handle
/// closes. A class because handles share it; libusb's context is itself thread-safe.
public final class USBContext: @unchecked Sendable {
    let raw: OpaquePointer

    /// Initialises a private libusb context (not libusb's shared default one).
    public init() throws(USBError) {
        var context: OpaquePointer? = nil
        _ = try USBCall.checked("libusb_init") { libusb_init(&context) }
        guard let context else { throw USBError(call: "libusb_init", code: LIBUSB_ERROR_OTHER.rawValue) }
        raw = context
    }

    deinit { libusb_exit(raw) }

    /// The devices on the bus, optionally only one vendor's.
    public func devices(vendorID: UInt16? = nil) throws(USBError) -> [USBDeviceInfo] {
        var list: UnsafeMutablePointer<OpaquePointer?>? = nil
        let count = libusb_get_device_list(raw, &list)
        if count < 0 { throw USBError(call: "libusb_get_device_list", code: Int32(truncatingIfNeeded: count)) }
        defer { libusb_free_device_list(list, 1) }
        var found: [USBDeviceInfo] = []
        for index in 0..<Int(count) {
            guard let device = list?[index] else { continue }
            // A device that vanishes between listing and describing is simply not listed.
            guard let info = try? Self.describe(device) else { continue }
            if let vendorID, info.vendorID != vendorID { continue }
            found.append(info)
        }
        return found
    }

    /// Opens the device `info` names (matched by bus and address).
    public func open(_ info: USBDeviceInfo) throws(USBError) -> USBDeviceHandle {
        var list: UnsafeMutablePointer<OpaquePointer?>? = nil
        let count = libusb_get_device_list(raw, &list)
        if count < 0 { throw USBError(call: "libusb_get_device_list", code: Int32(truncatingIfNeeded: count)) }
        defer { libusb_free_device_list(list, 1) }
        for index in 0..<Int(count) {
            guard let device = list?[index],
                  libusb_get_bus_number(device) == info.bus, libusb_get_device_address(device) == info.address
            else { continue }
            var handle: OpaquePointer? = nil
            _ = try USBCall.checked("libusb_open \(info)") { libusb_open(device, &handle) }
            guard let handle else { throw USBError(call: "libusb_open \(info)", code: LIBUSB_ERROR_OTHER.rawValue) }
            return USBDeviceHandle(owning: handle, context: self)
        }
        throw USBError.deviceGone("libusb_open \(info)")
    }

    static func describe(_ device: OpaquePointer) throws(USBError) -> USBDeviceInfo {
        var descriptor = libusb_device_descriptor()
        _ = try USBCall.checked("libusb_get_device_descriptor") { libusb_get_device_descriptor(device, &descriptor) }
        var ports = [UInt8](repeating: 0, count: 8)
        let depth = ports.withUnsafeMutableBufferPointer { buffer in
            libusb_get_port_numbers(device, buffer.baseAddress, Int32(buffer.count))
        }
        return USBDeviceInfo(bus: libusb_get_bus_number(device), address: libusb_get_device_address(device),
                             vendorID: descriptor.idVendor, productID: descriptor.idProduct,
                             portPath: depth > 0 ? Array(ports[0..<Int(depth)]) : [])
    }
}

extension USBDeviceInfo {
    /// The device's usbfs node, such as `/dev/bus/usb/001/004` (what udev rules and holders refer to).
    public var usbfsPath: String {
        func digits(_ value: UInt8) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, 3 - text.count)) + text
        }
        return "/dev/bus/usb/\(digits(bus))/\(digits(address))"
    }
}
