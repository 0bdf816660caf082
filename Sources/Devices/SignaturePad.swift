import Capture
import CUSB
import Configuration
import Platform

/// What the kiosk needs from a signature pad: open it, show the prompt, then either `capture` (blocks until
/// the citizen presses OK, a timeout or a cancel) or drive it step by step (`begin`, `poll` for the live
/// mirror and the buttons, `clear` on "Nochmal", `end`), close. `WacomPad` implements it for a real STU pad
/// over libusb and for the simulated pad (`device = simulated`), which plays the same HID reports.
///
/// Not `Sendable`: a pad has one owner thread, which makes every call (the kiosk's visit thread, fotoboxctl's
/// main thread); it is handed to its owner with `sending` (`SignaturePads.open` returns a fresh one). The one
/// thing another thread may do, end a running `capture` or `poll`, goes through `cancellation`, a `Sendable`
/// handle taken by the owner beforehand.
public protocol SignaturePad: AnyObject {
    /// What the pad is, for logs and `fotoboxctl pad list`: "STU-430 1.05 (bus 1 device 4)".
    var name: String { get }
    /// Claims the pad and reads what it can do. Idempotent.
    func open() throws(PadError)
    /// Shows "Bitte hier unterschreiben" with the OK and Nochmal buttons, and turns the pad's inking on.
    func showPrompt() throws(PadError)
    /// Shows the prompt and starts reading the pen.
    func begin() throws(PadError)
    /// The strokes so far and a button pressed since the last call, waiting up to `waitMilliseconds` for
    /// pen input. Throws when the pad is gone or the capture was cancelled.
    func poll(waitMilliseconds: Int) throws(PadError) -> PadProgress
    /// Forgets the strokes and shows a fresh prompt ("Nochmal").
    func clear() throws(PadError)
    /// Stops reading, turns inking off and blanks the screen.
    func end()
    /// `begin`, `poll` until OK is pressed with ink on the pad ("Nochmal" clears), `end`.
    func capture(timeoutMilliseconds: Int) throws(PadError) -> Signature
    /// The handle that ends a running `capture` (or the next `poll` of the running signing) with
    /// `PadError.cancelled`, from any thread. A cancel while nothing runs is dropped at the next `begin`.
    var cancellation: PadCancellation { get }
    /// Clears the screen and releases the pad.
    func close()
}

/// Ends a pad's running signature from another thread (the one cross-thread operation of a `SignaturePad`).
public struct PadCancellation: Sendable {
    private let cancelNow: @Sendable () -> Void

    /// A handle that calls `cancel` (which must be safe from any thread).
    public init(_ cancel: @escaping @Sendable () -> Void) { cancelNow = cancel }

    /// Ends the running `capture` or the next `poll` with `PadError.cancelled`; safe from any thread.
    public func cancel() { cancelNow() }
}

/// What `poll` saw: the signature so far (for the kiosk's live mirror) and a button press, if any.
public struct PadProgress: Equatable, Sendable {
    public var signature: Signature
    public var pressed: PadButton?

    public init(signature: Signature, pressed: PadButton?) {
        self.signature = signature
        self.pressed = pressed
    }
}

/// Opens the pad the config names: `simulated`, `auto` (the first STU pad on the bus) or a usbfs path
/// such as `/dev/bus/usb/001/004`.
public enum SignaturePads {
    /// How a waited-for pad was found.
    public enum Arrival: Equatable, Sendable {
        /// A hotplug event (or the pad was already there when watching began).
        case hotplug(USBDeviceInfo)
        /// A rescan of the bus: hotplug events do not come where no udev daemon runs (Debian's libusb
        /// takes them from udev), so the bus is also listed once a second, through a fresh libusb context.
        case rescan(USBDeviceInfo)

        public var device: USBDeviceInfo {
            switch self { case .hotplug(let info), .rescan(let info): return info }
        }
    }

    /// Waits up to `timeoutMilliseconds` for an STU pad to be on the bus (already there, or plugged in),
    /// watching through libusb's hotplug events.
    /// How long a pad found by a rescan waits for udevd's hotplug event before the rescan is believed.
    static let rescanGraceMilliseconds = 3000

    public static func waitForPad(context: USBContext, timeoutMilliseconds: Int) throws(PadError) -> Arrival {
        let arrivals = USBEventQueue<USBDeviceInfo>()
        let monitor: USBHotplugMonitor?
        do {
            // Devices already present are reported first (LIBUSB_HOTPLUG_ENUMERATE).
            monitor = try USBHotplugMonitor(context: context, vendorID: WacomModel.vendorID) { event in
                if case .arrived(let info) = event, WacomModel.isSignaturePad(info) { arrivals.push(info) }
            }
        } catch where error.code == LIBUSB_ERROR_NOT_SUPPORTED.rawValue {
            monitor = nil
        } catch {
            throw .usb(error)
        }
        defer { monitor?.stop() }
        let deadline = MonotonicClock.milliseconds() + timeoutMilliseconds
        // When a rescan first saw the pad: its word is taken only after `rescanGraceMilliseconds` without a
        // hotplug event. Where udevd runs, its event comes moments after the kernel's, and only then are the
        // udev rules (the pad's permissions) applied; a rescan can see the pad in sysfs before that.
        var firstSeenByRescan: Int? = nil
        while true {
            let left = deadline - MonotonicClock.milliseconds()
            if let info = arrivals.pop(timeoutMilliseconds: min(max(left, 0), 1000)) { return .hotplug(info) }
            // A fresh context each time: with Debian's libusb (udev backend) a context's device list is kept
            // up to date only by udevd's events, so without udevd the waiting context never sees a new pad;
            // a new context enumerates the bus from sysfs when it is made.
            if let fresh = try? USBContext(),
               let info = try? fresh.devices(vendorID: WacomModel.vendorID).first(where: WacomModel.isSignaturePad) {
                let now = MonotonicClock.milliseconds()
                if monitor == nil || now - (firstSeenByRescan ?? now) >= rescanGraceMilliseconds { return .rescan(info) }
                if firstSeenByRescan == nil { firstSeenByRescan = now }
            }
            if left <= 0 { throw .noPad("no Wacom STU pad was plugged in within \(timeoutMilliseconds / 1000) s") }
        }
    }

    /// A fresh pad for the caller to own (`sending`: nothing else refers to it).
    public static func open(source: PadSource, context: @autoclosure () throws(USBError) -> USBContext) throws(PadError) -> sending any SignaturePad {
        let pad: WacomPad
        switch source {
        case .simulated:
            pad = WacomPad(simulator: WacomDeviceSimulator(hand: RecordedHand()))
        case .auto, .device:
            let usb: USBContext
            do { usb = try context() } catch { throw .usb(error) }
            let pads: [USBDeviceInfo]
            do { pads = try usb.devices(vendorID: WacomModel.vendorID).filter(WacomModel.isSignaturePad) } catch { throw .usb(error) }
            var chosen = pads.first
            if case .device(let path) = source {
                // A usbfs node is /dev/bus/usb/BUS/ADDRESS.
                let parts = path.split(separator: "/")
                let bus = parts.count >= 2 ? UInt8(parts[parts.count - 2]) : nil
                let address = parts.last.flatMap { UInt8($0) }
                chosen = pads.first { $0.bus == bus && $0.address == address }
            }
            guard let chosen else {
                throw .noPad(source == .auto ? "no Wacom STU pad (USB 056a:00a1…00a9) is connected" : "no Wacom STU pad at \(source)")
            }
            pad = try WacomPad(usb: usb, info: chosen)
        }
        try pad.open()
        return pad
    }
}
