import Testing
import Configuration
import Devices
import Platform
import DevicesTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// `WacomPad` against the simulated STU-430: the whole session at the HID-report level.
@Suite("Wacom pad session")
struct WacomPadTests {
    static let recordedPoints = WacomRecording.signature.count / 3 - 12  // minus the two hover gaps of six samples

    func pad(_ steps: [ScriptedWacomDevice.Step], refusesCapability: Bool = false) -> (WacomPad, ScriptedWacomDevice) {
        let device = ScriptedWacomDevice(steps, refusesCapability: refusesCapability)
        return (device.pad(), device)
    }

    @Test func openReadsCapabilityAndInformationAndEnablesThePadClock() throws {
        let (pad, simulator) = pad([])
        try pad.open()
        #expect(pad.capability == .stu430 && !pad.usedFallbackCapability)
        #expect(pad.name == "STU-430 1.05 (simulated)")
        #expect(simulator.shown.penDataOptionMode == 3)
    }

    @Test func aRefusedCapabilityFallsBackToTheModelTable() throws {
        let (pad, _) = pad([], refusesCapability: true)
        try pad.open()
        #expect(pad.capability == .stu430 && pad.usedFallbackCapability)
    }

    @Test func captureShowsThePromptAndReturnsTheRecordedSignature() throws {
        let (pad, simulator) = pad([.sign(WacomRecording.signature), .tap(.ok)])
        let signature = try pad.capture(timeoutMilliseconds: 10_000)
        #expect(signature.strokes.count == 3)
        #expect(signature.pointCount == Self.recordedPoints)
        #expect(signature.strokes[0][0].x == Double(WacomRecording.signature[0]))
        // The pad's clock wrapped during the signature (it starts at 0xFF00); times still only grow.
        let times = signature.strokes.flatMap { $0 }.map(\.milliseconds)
        #expect(times == times.sorted() && times.first == 0)
        #expect(signature.durationMilliseconds > 2500 && signature.durationMilliseconds < 4000)
        let layout = PadPromptLayout(screenWidth: 320, screenHeight: 200)
        let state = simulator.shown
        #expect(state.imagesShown == 1)
        #expect(state.handwritingArea == layout.signingArea)
        // Afterwards: inking off and a blank screen for the next citizen.
        #expect(!state.inking && state.clears == 1)
        #expect(state.image == PadBitmap(width: 320, height: 200))
        #expect(pad.droppedReports.total == 0 && pad.droppedReports.missingBySequence == 0)
    }

    @Test func theShownPromptIsTheLayoutsImage() throws {
        let (pad, simulator) = pad([])
        try pad.showPrompt()
        #expect(simulator.shown.image == PadPromptLayout(screenWidth: 320, screenHeight: 200).render())
        #expect(simulator.shown.inking)
    }

    @Test func aGlitchDuringTheImageUploadIsRecoveredOnce() throws {
        // SET_REPORTs: 0x32 at open, inking off, start, then the tenth is a data block mid-image.
        let simulator = ScriptedWacomDevice([], glitchAtSetReport: 10)
        let pad = simulator.pad()
        try pad.showPrompt()
        #expect(simulator.shown.imagesShown == 1)
        #expect(simulator.shown.image == PadPromptLayout(screenWidth: 320, screenHeight: 200).render())
    }

    @Test func nochmalClearsAndShowsThePromptAgain() throws {
        let scribble = Array(WacomRecording.signature.prefix(60))
        let (pad, simulator) = pad([.sign(scribble), .tap(.retry), .sign(WacomRecording.signature), .tap(.ok)])
        let signature = try pad.capture(timeoutMilliseconds: 10_000)
        #expect(signature.pointCount == Self.recordedPoints)
        #expect(simulator.shown.imagesShown == 2)
    }

    @Test func okOnAnEmptyPadIsIgnored() throws {
        let (pad, _) = pad([.tap(.ok), .sign(WacomRecording.signature), .tap(.ok)])
        #expect(try pad.capture(timeoutMilliseconds: 10_000).pointCount == Self.recordedPoints)
    }

    @Test func malformedReportsAreDroppedAndCountedWithoutStoppingTheCapture() throws {
        let (pad, _) = pad([.raw([]), .raw([0x01, 0x80]), .raw([0x7E, 1, 2, 3, 4, 5, 6]),
                            .raw(WacomPenReport(inProximity: true, switchState: 1, pressure: 10, x: 60_000, y: 10).bytes),
                            .sign(WacomRecording.signature), .tap(.ok)])
        let signature = try pad.capture(timeoutMilliseconds: 10_000)
        #expect(signature.pointCount == Self.recordedPoints)
        #expect(pad.droppedReports.total == 4)
        #expect(pad.droppedReports.outOfRange == 1 && pad.droppedReports.tooShort == 1)
    }

    @Test func unplugMidSignatureIsATypedError() {
        let (pad, _) = pad([.sign(Array(WacomRecording.signature.prefix(90))), .unplug])
        #expect(throws: PadError.unplugged("interrupt transfer")) { try pad.capture(timeoutMilliseconds: 10_000) }
        // A second capture on the gone pad fails the same way instead of hanging.
        #expect(throws: PadError.self) { try pad.capture(timeoutMilliseconds: 10_000) }
    }

    @Test func aSingleReadErrorIsAGlitchButRepeatedOnesEndTheCapture() throws {
        let (pad, _) = pad([.sign(Array(WacomRecording.signature.prefix(90))), .ioError, .sign(WacomRecording.signature), .tap(.ok)])
        #expect(try pad.capture(timeoutMilliseconds: 10_000).strokes.count == 4)
        let (broken, _) = self.pad([.sign(Array(WacomRecording.signature.prefix(90))), .ioError, .ioError, .ioError])
        #expect(throws: PadError.usb(USBError(call: "interrupt transfer", code: -1))) { try broken.capture(timeoutMilliseconds: 10_000) }
    }

    @Test func noOKWithinTheTimeoutIsATimeout() {
        let (pad, _) = pad([.sign(WacomRecording.signature)])
        #expect(throws: PadError.timedOut(milliseconds: 300)) { try pad.capture(timeoutMilliseconds: 300) }
    }

    @Test func cancelFromAnotherThreadEndsTheCapture() throws {
        let (pad, _) = pad([])
        try pad.open()
        // The pad stays on this thread; the other thread gets only its Sendable cancel handle.
        let cancellation = pad.cancellation
        let canceller = try JoinableThread(name: "canceller") {
            MonotonicClock.sleep(milliseconds: 50)
            cancellation.cancel()
        }
        #expect(throws: PadError.cancelled) { try pad.capture(timeoutMilliseconds: 10_000) }
        canceller.join()
    }

    /// (A lost press fails within the time limit instead of polling forever.)
    @Test(.timeLimit(.minutes(1))) func stepByStepTheKioskSeesTheInkGrowAndTheButtons() throws {
        let (pad, _) = pad([.sign(WacomRecording.signature), .tap(.retry), .sign(WacomRecording.signature), .tap(.ok)])
        try pad.begin()
        var progress = try pad.poll(waitMilliseconds: 1000)
        var seen = [progress.signature.pointCount]
        while progress.pressed == nil {
            progress = try pad.poll(waitMilliseconds: 1000)
            seen.append(progress.signature.pointCount)
        }
        #expect(progress.pressed == .retry && seen == seen.sorted() && seen.last == Self.recordedPoints)
        try pad.clear()
        // On a loaded machine the second signature and the OK tap are queued already, and this poll returns the
        // press: keep what it returns (dropping it left the loop below waiting for a press that had come — a hang).
        progress = try pad.poll(waitMilliseconds: 0)
        #expect(progress.signature.pointCount <= Self.recordedPoints)
        while progress.pressed == nil { progress = try pad.poll(waitMilliseconds: 1000) }
        #expect(progress.pressed == .ok && progress.signature.pointCount == Self.recordedPoints)
        pad.end()
        #expect(throws: PadError.protocolViolation("poll before begin")) { try pad.poll(waitMilliseconds: 0) }
    }

    @Test func theConfiguredDeviceChoosesThePad() throws {
        let simulated = try SignaturePads.open(source: .simulated, context: try USBContext())
        #expect(simulated.name == "STU-430 1.05 (simulated)")
        simulated.close()
        // Without a pad on the bus (or without USB at all) "auto" is a clear error, never a crash.
        if let context = try? USBContext(), ((try? context.devices(vendorID: WacomModel.vendorID)) ?? []).isEmpty {
            #expect(throws: PadError.self) { try SignaturePads.open(source: .auto, context: context) }
        }
    }

    @Test func theRealTimeSimulatorPacesReports() throws {
        let simulator = WacomDeviceSimulator(hand: RecordedHand([.sign(Array(WacomRecording.signature.prefix(30))), .tap(.ok)]))
        let pad = WacomPad(simulator: simulator)
        let start = MonotonicMilliseconds.now()
        _ = try pad.capture(timeoutMilliseconds: 10_000)
        // 10 samples + pen up + 300 ms pause + 6 tap reports, 10 ms apart.
        #expect(MonotonicMilliseconds.now() - start >= 350)
    }
}

enum MonotonicMilliseconds {
    static func now() -> Int {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Int(time.tv_sec) * 1000 + Int(time.tv_nsec) / 1_000_000
    }
}

@Suite("USB layer")
struct USBLayerTests {
    @Test func interruptedCallsAreRetriedAndFailuresTyped() {
        var calls = 0
        let result = try? USBCall.checked("test") {
            calls += 1
            return calls < 3 ? -10 /* LIBUSB_ERROR_INTERRUPTED */ : 7
        }
        #expect(result == 7 && calls == 3)
        #expect(throws: USBError(call: "libusb_claim_interface 0", code: -6)) { try USBCall.checked("libusb_claim_interface 0") { -6 } }
    }

    @Test func errorsSayWhatToDo() {
        #expect(USBError(call: "libusb_open", code: -3).description.contains("LIBUSB_ERROR_ACCESS"))
        #expect(USBError(call: "libusb_open", code: -3).description.contains("udev"))
        #expect(USBError.deviceGone("x").isDeviceGone && USBError.stall("x").isStall && USBError.timeout("x").isTimeout)
        #expect(PadError(USBError.deviceGone("GET_REPORT 0x9")) == .unplugged("GET_REPORT 0x9"))
        #expect(PadError.timedOut(milliseconds: 60_000).description == "no signature within 60 s")
    }

    /// A container may have no USB at all (libusb_init fails): then this is a skip, not a pass.
    @Test(.enabled(if: (try? USBContext()) != nil, "libusb cannot be initialised here"))
    func listingTheBusWorksWithOrWithoutUSB() throws {
        // A container may have no /dev/bus/usb; listing must then be empty or a typed error, not a crash.
        let context = try USBContext()
        let pads = (try? context.devices(vendorID: WacomModel.vendorID)) ?? []
        #expect(pads.allSatisfy { $0.vendorID == WacomModel.vendorID })
    }

    @Test(.enabled(if: USBHotplugMonitor.isSupported && (try? USBContext()) != nil, "libusb has no hotplug support here"))
    func hotplugMonitorStartsAndStops() throws {
        let context = try USBContext()
        let seen = Locked(0)
        let monitor = try USBHotplugMonitor(context: context, vendorID: WacomModel.vendorID) { _ in seen.withLock { $0 += 1 } }
        let start = MonotonicMilliseconds.now()
        monitor.stop()
        #expect(MonotonicMilliseconds.now() - start < 1000)
    }
}
