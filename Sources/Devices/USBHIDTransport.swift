import Platform
import CUSB

/// What the Wacom protocol logic needs from a HID device: feature reports both ways and input reports.
/// `USBHIDDevice` implements it over libusb; `WacomDeviceSimulator` plays an STU pad at this level for the demo
/// (and, with a test's hand and faults around it, for the unit tests: Tests/DevicesTestSupport), so everything
/// above it runs the same code either way.
///
/// Why it stays `Sendable` (a real cross-thread use, not one owner): `WacomPad` reads input reports on its
/// reader thread while it sends feature reports from the owner's thread, so implementations allow exactly that
/// (libusb does: different endpoints); `close()` comes only after the reader has stopped. Splitting the input
/// side into a handle of its own would not change that: both halves would share the one libusb device handle.
public protocol HIDTransport: AnyObject, Sendable {
    /// GET_REPORT (feature): returns what the device sent, byte 0 the report id. It may be shorter than asked.
    func getFeatureReport(_ reportID: UInt8, length: Int) throws(USBError) -> [UInt8]
    /// SET_REPORT (feature): byte 0 of `report` is the report id.
    func setFeatureReport(_ report: [UInt8]) throws(USBError)
    /// The next input report from the interrupt IN endpoint, or nil when `timeoutMilliseconds` passed first.
    func readInputReport(timeoutMilliseconds: Int) throws(USBError) -> [UInt8]?
    /// Releases the device. Further calls fail; calling it twice does nothing.
    func close()
}

/// A HID-class USB device claimed through libusb (the kernel's usbhid driver detached while we hold it).
///
/// Unchecked `Sendable` (the C-handle invariant): it wraps a libusb device handle, whose synchronous transfers
/// libusb allows from two threads at once (`WacomPad`'s reader on the interrupt IN endpoint while its owner
/// sends control transfers). `handle` is written only by `init` and `close()`, and `close()` runs only when
/// no transfer is in flight: `WacomPad` joins its reader before it closes the transport. `transfers` counts
/// the transfers behind the lock; `close()` checks the count is zero (a broken ordering stops here, never
/// frees the handle under a transfer), and no transfer starts after it.
public final class USBHIDDevice: HIDTransport, @unchecked Sendable {
    private var handle: USBDeviceHandle?
    private let transfers = Locked<(inFlight: Int, closed: Bool)>((0, false))
    private let interfaceNumber: Int32
    private let inEndpoint: UInt8
    // STU input reports are at most 16 bytes; 64 is the full-speed interrupt packet size.
    private let inputBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64, alignment: 1)
    /// Control transfers to the pad answer in a few milliseconds; a second means it hangs.
    public var controlTimeoutMilliseconds: UInt32 = 1000
    public let info: USBDeviceInfo

    /// Opens `info`, detaches the kernel driver automatically and claims HID interface `interfaceNumber`.
    public init(context: USBContext, info: USBDeviceInfo, interfaceNumber: Int32 = 0) throws(USBError) {
        let handle = try context.open(info)
        try handle.setAutoDetachKernelDriver(true)
        try handle.claimInterface(interfaceNumber)
        do throws(USBError) {
            inEndpoint = try handle.interruptInEndpoint(interface: interfaceNumber)
        } catch {
            try? handle.releaseInterface(interfaceNumber)
            throw error
        }
        self.info = info
        self.interfaceNumber = interfaceNumber
        self.handle = consume handle
    }

    deinit {
        close()
        inputBuffer.deallocate()
    }

    public func close() {
        let first = transfers.withLock { transfers -> Bool in
            precondition(transfers.inFlight == 0, "USBHIDDevice closed during a transfer: join the reader thread first")
            defer { transfers.closed = true }
            return !transfers.closed
        }
        guard first, let handle = handle.take() else { return }
        // Releasing re-attaches usbhid; if the pad is gone there is nothing to release, which is fine.
        try? handle.releaseInterface(interfaceNumber)
        handle.close()
    }

    public func getFeatureReport(_ reportID: UInt8, length: Int) throws(USBError) -> [UInt8] {
        let call = "GET_REPORT 0x\(String(reportID, radix: 16))"
        try beginTransfer(call)
        defer { endTransfer() }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(length, 1), alignment: 1)
        defer { buffer.deallocate() }
        buffer.initializeMemory(as: UInt8.self, repeating: 0)
        buffer[0] = reportID
        // 0xA1: device-to-host, class, interface; request 0x01 GET_REPORT; wValue 0x03xx = feature report xx.
        let count = try handle!.controlTransfer(call, requestType: 0xA1, request: 0x01, value: 0x0300 | UInt16(reportID),
                                                index: UInt16(truncatingIfNeeded: interfaceNumber), buffer: buffer,
                                                timeoutMilliseconds: controlTimeoutMilliseconds)
        return Array(buffer[0..<count])
    }

    public func setFeatureReport(_ report: [UInt8]) throws(USBError) {
        let reportID = report.first ?? 0
        let call = "SET_REPORT 0x\(String(reportID, radix: 16))"
        try beginTransfer(call)
        defer { endTransfer() }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(report.count, 1), alignment: 1)
        defer { buffer.deallocate() }
        buffer.copyBytes(from: report)
        // 0x21: host-to-device, class, interface; request 0x09 SET_REPORT.
        let sent = try handle!.controlTransfer(call, requestType: 0x21, request: 0x09, value: 0x0300 | UInt16(reportID),
                                               index: UInt16(truncatingIfNeeded: interfaceNumber),
                                               buffer: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<report.count]),
                                               timeoutMilliseconds: controlTimeoutMilliseconds)
        if sent != report.count { throw USBError(call: call + " sent \(sent) of \(report.count) bytes", code: LIBUSB_ERROR_IO.rawValue) }
    }

    public func readInputReport(timeoutMilliseconds: Int) throws(USBError) -> [UInt8]? {
        try beginTransfer("interrupt transfer")
        defer { endTransfer() }
        let count = try handle!.interruptTransfer(endpoint: inEndpoint, buffer: inputBuffer,
                                                  timeoutMilliseconds: UInt32(clamping: max(timeoutMilliseconds, 1)))
        guard let count else { return nil }
        return Array(inputBuffer[0..<count])
    }

    /// Counts a transfer in; fails once the device is closed.
    private func beginTransfer(_ call: String) throws(USBError) {
        let open = transfers.withLock { transfers -> Bool in
            guard !transfers.closed else { return false }
            transfers.inFlight += 1
            return true
        }
        guard open else { throw USBError.deviceGone(call) }
    }

    private func endTransfer() { transfers.withLock { $0.inFlight -= 1 } }
}
