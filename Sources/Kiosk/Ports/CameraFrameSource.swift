import Devices

/// A `FrameSource` over any `Devices.Camera` (V4L2 or replay): opens, negotiates the preview and starts
/// on first use; after a failure it closes, so that the next call reopens (the caller paces the retries).
public final class CameraFrameSource: FrameSource, @unchecked Sendable {
    // Used from the service's camera thread only; `close` comes from the same thread at shutdown.
    private let camera: any Camera
    private var streaming = false
    public let request: StreamRequest

    public init(camera: any Camera, request: StreamRequest = .preview) {
        self.camera = camera
        self.request = request
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
