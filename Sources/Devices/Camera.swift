import Capture
import Configuration
import Imaging
import Platform

/// A source of frames: a V4L2 camera, or a directory of JPEGs played as a stream (`ReplayCamera`).
///
/// The life cycle is `open` → `configure` → `start` → `nextFrame`… → `stop` (→ `configure` again for a
/// still) → `close`. Implementations are used from one thread at a time.
public protocol Camera: AnyObject {
    /// What the camera is, for logs: "/dev/video0" or "replay:/path".
    var name: String { get }
    func open() throws(CameraError)
    /// Negotiates a format for `request` and sets it. Only while not streaming.
    func configure(_ request: StreamRequest) throws(CameraError) -> NegotiatedFormat
    func start() throws(CameraError)
    /// Stops streaming and returns all buffers; safe to call when not streaming.
    func stop()
    /// Waits up to `timeoutMilliseconds` for the next good frame.
    func nextFrame(timeoutMilliseconds: Int) throws(CameraError) -> Frame
    /// Releases the device; `open` may be called again afterwards.
    func close()
    /// Counters since the last `start`.
    var statistics: StreamStatistics { get }
}

extension Camera {
    /// Preview ↔ still: stops the stream, negotiates for `request`, starts again.
    @discardableResult
    public func switchTo(_ request: StreamRequest) throws(CameraError) -> NegotiatedFormat {
        stop()
        let format = try configure(request)
        try start()
        return format
    }
}

/// What the station asks the camera for.
public struct StreamRequest: Sendable, Equatable {
    public enum Purpose: Sendable, Equatable {
        /// A smooth, small stream for the live preview.
        case preview
        /// The largest frame the camera can give, for the photo itself.
        case still
    }

    public var purpose: Purpose
    /// Only this format (the CLI's `--format`); nil lets negotiation choose.
    public var format: PixelFormat?
    /// Exactly this size (the CLI's `--size`); nil lets negotiation choose.
    public var size: FrameSize?
    /// The smallest preview worth showing.
    public var previewMinimum: FrameSize
    /// Preview sizes must reach this rate when the driver tells its rates.
    public var previewMinimumFramesPerSecond: Double
    /// The live profile's crop, which must fit in a still without upscaling (else a warning).
    public var requiredCrop: FrameSize
    /// mmap buffers to ask for; drivers may give more.
    public var bufferCount: Int

    public init(purpose: Purpose, format: PixelFormat? = nil, size: FrameSize? = nil,
                previewMinimum: FrameSize = FrameSize(width: 640, height: 480),
                previewMinimumFramesPerSecond: Double = 15,
                requiredCrop: FrameSize = FrameSize(width: CaptureProfile.live.photoSize.width, height: CaptureProfile.live.photoSize.height),
                bufferCount: Int = 4) {
        self.purpose = purpose
        self.format = format
        self.size = size
        self.previewMinimum = previewMinimum
        self.previewMinimumFramesPerSecond = previewMinimumFramesPerSecond
        self.requiredCrop = requiredCrop
        self.bufferCount = max(bufferCount, 2)
    }

    public static let preview = StreamRequest(purpose: .preview)
    public static let still = StreamRequest(purpose: .still)
}

/// The format negotiation settled on.
public struct NegotiatedFormat: Sendable, Equatable, CustomStringConvertible {
    public var format: PixelFormat
    public var size: FrameSize
    /// The rate asked for; nil when the driver does not tell its rates.
    public var framesPerSecond: Double?
    /// Bytes per row of raw formats as the driver set it (0 for compressed formats).
    public var bytesPerLine: Int
    /// Things a technician should know, such as a camera too small for the live profile's crop.
    public var warnings: [String]
    /// For MJPEG previews taken at a size well above the preview's: the DCT scale to decode them at,
    /// which is several times faster than a full decode.
    public var previewScale: JPEGScale = .full

    public init(format: PixelFormat, size: FrameSize, framesPerSecond: Double? = nil, bytesPerLine: Int = 0, warnings: [String] = []) {
        self.format = format
        self.size = size
        self.framesPerSecond = framesPerSecond
        self.bytesPerLine = bytesPerLine
        self.warnings = warnings
    }

    public var description: String {
        let rate = framesPerSecond.map { " @ \(formatRate($0)) fps" } ?? ""
        return "\(format) \(size)\(rate)"
    }
}

func formatRate(_ value: Double) -> String {
    let tenths = (value * 10).rounded() / 10
    return tenths == tenths.rounded() ? String(Int(tenths)) : String(tenths)
}

/// Counters of one stream.
public struct StreamStatistics: Sendable, Equatable {
    /// Good frames handed out.
    public var frames: Int = 0
    /// Frames the driver numbered but never delivered (gaps in the sequence numbers).
    public var dropped: Int = 0
    /// Buffers the driver flagged V4L2_BUF_FLAG_ERROR, re-queued and skipped.
    public var errored: Int = 0
    /// Monotonic nanoseconds of the first and last frame handed out.
    public var firstFrameNanoseconds: UInt64 = 0
    public var lastFrameNanoseconds: UInt64 = 0
    /// Capture-to-userspace latency (driver timestamp to dequeue), summed and at most, in nanoseconds.
    public var latencySumNanoseconds: UInt64 = 0
    public var latencyMaxNanoseconds: UInt64 = 0
    /// Frames whose latency is known (the driver stamped them with the monotonic clock).
    public var latencySamples: Int = 0
    /// Faults met (unplug, hang, broken buffers) and how many of them were recovered from.
    public var faults: Int = 0
    public var recoveries: Int = 0
    /// Milliseconds from detecting a fault to the next good frame, the last one and the longest.
    public var lastRecoveryMilliseconds: Double = 0
    public var maxRecoveryMilliseconds: Double = 0

    public init() {}

    /// Frames per second between the first and last frame.
    public var framesPerSecond: Double {
        guard frames > 1, lastFrameNanoseconds > firstFrameNanoseconds else { return 0 }
        return Double(frames - 1) * 1e9 / Double(lastFrameNanoseconds - firstFrameNanoseconds)
    }

    public var meanLatencyMilliseconds: Double {
        latencySamples == 0 ? 0 : Double(latencySumNanoseconds) / Double(latencySamples) / 1e6
    }

    public var maxLatencyMilliseconds: Double { Double(latencyMaxNanoseconds) / 1e6 }

    /// Adds the counters of an earlier stream of the same camera (before a restart).
    package mutating func include(earlier: StreamStatistics) {
        guard earlier.frames > 0 || earlier.faults > 0 || earlier.dropped > 0 || earlier.errored > 0 else { return }
        if earlier.frames > 0 {
            if frames == 0 { lastFrameNanoseconds = earlier.lastFrameNanoseconds }
            firstFrameNanoseconds = earlier.firstFrameNanoseconds
        }
        frames += earlier.frames
        dropped += earlier.dropped
        errored += earlier.errored
        latencySumNanoseconds &+= earlier.latencySumNanoseconds
        latencyMaxNanoseconds = max(latencyMaxNanoseconds, earlier.latencyMaxNanoseconds)
        latencySamples += earlier.latencySamples
        faults += earlier.faults
        recoveries += earlier.recoveries
        maxRecoveryMilliseconds = max(maxRecoveryMilliseconds, earlier.maxRecoveryMilliseconds)
        if lastRecoveryMilliseconds == 0 { lastRecoveryMilliseconds = earlier.lastRecoveryMilliseconds }
    }

    mutating func record(_ frame: Frame) {
        if frames == 0 { firstFrameNanoseconds = frame.dequeuedNanoseconds }
        lastFrameNanoseconds = frame.dequeuedNanoseconds
        frames += 1
        if let latency = frame.latencyNanoseconds {
            latencySamples += 1
            latencySumNanoseconds &+= latency
            latencyMaxNanoseconds = max(latencyMaxNanoseconds, latency)
        }
    }
}
