import Platform

/// An STU-430 played at the HID-report level: it answers the feature reports as the SDK describes them
/// (status, information, capability, image upload, inking) and streams pen reports from a scenario: a
/// recorded signature, taps on the prompt's buttons, malformed reports, an unplug. `WacomPad` runs the
/// same code on it as on a real pad; the unit tests read back what the "pad" was told (`state`).
public final class WacomDeviceSimulator: HIDTransport, Sendable {
    /// How fast pen reports come: as the citizen signs (the demo), or as fast as they are read (tests).
    public enum Pacing: Sendable { case realTime, immediate }

    /// One step of the citizen's hand.
    public enum Action: Sendable, Equatable {
        /// Signs `samples` (triples x, y, pressure; pressure 0 = lifted), one every 10 ms.
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

    /// The steps of one session, played once the first prompt is on the screen.
    public struct Scenario: Sendable, Equatable {
        public var actions: [Action]
        public init(_ actions: [Action]) { self.actions = actions }

        /// The recorded signature, then OK.
        public static let recordedSignature = Scenario([.sign(WacomRecording.signature), .tap(.ok)])
    }

    /// What the pad was told: for the tests.
    public struct State: Sendable {
        public var status = WacomStatus(state: .ready, lastResult: 0)
        public var shownImage: PadBitmap?
        public var imageUploads = 0
        public var inking = false
        public var handwritingArea: WacomScreenRect?
        public var penDataOptionMode: UInt8 = 0
        public var clearScreens = 0
        public var unplugged = false
        public var closed = false
        /// Status polls left before the pad is ready again after an image.
        var busyPolls = 0
        var upload: [UInt8]? = nil
        var timeline: [(dueMilliseconds: Int, input: Input)]? = nil
        var next = 0
        var started = 0
        var setReports = 0
    }

    public let productID: UInt16 = 0x00A4
    public let capability = WacomCapability.stu430
    public let scenario: Scenario
    public let pacing: Pacing
    /// Answer GET_REPORT 0x09 with a stall, as old firmware does.
    public let refusesCapability: Bool
    /// Status polls that answer "calculation" after each image, as the real pad is busy drawing.
    public let busyPollsAfterImage: Int
    /// The n-th SET_REPORT (counting from 1) fails once with LIBUSB_ERROR_IO, as on a glitching cable.
    public let glitchAtSetReport: Int?
    private let mutableState = Locked(State())

    public init(scenario: Scenario = .recordedSignature, pacing: Pacing = .immediate, refusesCapability: Bool = false,
                busyPollsAfterImage: Int = 2, glitchAtSetReport: Int? = nil) {
        self.glitchAtSetReport = glitchAtSetReport
        self.scenario = scenario
        self.pacing = pacing
        self.refusesCapability = refusesCapability
        self.busyPollsAfterImage = busyPollsAfterImage
    }

    public var state: State { mutableState.withLock { $0 } }

    public func getFeatureReport(_ reportID: UInt8, length: Int) throws(USBError) -> [UInt8] {
        let call = "GET_REPORT 0x\(String(reportID, radix: 16))"
        let reply: [UInt8]? = mutableState.withLock { state in
            if state.unplugged || state.closed { return nil }
            switch reportID {
            case WacomReportID.status:
                var status = state.status
                if state.busyPolls > 0 {
                    state.busyPolls -= 1
                    status.state = .calculation
                }
                return [WacomReportID.status, Self.code(status.state), status.lastResult, 0, 0]
            case WacomReportID.information:
                return [WacomReportID.information] + Array("STU-430".utf8) + [0, 0, 0x01, 0x05] + [UInt8](repeating: 0, count: 5)
            case WacomReportID.capability where !refusesCapability:
                let c = capability
                return [WacomReportID.capability] + [c.maxX, c.maxY, c.maxPressure, c.screenWidth, c.screenHeight].flatMap(Self.bigEndian)
                    + [UInt8(c.reportRate)] + Self.bigEndian(c.resolution) + [c.encodingFlag, 0, 0]
            default:
                return []
            }
        }
        guard let reply else { throw USBError.deviceGone(call) }
        // Unknown reports stall, as HID devices answer a report they do not have.
        guard !reply.isEmpty else { throw USBError.stall(call) }
        return Array(reply.prefix(length))
    }

    public func setFeatureReport(_ report: [UInt8]) throws(USBError) {
        let call = "SET_REPORT 0x\(String(report.first ?? 0, radix: 16))"
        let glitch = mutableState.withLock { state in
            state.setReports += 1
            return state.setReports == glitchAtSetReport
        }
        if glitch { throw USBError(call: call, code: -1 /* LIBUSB_ERROR_IO */) }
        let accepted: Bool? = mutableState.withLock { state in
            if state.unplugged || state.closed { return nil }
            guard let id = report.first else { return false }
            func fail(_ result: UInt8) -> Bool { state.status.lastResult = result; return false }
            switch id {
            case WacomReportID.clearScreen:
                state.clearScreens += 1
                state.shownImage = PadBitmap(width: capability.screenWidth, height: capability.screenHeight)
            case WacomReportID.inkingMode where report.count >= 2:
                state.inking = report[1] != 0
            case WacomReportID.penDataOptionMode where report.count >= 2:
                state.penDataOptionMode = report[1]
            case WacomReportID.handwritingDisplayArea where report.count >= 9:
                func value(_ at: Int) -> Int { Int(report[at]) | Int(report[at + 1]) << 8 }
                state.handwritingArea = WacomScreenRect(left: value(1), top: value(3), right: value(5), bottom: value(7))
            case WacomReportID.handwritingThicknessColor24:
                break
            case WacomReportID.startImageData where report.count >= 2:
                guard state.status.state == .ready, report[1] == 0 else { return fail(2) }
                state.status.state = .image
                state.upload = []
            case WacomReportID.imageDataBlock where report.count >= 3:
                let length = Int(report[1]) | Int(report[2]) << 8
                guard state.status.state == .image, state.upload != nil else { return fail(2) }
                guard length <= WacomCommand.maxImageBlockData, 3 + length <= report.count else { return fail(4) }
                state.upload! += report[3..<(3 + length)]
            case WacomReportID.endImageData where report.count >= 2:
                guard state.status.state == .image, let data = state.upload else { return fail(2) }
                state.status.state = .ready
                state.upload = nil
                if report[1] == 0 {
                    guard let bitmap = PadBitmap(packed: data, width: capability.screenWidth, height: capability.screenHeight)
                    else { return fail(4) }
                    state.shownImage = bitmap
                    state.imageUploads += 1
                    // A fresh prompt after the whole scenario was played is the next citizen: they sign
                    // again (the demo and the kiosk serve visit after visit from one simulated pad).
                    if let timeline = state.timeline, state.next >= timeline.count {
                        state.timeline = nil
                        state.next = 0
                    }
                    state.busyPolls = busyPollsAfterImage
                }
            default:
                return fail(1)
            }
            state.status.lastResult = 0
            return true
        }
        guard let accepted else { throw USBError.deviceGone(call) }
        if !accepted { throw USBError.stall(call) }
    }

    public func readInputReport(timeoutMilliseconds: Int) throws(USBError) -> [UInt8]? {
        enum Next { case gone, nothing, input(Input, waitMilliseconds: Int) }
        let now = MonotonicClock.milliseconds()
        let next: Next = mutableState.withLock { state in
            if state.unplugged || state.closed { return .gone }
            // The citizen starts once the prompt shows.
            guard state.imageUploads > 0 else { return .nothing }
            if state.timeline == nil {
                state.timeline = timeline(timeCount: state.penDataOptionMode == 3)
                state.started = now
            }
            guard state.next < state.timeline!.count else { return .nothing }
            let entry = state.timeline![state.next]
            let due = pacing == .realTime ? state.started + entry.dueMilliseconds : now
            guard due - now <= timeoutMilliseconds else { return .nothing }
            state.next += 1
            if case .unplug = entry.input { state.unplugged = true }
            return .input(entry.input, waitMilliseconds: due - now)
        }
        switch next {
        case .gone:
            throw USBError.deviceGone("interrupt transfer")
        case .nothing:
            // As a real interrupt read, nothing to send means waiting out the timeout.
            MonotonicClock.sleep(milliseconds: min(timeoutMilliseconds, 100))
            return nil
        case let .input(input, wait):
            MonotonicClock.sleep(milliseconds: wait)
            switch input {
            case .report(let report): return report
            case .unplug: throw USBError.deviceGone("interrupt transfer")
            case .ioError: throw USBError(call: "interrupt transfer", code: -1 /* LIBUSB_ERROR_IO */)
            }
        }
    }

    public func close() { mutableState.withLock { $0.closed = true } }

    /// What one interrupt read of the scenario gives.
    enum Input: Sendable { case report([UInt8]), unplug, ioError }

    /// Every input of the scenario with its time.
    private func timeline(timeCount: Bool) -> [(dueMilliseconds: Int, input: Input)] {
        var entries: [(Int, Input)] = []
        var milliseconds = 0
        var sequence: UInt16 = 0
        // Starts just below the wrap, so every simulated signature crosses it.
        var clock: UInt16 = 0xFF00
        func pen(x: Int, y: Int, pressure: Int, touching: Bool) {
            let report = WacomPenReport(inProximity: true, switchState: touching ? 1 : 0, pressure: touching ? pressure : 0,
                                        x: x, y: y, timeCount: timeCount ? clock : nil, sequence: timeCount ? sequence : nil)
            entries.append((milliseconds, .report(report.bytes)))
            milliseconds += WacomRecording.sampleMilliseconds
            clock &+= UInt16(WacomRecording.sampleMilliseconds)
            sequence &+= 1
        }
        let layout = PadPromptLayout(screenWidth: capability.screenWidth, screenHeight: capability.screenHeight)
        for action in scenario.actions {
            switch action {
            case .sign(let samples):
                var last: (x: Int, y: Int)?
                for i in stride(from: 0, to: samples.count - 2, by: 3) {
                    let x = Int(samples[i]), y = Int(samples[i + 1]), pressure = Int(samples[i + 2])
                    pen(x: x, y: y, pressure: pressure, touching: pressure > 0)
                    last = (x, y)
                }
                if let last { pen(x: last.x, y: last.y, pressure: 0, touching: false) }
                milliseconds += 300
            case .tap(let button):
                let rect = button == .ok ? layout.okButton : layout.retryButton
                let point = capability.tabletPoint(screenX: (rect.left + rect.right) / 2, screenY: (rect.top + rect.bottom) / 2)
                pen(x: point.x, y: point.y, pressure: 0, touching: false)
                for _ in 0..<4 { pen(x: point.x, y: point.y, pressure: 600, touching: true) }
                pen(x: point.x, y: point.y, pressure: 0, touching: false)
                milliseconds += 300
            case .raw(let bytes):
                entries.append((milliseconds, .report(bytes)))
            case .unplug:
                entries.append((milliseconds, .unplug))
            case .ioError:
                entries.append((milliseconds, .ioError))
            }
        }
        return entries
    }

    private static func bigEndian(_ value: Int) -> [UInt8] { [UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)] }

    private static func code(_ state: WacomStatus.State) -> UInt8 {
        switch state {
        case .ready: return 0
        case .image: return 1
        case .capture: return 2
        case .calculation: return 3
        case .bootImage: return 4
        case .romBusy: return 5
        case .systemReset: return 0xFF
        case .other(let code): return code
        }
    }
}
