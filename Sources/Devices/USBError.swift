import CUSB

/// A failed libusb call: the call's name and libusb's (negative) error code. Every libusb call the station
/// makes goes through `USBCall.checked`, so a negative return becomes this typed error in one place and
/// LIBUSB_ERROR_INTERRUPTED is retried in one place.
public struct USBError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The call that failed, such as "libusb_claim_interface 0" or "GET_REPORT 0x09".
    public var call: String
    /// A `LIBUSB_ERROR_*` value (negative).
    public var code: Int32

    public init(call: String, code: Int32) {
        self.call = call
        self.code = code
    }

    /// libusb's own name of the error, such as "LIBUSB_ERROR_NO_DEVICE".
    public var name: String { String(cString: libusb_error_name(code)) }

    public var description: String {
        var text = "\(call): \(name)"
        if isAccessDenied { text += " (no permission on the USB device node: install udev/ rules or run as the kiosk user)" }
        if isBusy { text += " (another program has claimed the pad)" }
        return text
    }

    /// The device was unplugged (or reset) while we talked to it.
    public var isDeviceGone: Bool { code == LIBUSB_ERROR_NO_DEVICE.rawValue }
    public var isTimeout: Bool { code == LIBUSB_ERROR_TIMEOUT.rawValue }
    public var isBusy: Bool { code == LIBUSB_ERROR_BUSY.rawValue }
    public var isAccessDenied: Bool { code == LIBUSB_ERROR_ACCESS.rawValue }
    /// The device stalled the request: for a feature report, "I do not know this report".
    public var isStall: Bool { code == LIBUSB_ERROR_PIPE.rawValue }

    /// The error a device double raises to play an unplugged pad.
    public static func deviceGone(_ call: String) -> USBError { USBError(call: call, code: LIBUSB_ERROR_NO_DEVICE.rawValue) }
    public static func timeout(_ call: String) -> USBError { USBError(call: call, code: LIBUSB_ERROR_TIMEOUT.rawValue) }
    public static func stall(_ call: String) -> USBError { USBError(call: call, code: LIBUSB_ERROR_PIPE.rawValue) }
}

/// The one place where a libusb return code becomes a `USBError` and LIBUSB_ERROR_INTERRUPTED is retried.
public enum USBCall {
    /// Runs `body` until it does not fail with LIBUSB_ERROR_INTERRUPTED. A negative result throws.
    @inlinable
    public static func checked(_ call: @autoclosure () -> String, _ body: () -> Int32) throws(USBError) -> Int32 {
        while true {
            let result = body()
            if result >= 0 { return result }
            if result == LIBUSB_ERROR_INTERRUPTED.rawValue { continue }
            throw USBError(call: call(), code: result)
        }
    }
}
