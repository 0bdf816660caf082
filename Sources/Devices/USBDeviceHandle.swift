import CUSB

/// An owned, open libusb device handle: whoever holds it closes it, exactly once, and nobody else.
/// Non-copyable, so ownership is checked by the compiler; `close()` (or the end of its lifetime) closes it.
///
/// Unchecked `Sendable` (the C-handle invariant): `raw` is a libusb device handle, a `let`; libusb allows
/// synchronous transfers on one handle from several threads (its transfers lock internally), and the one
/// `libusb_close` is in `deinit`, which the non-copyable owner reaches once, after its last use.
public struct USBDeviceHandle: ~Copyable, @unchecked Sendable {
    let raw: OpaquePointer
    // Keeps libusb initialised for as long as the handle is open.
    let context: USBContext

    init(owning raw: OpaquePointer, context: USBContext) {
        self.raw = raw
        self.context = context
    }

    deinit { libusb_close(raw) }

    /// Closes the handle now. libusb_close cannot fail.
    public consuming func close() {}

    /// Lets libusb detach the kernel's driver (usbhid) when we claim an interface and re-attach it when
    /// we release it: the STU pads are HID class, and usbhid binds them on arrival.
    public func setAutoDetachKernelDriver(_ enabled: Bool) throws(USBError) {
        _ = try USBCall.checked("libusb_set_auto_detach_kernel_driver") {
            libusb_set_auto_detach_kernel_driver(raw, enabled ? 1 : 0)
        }
    }

    public func claimInterface(_ number: Int32) throws(USBError) {
        _ = try USBCall.checked("libusb_claim_interface \(number)") { libusb_claim_interface(raw, number) }
    }

    public func releaseInterface(_ number: Int32) throws(USBError) {
        _ = try USBCall.checked("libusb_release_interface \(number)") { libusb_release_interface(raw, number) }
    }

    /// A control transfer; returns the number of bytes transferred.
    public func controlTransfer(_ call: @autoclosure () -> String, requestType: UInt8, request: UInt8, value: UInt16,
                                index: UInt16, buffer: UnsafeMutableRawBufferPointer,
                                timeoutMilliseconds: UInt32) throws(USBError) -> Int {
        let length = UInt16(clamping: buffer.count)
        let data = buffer.baseAddress?.assumingMemoryBound(to: UInt8.self)
        return Int(try USBCall.checked(call()) {
            libusb_control_transfer(raw, requestType, request, value, index, data, length, timeoutMilliseconds)
        })
    }

    /// An interrupt transfer. Returns the bytes transferred, or nil if the timeout passed with nothing.
    public func interruptTransfer(endpoint: UInt8, buffer: UnsafeMutableRawBufferPointer,
                                  timeoutMilliseconds: UInt32) throws(USBError) -> Int? {
        let data = buffer.baseAddress?.assumingMemoryBound(to: UInt8.self)
        var transferred: Int32 = 0
        do throws(USBError) {
            _ = try USBCall.checked("interrupt transfer 0x\(String(endpoint, radix: 16))") {
                libusb_interrupt_transfer(raw, endpoint, data, Int32(clamping: buffer.count), &transferred, timeoutMilliseconds)
            }
        } catch where error.isTimeout {
            // A timeout can still have delivered a report; only an empty timeout is "nothing yet".
            return transferred > 0 ? Int(transferred) : nil
        }
        return Int(transferred)
    }

    /// The first interrupt IN endpoint of HID interface `number` in the active configuration.
    public func interruptInEndpoint(interface number: Int32) throws(USBError) -> UInt8 {
        var config: UnsafeMutablePointer<libusb_config_descriptor>? = nil
        _ = try USBCall.checked("libusb_get_active_config_descriptor") {
            libusb_get_active_config_descriptor(libusb_get_device(raw), &config)
        }
        guard let config else { throw USBError(call: "libusb_get_active_config_descriptor", code: LIBUSB_ERROR_OTHER.rawValue) }
        defer { libusb_free_config_descriptor(config) }
        let interfaces = config.pointee
        for i in 0..<Int(interfaces.bNumInterfaces) {
            let interface = interfaces.interface[i]
            guard interface.num_altsetting > 0 else { continue }
            let setting = interface.altsetting[0]
            guard Int32(setting.bInterfaceNumber) == number else { continue }
            for e in 0..<Int(setting.bNumEndpoints) {
                let endpoint = setting.endpoint[e]
                let isInterrupt = endpoint.bmAttributes & 0x03 == 3
                let isIn = endpoint.bEndpointAddress & 0x80 != 0
                if isInterrupt && isIn { return endpoint.bEndpointAddress }
            }
        }
        throw USBError(call: "interface \(number) interrupt IN endpoint", code: LIBUSB_ERROR_NOT_FOUND.rawValue)
    }
}
