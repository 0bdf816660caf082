import VisitCore
import Capture
import Devices

/// A `FrameSource` over any `Devices.Camera` (V4L2 or replay): opens, negotiates the preview and starts
/// on first use; after a failure it closes, so that the next call reopens (the caller paces the retries).
///
/// Not `Sendable` (nor is the camera it wraps): it is handed to `VisitService` with `sending`, and only the
/// service's camera thread uses it, `close` included (see `FrameSource`).
public final class CameraFrameSource: FrameSource {
    private let camera: any Camera
    private var streaming = false
    /// What the stream is negotiated for: the preview, or stills during a burst.
    public private(set) var request: StreamRequest

    public init(camera: any Camera, request: StreamRequest = .preview) {
        self.camera = camera
        self.request = request
    }

    /// The burst is taken at the camera's still size (the live profile needs ≥ 300 px between the eyes,
    /// which a preview stream does not give); the stream is renegotiated at the next frame.
    public func useStills(_ stills: Bool) {
        let wanted: StreamRequest = stills ? .still : .preview
        guard wanted != request else { return }
        close()
        request = wanted
    }

    public var name: String { camera.name }

    public func nextFrame(timeoutMilliseconds: Int) throws(CameraError) -> Frame {
        do {
            if !streaming {
                try camera.open()
                _ = try camera.configure(request)
                try camera.start()
                streaming = true
            }
            return try camera.nextFrame(timeoutMilliseconds: timeoutMilliseconds)
        } catch {
            close()
            throw error
        }
    }

    public func close() {
        camera.stop()
        camera.close()
        streaming = false
    }
}
