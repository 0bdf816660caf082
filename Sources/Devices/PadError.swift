/// Why the signature pad could not deliver a signature. Each case says what the technician or the
/// citizen can do about it.
public enum PadError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No STU pad is connected (or configured).
    case noPad(String)
    /// The pad was unplugged (or reset) while we talked to it.
    case unplugged(String)
    /// A USB call failed.
    case usb(USBError)
    /// The pad answered something that breaks the protocol.
    case protocolViolation(String)
    /// Nobody pressed OK in time.
    case timedOut(milliseconds: Int)
    /// The capture was cancelled (the citizen left, the visit was reset).
    case cancelled

    public var description: String {
        switch self {
        case .noPad(let detail): return "no signature pad: \(detail)"
        case .unplugged(let call): return "the signature pad was unplugged (\(call)); plug it in and start again"
        case .usb(let error): return "signature pad: \(error)"
        case .protocolViolation(let detail): return "signature pad protocol error: \(detail)"
        case .timedOut(let milliseconds): return "no signature within \(milliseconds / 1000) s"
        case .cancelled: return "signature capture cancelled"
        }
    }

    /// A USB error as the pad sees it: "no device" means unplugged.
    public init(_ error: USBError) {
        self = error.isDeviceGone ? .unplugged(error.call) : .usb(error)
    }
}
