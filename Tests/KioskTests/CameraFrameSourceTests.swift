import VisitCore
import Capture
import Devices
import Kiosk
import Testing

/// A camera that records what it was asked, in order.
private final class RecordingCamera: Camera {
    var calls: [String] = []
    let name = "recording"
    var statistics: StreamStatistics { StreamStatistics() }
    func open() throws(CameraError) { calls.append("open") }
    func configure(_ request: StreamRequest) throws(CameraError) -> NegotiatedFormat {
        calls.append(request.purpose == .still ? "configure still" : "configure preview")
        return NegotiatedFormat(format: .mjpeg, size: FrameSize(width: 8, height: 8))
    }
    func start() throws(CameraError) { calls.append("start") }
    func stop() { calls.append("stop") }
    func nextFrame(timeoutMilliseconds: Int) throws(CameraError) -> Frame {
        Frame(format: .mjpeg, size: FrameSize(width: 8, height: 8), bytesPerLine: 0, bytes: [], sequence: 0,
              capturedNanoseconds: nil, dequeuedNanoseconds: 0)
    }
    func close() { calls.append("close") }
}

@Test func theBurstIsTakenAtTheStillSizeAndThePreviewResumesAfterIt() throws {
    let camera = RecordingCamera()
    let source = CameraFrameSource(camera: camera)
    _ = try source.nextFrame(timeoutMilliseconds: 10)
    source.useStills(true)
    _ = try source.nextFrame(timeoutMilliseconds: 10)
    source.useStills(true)      // no second renegotiation
    source.useStills(false)
    _ = try source.nextFrame(timeoutMilliseconds: 10)
    #expect(camera.calls == ["open", "configure preview", "start",
                             "stop", "close", "open", "configure still", "start",
                             "stop", "close", "open", "configure preview", "start"])
}
