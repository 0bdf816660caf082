import Capture
import Configuration
import Foundation
import Imaging
import Platform

/// The technician's camera operations (`fotoboxctl camera capture|stream|record`), done as the kiosk does
/// them: the preview first, then the still; faults recovered as the service recovers them.
public enum CameraTools {
    /// Preview frames before the still, so auto exposure has settled.
    public static let settleFrames = 3

    /// The camera a source names: a replay folder or a V4L2 node (without the service's recovery).
    public static func open(_ source: CameraSource, log: CameraLog = .silent) -> any Camera {
        switch source {
        case .replay(let folder): ReplayCamera(folder: folder, log: log)
        case .device(let path): V4L2Camera(path: path, log: log)
        }
    }

    /// A frame as JPEG bytes: MJPEG as the camera sent it (its header checked), raw frames encoded.
    public static func jpeg(_ frame: Frame, options: JPEGEncodeOptions) throws -> [UInt8] {
        if frame.format.isCompressed {
            _ = try JPEG.readHeader(frame.bytes)
            return frame.bytes
        }
        return try JPEG.encode(try frame.rgbImage(), options: options)
    }

    /// One still, taken as the kiosk takes it.
    public struct Still: Sendable {
        public let frame: Frame
        public let format: NegotiatedFormat
        /// From the end of the preview to the first still frame in hand.
        public let switchMilliseconds: Double
    }

    /// Runs the preview for `settleFrames` frames, switches to `request` and returns its first good frame.
    public static func captureStill(_ camera: any Camera, _ request: StreamRequest) throws(CameraError) -> Still {
        _ = try camera.configure(.preview)
        try camera.start()
        for _ in 0..<settleFrames { _ = try camera.nextFrame(timeoutMilliseconds: 3_000) }
        let started = ContinuousClock.now
        let format = try camera.switchTo(request)
        let frame = try camera.nextFrame(timeoutMilliseconds: 5_000)
        let elapsed = ContinuousClock.now - started
        camera.stop()
        return Still(frame: frame, format: format,
                     switchMilliseconds: elapsed.inMilliseconds)
    }

    /// What a stream of some seconds showed (`camera stream --json`).
    public struct StreamReport: Sendable, Encodable {
        public var device: String
        public var format: String
        public var width: Int
        public var height: Int
        public var seconds: Int
        public var frames: Int
        public var framesPerSecond: Double
        public var dropped: Int
        public var broken: Int
        public var latencyMeanMilliseconds: Double
        public var latencyMaxMilliseconds: Double
        public var latencySamples: Int
        public var faults: Int
        public var recoveries: Int
        public var lastRecoveryMilliseconds: Double
        public var maxRecoveryMilliseconds: Double
        /// Why no frame came, when none did.
        public var lastError: String?
    }

    /// Streams `request` from `source` for `seconds` (monotonic), recovering faults as the service does
    /// (`waitForCamera`: also waits for a camera that is missing or busy), and reports the figures.
    /// `started` is told the negotiated format (nil while waiting) as soon as the stream runs.
    public static func measureStream(_ source: CameraSource, _ request: StreamRequest, seconds: Int, waitForCamera: Bool,
                                     log: CameraLog, started: (NegotiatedFormat?) -> Void) throws(CameraError) -> StreamReport {
        let camera: any Camera
        var format: NegotiatedFormat?
        switch source {
        case .replay(let folder):
            camera = ReplayCamera(folder: folder, log: log)
            format = try camera.configure(request)
            try camera.start()
        case .device(let path):
            let recovering = RecoveringCamera(V4L2Camera(path: path, log: log), hotplug: try? HotplugMonitor(), log: log)
            camera = recovering
            if waitForCamera {
                try recovering.startWhenAvailable(request)
                format = recovering.format
            } else {
                format = try recovering.configure(request)
                try recovering.start()
            }
        }
        defer { camera.close() }
        started(format)
        let end = ContinuousClock.now + .seconds(seconds)
        var lastError: CameraError?
        while ContinuousClock.now < end {
            do throws(CameraError) {
                _ = try camera.nextFrame(timeoutMilliseconds: 1_000)
            } catch {
                lastError = error
                if !error.isRecoverable { break }
            }
        }
        format = format ?? (camera as? RecoveringCamera)?.format
        camera.stop()
        let figures = camera.statistics
        return StreamReport(
            device: source.description, format: format?.format.description ?? "none", width: format?.size.width ?? 0, height: format?.size.height ?? 0,
            seconds: seconds, frames: figures.frames, framesPerSecond: (figures.framesPerSecond * 10).rounded() / 10,
            dropped: figures.dropped, broken: figures.errored,
            latencyMeanMilliseconds: (figures.meanLatencyMilliseconds * 100).rounded() / 100,
            latencyMaxMilliseconds: (figures.maxLatencyMilliseconds * 100).rounded() / 100, latencySamples: figures.latencySamples,
            faults: figures.faults, recoveries: figures.recoveries, lastRecoveryMilliseconds: figures.lastRecoveryMilliseconds.rounded(),
            maxRecoveryMilliseconds: figures.maxRecoveryMilliseconds.rounded(), lastError: figures.frames == 0 ? lastError?.description : nil)
    }

    /// Why a recording stopped short or a frame was left out.
    public enum RecordingProblem: Error, Sendable, CustomStringConvertible {
        case camera(CameraError)
        case write(path: String, SystemError)
        public var description: String {
            switch self {
            case .camera(let error): error.description
            case .write(let path, let error): "cannot write \(path): \(error)"
            }
        }
    }

    /// Writes the preview's frames for `seconds` as `directory/0000.jpg`, `0001.jpg`, … (owner-readable
    /// only: they show a person's face), at most 9,999; returns how many. `skipped` hears of frames that
    /// could not be written as JPEG. The directory must exist.
    public static func record(_ camera: any Camera, seconds: Int, into directory: String,
                              skipped: (Int, any Error) -> Void) throws(RecordingProblem) -> Int {
        do throws(CameraError) { try camera.start() } catch { throw .camera(error) }
        let end = ContinuousClock.now + .seconds(seconds)
        var written = 0
        while ContinuousClock.now < end && written < 9_999 {
            let frame: Frame
            do throws(CameraError) { frame = try camera.nextFrame(timeoutMilliseconds: 3_000) } catch { throw .camera(error) }
            let bytes: [UInt8]
            do { bytes = try jpeg(frame, options: JPEGEncodeOptions(quality: 90)) } catch {
                skipped(written, error)
                continue
            }
            let digits = String(written)
            let name = directory + "/" + String(repeating: "0", count: max(0, 4 - digits.count)) + digits + ".jpg"
            do throws(SystemError) { try FileSystem.writeNewFile(name, bytes, mode: 0o600) } catch { throw .write(path: name, error) }
            written += 1
        }
        camera.stop()
        return written
    }
}

/// A camera as `camera list --json` shows it.
public struct CameraDescription: Sendable, Encodable {
    public struct Size: Sendable, Encodable { public var width: Int; public var height: Int; public var fps: [Double] }
    public struct Format: Sendable, Encodable { public var fourcc: String; public var name: String; public var emulated: Bool; public var sizes: [Size] }
    public struct Control: Sendable, Encodable { public var name: String; public var minimum: Int32; public var maximum: Int32; public var defaultValue: Int32 }
    public var path: String
    public var driver: String
    public var card: String
    public var bus: String
    public var formats: [Format]
    public var controls: [Control]

    public init(_ info: CameraInfo) {
        path = info.path
        driver = info.capabilities.driver
        card = info.capabilities.card
        bus = info.capabilities.busInfo
        formats = info.formats.map { format in
            Format(fourcc: format.format.description, name: format.name, emulated: format.isEmulated,
                   sizes: format.sizes.map { Size(width: $0.size.width, height: $0.size.height, fps: $0.framesPerSecond) })
        }
        controls = info.controls.filter { !$0.isButton }.map {
            Control(name: $0.name, minimum: $0.minimum, maximum: $0.maximum, defaultValue: $0.defaultValue)
        }
    }
}
