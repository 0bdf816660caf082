import VisitCore
import Capture
import Devices
import DevicesTestSupport
import Foundation
import Kiosk
import Platform
import Testing

/// The kiosk's pad port over the Devices simulator, which plays the STU-430's HID reports.
@Suite struct PadSignatureCaptureTests {
    private func capture(_ steps: [ScriptedWacomDevice.Step]) -> PadSignatureCapture {
        PadSignatureCapture { () throws(PadError) in
            let pad = ScriptedWacomDevice(steps).pad()
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
        let port = capture([.sign(WacomRecording.signature), .tap(.ok)])
        try port.begin()
        let (_, pressed) = poll(port) { _, pressed in pressed != nil }
        #expect(pressed == .accept)
        let jpeg = try port.finish()
        #expect(Array(jpeg.prefix(3)) == [0xFF, 0xD8, 0xFF])
        #expect(port.failure == nil)
        port.end()
    }

    @Test func aPadUnpluggedMidSignatureIsReportedNotWaitedFor() throws {
        let port = capture([.sign(Array(WacomRecording.signature.prefix(300))), .unplug])
        try port.begin()
        _ = poll(port) { _, _ in port.failure != nil }
        #expect(port.failure != nil)
        // A new visit opens the pad afresh and starts clean.
        try port.begin()
        #expect(port.failure == nil)
        port.end()
    }

    @Test func anEmptyPadIsTooSmallNotACrash() throws {
        let port = capture([])
        try port.begin()
        #expect(throws: SignatureFailure.tooSmall) { try port.finish() }
        port.end()
    }

    /// A cancel from another thread ends the signature at once, through the pad's cancel handle: no ink and no
    /// press are taken after it (the scripted OK comes about 0.7 s in), and it is no pad failure.
    @Test func aCancelFromAnotherThreadEndsTheSignature() throws {
        let port = PadSignatureCapture { () throws(PadError) in
            let pad = WacomPad(simulator: WacomDeviceSimulator(hand: RecordedHand([.sign(Array(WacomRecording.signature.prefix(90))), .tap(.ok)])))
            try pad.open()
            return pad
        }
        try port.begin()
        let canceller = try JoinableThread(name: "canceller") { port.cancel() }
        canceller.join()
        let first = port.poll()
        let deadline = Date().addingTimeInterval(1.5)
        while Date() < deadline {
            let (signature, pressed) = port.poll()
            #expect(pressed == nil && signature == first.signature)
            usleep(50_000)
        }
        #expect(port.failure == nil)
        port.end()
        // The next visit signs as usual.
        try port.begin()
        #expect(port.failure == nil)
        port.end()
    }

    /// A cancel is not latched (as `VisitService.stop()` makes one, with or without a signature running): the
    /// next `begin` takes ink and the OK press again.
    @Test func aCancelIsNotLatchedForTheNextSignature() throws {
        let port = capture([.sign(WacomRecording.signature), .tap(.ok)])
        port.cancel()
        try port.begin()
        port.cancel()
        _ = port.poll()
        port.end()
        try port.begin()
        let (signature, pressed) = poll(port) { _, pressed in pressed != nil }
        #expect(pressed == .accept)
        #expect(signature.pointCount > 0)
        #expect(port.failure == nil)
        port.end()
    }
}
