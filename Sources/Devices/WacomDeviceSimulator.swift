import Platform

/// An STU-430 played at the HID-report level: it answers the feature reports as the SDK describes them
/// (status, information, capability, image upload, inking) and passes on what a `SimulatedHand` — the
/// citizen on the other side of the glass — does with the pen. `WacomPad` runs the same code on it as on a
/// real pad. The demo and `pad.device = simulated` put a `RecordedHand` in front of it (a recorded signature,
/// then OK, in real time); the unit tests put their own hand in (Tests/DevicesTestSupport: malformed reports,
/// an unplug, I/O errors, no waiting), and see what the pad shows through what it tells the hand.
///
/// `Sendable`: `WacomPad`'s reader thread reads input reports while the owner's thread sends feature reports
/// (see `HIDTransport`); the pad's state is behind `Locked`, the hand is `Sendable`.
public final class WacomDeviceSimulator: HIDTransport, Sendable {
    public let productID: UInt16 = 0x00A4
    public let capability = WacomCapability.stu430
    /// Who uses the pen.
    private let hand: any SimulatedHand
    private let state: Locked<State>

    /// Status polls that answer "calculation" after each image, as the real pad is busy drawing.
    static let busyPollsAfterImage = 2

    private struct State {
        var status = WacomStatus(state: .ready, lastResult: 0)
        var screen: SimulatedPadScreen
        /// Status polls left before the pad is ready again after an image.
        var busyPolls = 0
        /// The image being uploaded.
        var upload: [UInt8]? = nil
        var closed = false
    }

    public init(hand: any SimulatedHand = RecordedHand()) {
        self.hand = hand
        state = Locked(State(screen: SimulatedPadScreen(capability: .stu430)))
    }

    public func getFeatureReport(_ reportID: UInt8, length: Int) throws(USBError) -> [UInt8] {
        let call = "GET_REPORT 0x\(String(reportID, radix: 16))"
        let reply: [UInt8]? = state.withLock { state in
            if state.closed { return nil }
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
            case WacomReportID.capability:
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
        enum Outcome { case gone, refused, accepted(changed: SimulatedPadScreen?) }
        let outcome: Outcome = state.withLock { state in
            if state.closed { return .gone }
            guard let id = report.first else { return .refused }
            func fail(_ result: UInt8) -> Outcome { state.status.lastResult = result; return .refused }
            let before = state.screen
            switch id {
            case WacomReportID.clearScreen:
                state.screen.clears += 1
                state.screen.image = PadBitmap(width: capability.screenWidth, height: capability.screenHeight)
            case WacomReportID.inkingMode where report.count >= 2:
                state.screen.inking = report[1] != 0
            case WacomReportID.penDataOptionMode where report.count >= 2:
                state.screen.penDataOptionMode = report[1]
            case WacomReportID.handwritingDisplayArea where report.count >= 9:
                func value(_ at: Int) -> Int { Int(report[at]) | Int(report[at + 1]) << 8 }
                state.screen.handwritingArea = WacomScreenRect(left: value(1), top: value(3), right: value(5), bottom: value(7))
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
                    state.screen.image = bitmap
                    state.screen.imagesShown += 1
                    state.busyPolls = Self.busyPollsAfterImage
                }
            default:
                return fail(1)
            }
            state.status.lastResult = 0
            return .accepted(changed: state.screen == before ? nil : state.screen)
        }
        switch outcome {
        case .gone: throw USBError.deviceGone(call)
        case .refused: throw USBError.stall(call)
        // Told outside the lock: the hand may take its own lock, and the pad's is never held across a call out.
        case .accepted(let changed): if let changed { hand.screenChanged(changed) }
        }
    }

    public func readInputReport(timeoutMilliseconds: Int) throws(USBError) -> [UInt8]? {
        if state.withLock({ $0.closed }) { throw USBError.deviceGone("interrupt transfer") }
        return try hand.read(timeoutMilliseconds: timeoutMilliseconds)
    }

    public func close() { state.withLock { $0.closed = true } }

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

/// What the simulated pad shows and how it is set, as someone in front of it sees it.
public struct SimulatedPadScreen: Sendable, Equatable {
    public var capability: WacomCapability
    /// The picture on the screen; nil before the first clear or image.
    public var image: PadBitmap?
    /// Images shown since the pad was switched on; each one is a fresh prompt.
    public var imagesShown = 0
    /// The screen draws the pen's ink.
    public var inking = false
    /// Where ink is drawn, nil until set.
    public var handwritingArea: WacomScreenRect?
    /// The pen data option mode (3: reports 0x34 with the pad's own clock and a sequence number).
    public var penDataOptionMode: UInt8 = 0
    /// Times the screen was cleared.
    public var clears = 0

    public init(capability: WacomCapability) { self.capability = capability }

    /// Pen reports carry the pad's clock and a sequence number.
    public var timeCount: Bool { penDataOptionMode == 3 }
}

/// The outside of the simulated pad: the hand that holds the pen. The simulator tells it every change of
/// what the pad shows (on the thread that sent the feature report) and asks it for each interrupt read (on
/// the pad's reader thread), so it is `Sendable`.
public protocol SimulatedHand: Sendable {
    /// What the pad shows changed.
    func screenChanged(_ screen: SimulatedPadScreen)
    /// One interrupt read: the next input report, or nil when none comes within `timeoutMilliseconds` (having
    /// waited that long, as a real read does). Throws as the USB transfer would.
    func read(timeoutMilliseconds: Int) throws(USBError) -> [UInt8]?
}

/// A pen on the simulated pad: turns strokes and button taps into the STU's pen reports, one every 10 ms, each
/// with its time after the prompt appeared. With `timeCount` the reports are 0x34 with the pad's clock, which
/// starts just below its wrap so every simulated signature crosses it.
public struct SimulatedPen: Sendable {
    /// One pen report and when it is due, in milliseconds after the prompt showed.
    public struct TimedReport: Sendable, Equatable {
        public var dueMilliseconds: Int
        public var bytes: [UInt8]
    }

    public let screen: SimulatedPadScreen
    /// The time the next report is due.
    public private(set) var milliseconds = 0
    private var sequence: UInt16 = 0
    private var clock: UInt16 = 0xFF00

    public init(screen: SimulatedPadScreen) { self.screen = screen }

    /// Signs `samples` (triples x, y, pressure in tablet units; pressure 0 = lifted), then lifts the pen and
    /// pauses 300 ms.
    public mutating func sign(_ samples: [UInt16]) -> [TimedReport] {
        var reports: [TimedReport] = []
        var last: (x: Int, y: Int)?
        for i in stride(from: 0, to: samples.count - 2, by: 3) {
            let x = Int(samples[i]), y = Int(samples[i + 1]), pressure = Int(samples[i + 2])
            reports.append(report(x: x, y: y, pressure: pressure, touching: pressure > 0))
            last = (x, y)
        }
        if let last { reports.append(report(x: last.x, y: last.y, pressure: 0, touching: false)) }
        milliseconds += 300
        return reports
    }

    /// Taps the middle of a button of the prompt, then pauses 300 ms.
    public mutating func tap(_ button: PadButton) -> [TimedReport] {
        let capability = screen.capability
        let layout = PadPromptLayout(screenWidth: capability.screenWidth, screenHeight: capability.screenHeight)
        let rect = button == .ok ? layout.okButton : layout.retryButton
        let point = capability.tabletPoint(screenX: (rect.left + rect.right) / 2, screenY: (rect.top + rect.bottom) / 2)
        var reports = [report(x: point.x, y: point.y, pressure: 0, touching: false)]
        for _ in 0..<4 { reports.append(report(x: point.x, y: point.y, pressure: 600, touching: true)) }
        reports.append(report(x: point.x, y: point.y, pressure: 0, touching: false))
        milliseconds += 300
        return reports
    }

    private mutating func report(x: Int, y: Int, pressure: Int, touching: Bool) -> TimedReport {
        let timeCount = screen.timeCount
        let pen = WacomPenReport(inProximity: true, switchState: touching ? 1 : 0, pressure: touching ? pressure : 0,
                                 x: x, y: y, timeCount: timeCount ? clock : nil, sequence: timeCount ? sequence : nil)
        defer {
            milliseconds += WacomRecording.sampleMilliseconds
            clock &+= UInt16(WacomRecording.sampleMilliseconds)
            sequence &+= 1
        }
        return TimedReport(dueMilliseconds: milliseconds, bytes: pen.bytes)
    }
}

/// The demo's citizen: once a prompt shows, signs and taps as `steps` say, in real time; at the next fresh
/// prompt after the last step it starts over (the demo and the kiosk serve visit after visit from one
/// simulated pad). A prompt shown again before the end ("Nochmal") does not restart it.
public final class RecordedHand: SimulatedHand {
    /// One step of the citizen's hand.
    public enum Step: Sendable, Equatable {
        /// Signs `samples` (triples x, y, pressure; pressure 0 = lifted), one every 10 ms.
        case sign([UInt16])
        /// Taps the middle of a button of the prompt.
        case tap(PadButton)
    }

    /// The recorded signature, then OK.
    public static let recordedSignature: [Step] = [.sign(WacomRecording.signature), .tap(.ok)]

    public let steps: [Step]
    private let signing = Locked(Signing())

    private struct Signing {
        var reports: [SimulatedPen.TimedReport]? = nil
        var next = 0
        var startedAt = 0
        var imagesSeen = 0
    }

    public init(_ steps: [Step] = RecordedHand.recordedSignature) { self.steps = steps }

    public func screenChanged(_ screen: SimulatedPadScreen) {
        let now = MonotonicClock.milliseconds()
        signing.withLock { signing in
            guard screen.imagesShown > signing.imagesSeen else { return }
            signing.imagesSeen = screen.imagesShown
            if let reports = signing.reports, signing.next < reports.count { return }
            var pen = SimulatedPen(screen: screen)
            signing.reports = steps.flatMap { step in
                switch step {
                case .sign(let samples): pen.sign(samples)
                case .tap(let button): pen.tap(button)
                }
            }
            signing.next = 0
            signing.startedAt = now
        }
    }

    public func read(timeoutMilliseconds: Int) throws(USBError) -> [UInt8]? {
        let now = MonotonicClock.milliseconds()
        let next: (bytes: [UInt8], waitMilliseconds: Int)? = signing.withLock { signing in
            guard let reports = signing.reports, signing.next < reports.count else { return nil }
            let due = signing.startedAt + reports[signing.next].dueMilliseconds
            guard due - now <= timeoutMilliseconds else { return nil }
            signing.next += 1
            return (reports[signing.next - 1].bytes, due - now)
        }
        guard let next else {
            // As a real interrupt read, nothing to send means waiting out the timeout.
            MonotonicClock.sleep(milliseconds: min(timeoutMilliseconds, 100))
            return nil
        }
        MonotonicClock.sleep(milliseconds: max(next.waitMilliseconds, 0))
        return next.bytes
    }
}
