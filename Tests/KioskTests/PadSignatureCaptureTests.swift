import VisitCore
import Capture
import Devices
import Foundation
import Kiosk
import Testing

/// The kiosk's pad port over the Devices simulator, which plays the STU-430's HID reports.
@Suite struct PadSignatureCaptureTests {
    private func capture(_ scenario: WacomDeviceSimulator.Scenario) -> PadSignatureCapture {
        PadSignatureCapture { () throws(PadError) in
            let pad = WacomPad(simulator: WacomDeviceSimulator(scenario: scenario, pacing: .immediate))
            try pad.open()
            return pad
        }
    }

    /// Polls until `condition` holds or a second passes (the simulator's reader runs on its own thread).
    private func poll(_ port: PadSignatureCapture, until condition: (Signature, VisitCore.PadButton?) -> Bool) -> (Signature, VisitCore.PadButton?) {
        var last = port.poll()
        let deadline = Date().addingTimeInterval(2)
        while !condition(last.signature, last.pressed), Date() < deadline {
            usleep(10_000)
            last = port.poll()
        }
        return last
    }

    @Test func aSignatureThenOKGivesTheDocumentsJPEG() throws {
        let port = capture(.recordedSignature)
        try port.begin()
        let (_, pressed) = poll(port) { _, pressed in pressed != nil }
        #expect(pressed == .accept)
        let jpeg = try port.finish()
        #expect(Array(jpeg.prefix(3)) == [0xFF, 0xD8, 0xFF])
        #expect(port.failure == nil)
        port.end()
    }

    @Test func aPadUnpluggedMidSignatureIsReportedNotWaitedFor() throws {
        let port = capture(WacomDeviceSimulator.Scenario([.sign(Array(WacomRecording.signature.prefix(300))), .unplug]))
        try port.begin()
        _ = poll(port) { _, _ in port.failure != nil }
        #expect(port.failure != nil)
        // A new visit opens the pad afresh and starts clean.
        try port.begin()
        #expect(port.failure == nil)
        port.end()
    }

    @Test func anEmptyPadIsTooSmallNotACrash() throws {
        let port = capture(WacomDeviceSimulator.Scenario([]))
        try port.begin()
        #expect(throws: SignatureFailure.tooSmall) { try port.finish() }
        port.end()
    }
}
