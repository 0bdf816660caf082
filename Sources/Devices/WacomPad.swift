import Capture
import Platform
/// A Wacom STU pad over any `HIDTransport`: the real one (`USBHIDDevice`) or the simulator. It queries
/// what the pad can do (falling back to the model table when the pad refuses), shows the prompt, reads pen
/// reports on a reader thread and turns them into a `Signature` through `PadInteraction`.
///
/// One capture at a time. Not `Sendable` (a `SignaturePad` has one owner thread): its `var`s (`capability`,
/// `session`, `reader`, the counters) are read and written only by the owner's calls. The reader thread sees
/// only the `Sendable` `let`s it captured (`transport`, `events`, `stopReader`); `cancellation` only pushes to
/// `events`, a locked queue. `close()` joins the reader before it closes the transport.
public final class WacomPad: SignaturePad {
    public let transport: any HIDTransport
    public let productID: UInt16
    private let location: String
    public private(set) var capability: WacomCapability?
    public private(set) var information: WacomInformation?
    /// Whether the capability came from the model table because the pad refused the report.
    public private(set) var usedFallbackCapability = false
    /// Reports that were malformed, out of range or missing, over the last capture.
    public private(set) var droppedReports = WacomDroppedReports()
    /// Milliseconds `showPrompt` waits for the pad to be ready (it is busy for a while after an image).
    public var readyTimeoutMilliseconds = 2000

    private let events = USBEventQueue<PadReaderEvent>()
    private var reader: JoinableThread?
    private let stopReader = USBEventQueue<Bool>()
    private var session: Session?

    /// The decoding state of one signing, from `begin` to `end`.
    private struct Session {
        var decoder: WacomPenDecoder
        var interaction: PadInteraction
    }

    enum PadReaderEvent: Sendable {
        case report([UInt8], hostMilliseconds: Int)
        case failed(USBError)
        case cancelled
    }

    public init(transport: any HIDTransport, productID: UInt16, location: String) {
        self.transport = transport
        self.productID = productID
        self.location = location
    }

    /// Claims the real pad `info` (the kernel's usbhid detached while we hold it).
    public convenience init(usb context: USBContext, info: USBDeviceInfo) throws(PadError) {
        do {
            let device = try USBHIDDevice(context: context, info: info)
            self.init(transport: device, productID: info.productID, location: "bus \(info.bus) device \(info.address)")
        } catch {
            throw PadError(error)
        }
    }

    /// The simulated STU-430.
    public convenience init(simulator: WacomDeviceSimulator) {
        self.init(transport: simulator, productID: simulator.productID, location: "simulated")
    }

    deinit { close() }

    public var model: WacomModel? { WacomModel.forProduct(productID) }

    public var name: String {
        let model = information?.modelName ?? model?.name ?? "USB 056a:\(String(productID, radix: 16))"
        let firmware = information.map { " \($0.firmware)" } ?? ""
        return "\(model)\(firmware) (\(location))"
    }

    public func open() throws(PadError) {
        guard capability == nil else { return }
        // The capability is essential; a pad that refuses it (a stall) or sends nonsense gets its model's
        // published values, and only an unknown model without them is refused.
        do throws(PadError) {
            capability = try query(WacomReportID.capability, length: WacomCapability.reportLength) { r throws(WacomReportError) in try WacomCapability(report: r) }
        } catch {
            if case .unplugged = error { throw error }
            guard let fallback = model?.fallbackCapability else {
                throw .protocolViolation("the pad refused its capability report (\(error)) and \(model?.name ?? "this model") has no built-in values")
            }
            capability = fallback
            usedFallbackCapability = true
        }
        // The information report only names the pad; without it the model table's name is used.
        do throws(PadError) {
            information = try query(WacomReportID.information, length: WacomInformation.reportLength) { r throws(WacomReportError) in try WacomInformation(report: r) }
        } catch {
            if case .unplugged = error { throw error }
        }
        if model?.supportsTimeCountSequence == true {
            // The pad's own clock makes the time series independent of USB scheduling; older firmware
            // stalls the request and keeps sending plain 0x01 reports, which the decoder also takes.
            do {
                try transport.setFeatureReport(WacomCommand.penDataOptionMode(0x03))
            } catch where error.isDeviceGone {
                throw PadError(error)
            } catch {}
        }
    }

    private func query<T>(_ id: UInt8, length: Int, _ parse: ([UInt8]) throws(WacomReportError) -> T) throws(PadError) -> T {
        let report: [UInt8]
        do { report = try transport.getFeatureReport(id, length: length) } catch { throw PadError(error) }
        do { return try parse(report) } catch { throw .protocolViolation(error.description) }
    }

    public func showPrompt() throws(PadError) {
        do {
            try uploadPrompt()
        } catch {
            guard case .usb = error else { throw error }
            // One failed control transfer (a glitch on the cable) would leave half an image: abandon the
            // upload and send it once more; a second failure is reported.
            try? transport.setFeatureReport(WacomCommand.endImageData(commit: false))
            try uploadPrompt()
        }
    }

    private func uploadPrompt() throws(PadError) {
        let capability = try openedCapability()
        let layout = PadPromptLayout(screenWidth: capability.screenWidth, screenHeight: capability.screenHeight)
        do {
            try transport.setFeatureReport(WacomCommand.inking(false))
            try waitUntilReady()
            for report in WacomCommand.monochromeImageUpload(layout.render()) { try transport.setFeatureReport(report) }
            try waitUntilReady()
            try transport.setFeatureReport(WacomCommand.handwritingDisplayArea(layout.signingArea))
            try transport.setFeatureReport(WacomCommand.inking(true))
        } catch let error as USBError {
            throw PadError(error)
        } catch let error as PadError {
            throw error
        } catch {
            throw .protocolViolation("\(error)")
        }
    }

    /// Polls the status report until the pad is ready; the SDK does the same before and after an image.
    private func waitUntilReady() throws {
        let deadline = MonotonicClock.milliseconds() + readyTimeoutMilliseconds
        while true {
            let report = try transport.getFeatureReport(WacomReportID.status, length: WacomStatus.reportLength)
            // A pad that cannot tell its status (STU-300 firmware) is taken as ready.
            guard let status = try? WacomStatus(report: report) else { return }
            if status.state == .ready || status.state == .capture { return }
            if MonotonicClock.milliseconds() >= deadline {
                throw PadError.protocolViolation("the pad stayed in state \(status.state) for \(readyTimeoutMilliseconds) ms")
            }
            MonotonicClock.sleep(milliseconds: 5)
        }
    }

    public func begin() throws(PadError) {
        let capability = try openedCapability()
        stopReading()
        events.removeAll()
        let layout = PadPromptLayout(screenWidth: capability.screenWidth, screenHeight: capability.screenHeight)
        session = Session(decoder: WacomPenDecoder(capability: capability),
                          interaction: PadInteraction(capability: capability, layout: layout))
        try showPrompt()
        try startReader()
    }

    public func poll(waitMilliseconds: Int) throws(PadError) -> PadProgress {
        guard var current = session else { throw .protocolViolation("poll before begin") }
        defer { session = current; droppedReports = current.decoder.dropped }
        var wait = max(waitMilliseconds, 0)
        while let event = events.pop(timeoutMilliseconds: wait) {
            // Only the first event is waited for; the rest is what has queued up meanwhile.
            wait = 0
            switch event {
            case .cancelled:
                throw .cancelled
            case .failed(let error):
                throw PadError(error)
            case let .report(report, hostMilliseconds):
                guard let pen = current.decoder.decode(report, hostMilliseconds: hostMilliseconds) else { continue }
                if case .pressed(let button)? = current.interaction.handle(pen) {
                    // Stop at a press, so that what follows it is decoded after the caller reacted.
                    return PadProgress(signature: current.interaction.signature(), pressed: button)
                }
            }
        }
        return PadProgress(signature: current.interaction.signature(), pressed: nil)
    }

    public func clear() throws(PadError) {
        session?.interaction.clear()
        // A fresh image also wipes the pad's own ink.
        try showPrompt()
    }

    public func end() {
        stopReading()
        session = nil
        if capability != nil { finishScreen() }
    }

    public func capture(timeoutMilliseconds: Int) throws(PadError) -> Signature {
        try begin()
        defer { end() }
        let deadline = MonotonicClock.milliseconds() + timeoutMilliseconds
        while true {
            let left = deadline - MonotonicClock.milliseconds()
            guard left > 0 else { throw .timedOut(milliseconds: timeoutMilliseconds) }
            let progress = try poll(waitMilliseconds: min(left, 250))
            switch progress.pressed {
            // OK on an empty pad is a slip of the pen, not a signature.
            case .ok? where progress.signature.pointCount > 0: return progress.signature
            case .retry?: try clear()
            default: continue
            }
        }
    }

    public var cancellation: PadCancellation {
        let events = self.events
        return PadCancellation { events.push(.cancelled) }
    }

    public func close() {
        end()
        transport.close()
    }

    private func openedCapability() throws(PadError) -> WacomCapability {
        if capability == nil { try open() }
        guard let capability else { throw .protocolViolation("no capability") }
        return capability
    }

    /// Inking off and a blank screen, so the next citizen does not see the last signature.
    private func finishScreen() {
        try? transport.setFeatureReport(WacomCommand.inking(false))
        try? transport.setFeatureReport(WacomCommand.clearScreen())
    }

    private func startReader() throws(PadError) {
        guard reader == nil else { return }
        stopReader.removeAll()
        let transport = self.transport, events = self.events, stop = self.stopReader
        do throws(SystemError) {
            reader = try JoinableThread(name: "pad-reader") {
                var failures = 0
                while stop.pop(timeoutMilliseconds: 0) == nil {
                    do throws(USBError) {
                        // A short timeout so that stopReading() is noticed quickly.
                        guard let report = try transport.readInputReport(timeoutMilliseconds: 50) else { continue }
                        failures = 0
                        events.push(.report(report, hostMilliseconds: MonotonicClock.milliseconds()))
                    } catch {
                        // An unplug can end the transfer in flight with an I/O error; the next one then
                        // says "no device". A glitch passes: only repeated failures end the capture.
                        failures += 1
                        if error.isDeviceGone || failures >= 3 {
                            events.push(.failed(error))
                            return
                        }
                        MonotonicClock.sleep(milliseconds: 10)
                    }
                }
            }
        } catch {
            throw PadError(USBError(threadNotStarted: error))
        }
    }

    private func stopReading() {
        guard let reader else { return }
        self.reader = nil
        stopReader.push(true)
        reader.join()
    }
}
