import Devices
import Platform

// The simulated STU-430 as the tests drive it (a test-support target, as swift-nio's NIOTestUtils: no product
// links it). The production `WacomDeviceSimulator` answers the pad's feature reports and takes its pen input from
// a `SimulatedHand`; here the hand is a test's script, which can also send malformed reports, fail a read or pull
// the cable, at no pace (each report is there as soon as it is read), and faults are put around the simulator.

/// The simulated STU-430 played by a test's script, with faults injected: a `HIDTransport` for `WacomPad`.
/// `shown` reads back what the pad was told (its screen, inking, pen mode), as the tests check it.
public final class ScriptedWacomDevice: HIDTransport, Sendable {
    /// One step of the script, played once the first prompt is on the screen.
    public enum Step: Sendable, Equatable {
        /// Signs `samples` (triples x, y, pressure; pressure 0 = lifted).
        case sign([UInt16])
        /// Taps the middle of a button of the prompt.
        case tap(PadButton)
        /// An input report exactly as given (malformed on purpose).
        case raw([UInt8])
        /// Pulls the cable: every call fails with LIBUSB_ERROR_NO_DEVICE from here on.
        case unplug
        /// One interrupt read fails with LIBUSB_ERROR_IO (a glitch, or the transfer in flight at an unplug).
        case ioError
    }

    public let simulator: WacomDeviceSimulator
    private let hand: ScriptedHand
    /// Answer GET_REPORT 0x09 with a stall, as old firmware does.
    public let refusesCapability: Bool
    /// The n-th SET_REPORT (counting from 1) fails once with LIBUSB_ERROR_IO, as on a glitching cable.
    public let glitchAtSetReport: Int?
    private let setReports = Locked(0)

    public init(_ steps: [Step], refusesCapability: Bool = false, glitchAtSetReport: Int? = nil) {
        hand = ScriptedHand(steps)
        simulator = WacomDeviceSimulator(hand: hand)
        self.refusesCapability = refusesCapability
        self.glitchAtSetReport = glitchAtSetReport
    }

    /// What the pad shows now, as the simulator last told its hand.
    public var shown: SimulatedPadScreen { hand.screen }

    /// A `WacomPad` on this device, named as the simulated pad is.
    public func pad() -> WacomPad { WacomPad(transport: self, productID: simulator.productID, location: "simulated") }

    public func getFeatureReport(_ reportID: UInt8, length: Int) throws(USBError) -> [UInt8] {
        let call = "GET_REPORT 0x\(String(reportID, radix: 16))"
        if hand.unplugged { throw USBError.deviceGone(call) }
        if refusesCapability && reportID == WacomReportID.capability { throw USBError.stall(call) }
        return try simulator.getFeatureReport(reportID, length: length)
    }

    public func setFeatureReport(_ report: [UInt8]) throws(USBError) {
        let call = "SET_REPORT 0x\(String(report.first ?? 0, radix: 16))"
        let count = setReports.withLock { count in
            count += 1
            return count
        }
        if count == glitchAtSetReport { throw USBError(call: call, code: -1 /* LIBUSB_ERROR_IO */) }
        if hand.unplugged { throw USBError.deviceGone(call) }
        try simulator.setFeatureReport(report)
    }

    public func readInputReport(timeoutMilliseconds: Int) throws(USBError) -> [UInt8]? {
        try simulator.readInputReport(timeoutMilliseconds: timeoutMilliseconds)
    }

    public func close() { simulator.close() }
}

/// A test's hand: plays its script from the first prompt on, each input as soon as it is read; at a fresh prompt
/// after the last step it starts over (as `RecordedHand` does).
final class ScriptedHand: SimulatedHand {
    private enum Input: Sendable { case report([UInt8]), unplug, ioError }
    private let steps: [ScriptedWacomDevice.Step]
    private let state: Locked<State>

    private struct State {
        var screen = SimulatedPadScreen(capability: .stu430)
        var inputs: [Input]? = nil
        var next = 0
        var unplugged = false
    }

    init(_ steps: [ScriptedWacomDevice.Step]) {
        self.steps = steps
        state = Locked(State())
    }

    var screen: SimulatedPadScreen { state.withLock { $0.screen } }
    var unplugged: Bool { state.withLock { $0.unplugged } }

    func screenChanged(_ screen: SimulatedPadScreen) {
        state.withLock { state in
            let freshPrompt = screen.imagesShown > state.screen.imagesShown
            state.screen = screen
            guard freshPrompt else { return }
            if let inputs = state.inputs, state.next < inputs.count { return }
            var pen = SimulatedPen(screen: screen)
            state.inputs = steps.flatMap { step -> [Input] in
                switch step {
                case .sign(let samples): pen.sign(samples).map { .report($0.bytes) }
                case .tap(let button): pen.tap(button).map { .report($0.bytes) }
                case .raw(let bytes): [.report(bytes)]
                case .unplug: [.unplug]
                case .ioError: [.ioError]
                }
            }
            state.next = 0
        }
    }

    func read(timeoutMilliseconds: Int) throws(USBError) -> [UInt8]? {
        let input: Input? = state.withLock { state in
            if state.unplugged { return .unplug }
            guard let inputs = state.inputs, state.next < inputs.count else { return nil }
            state.next += 1
            if case .unplug = inputs[state.next - 1] { state.unplugged = true }
            return inputs[state.next - 1]
        }
        switch input {
        case nil:
            // As a real interrupt read, nothing to send means waiting out the timeout.
            MonotonicClock.sleep(milliseconds: min(timeoutMilliseconds, 100))
            return nil
        case .report(let bytes)?: return bytes
        case .unplug?: throw USBError.deviceGone("interrupt transfer")
        case .ioError?: throw USBError(call: "interrupt transfer", code: -1 /* LIBUSB_ERROR_IO */)
        }
    }
}
