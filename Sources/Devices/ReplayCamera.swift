import Capture
import Configuration
import Imaging
import Platform

/// A directory of JPEGs played as a camera stream (`device = replay:/path/to/dir`), for the demo and for
/// tests: the files in name order, looped, paced at a frame rate, delivered as MJPEG frames exactly as a
/// USB camera would. Files that are not readable JPEGs are skipped with one warning each, never a crash.
public final class ReplayCamera: Camera {
    public let directory: String
    public let framesPerSecond: Double
    private var log: FaultLog
    private var files: [(path: String, size: FrameSize)] = []
    private var isOpen = false
    private var streaming = false
    private var position = 0
    private var sequence: UInt32 = 0
    private var nextDueNanoseconds: UInt64 = 0
    public private(set) var statistics = StreamStatistics()

    /// As `camera.device` names it: `replay:FOLDER`.
    public var name: String { CameraSource.replay(folder: directory).description }

    public init(folder: String, framesPerSecond: Double = 15, log: CameraLog = .standardError) {
        directory = folder
        self.framesPerSecond = framesPerSecond > 0 && framesPerSecond.isFinite ? framesPerSecond : 15
        self.log = FaultLog(log)
    }

    /// Lists the directory and reads each JPEG's header; unreadable files are dropped here.
    public func open() throws(CameraError) {
        guard !isOpen else { return }
        let names: [String]
        do { names = try FileSystem.listDirectory(directory) } catch {
            throw .replay("cannot read directory \(directory): \(error)")
        }
        files = []
        // Frames are the *.jpg / *.jpeg files; a CREDITS or README beside them is not a frame.
        let frames = names.filter { name in
            let lower = name.lowercased()
            return !name.hasPrefix(".") && (lower.hasSuffix(".jpg") || lower.hasSuffix(".jpeg"))
        }
        for name in frames.sorted() {
            let path = directory + "/" + name
            do {
                let header = try JPEG.readHeader(try readFile(path))
                files.append((path, FrameSize(width: header.width, height: header.height)))
            } catch {
                log.once("skip:" + path, "\(name): \(error); skipped")
            }
        }
        guard !files.isEmpty else { throw .replay("no readable JPEG in \(directory)") }
        isOpen = true
    }

    /// Replay frames are the files as they are: MJPEG at the size of the first file. A different format
    /// or size asked for is refused like a camera would.
    public func configure(_ request: StreamRequest) throws(CameraError) -> NegotiatedFormat {
        guard !streaming else { throw .wrongState(device: name, expected: "stop the stream before configuring") }
        try open()
        let size = files[0].size
        let offered = [FormatDescription(format: .mjpeg, name: "replayed JPEG files",
                                         sizes: [FrameSizeOption(size: size, framesPerSecond: [framesPerSecond])])]
        var chosen = try CameraNegotiation.choose(request, from: offered, device: name)
        chosen.framesPerSecond = framesPerSecond
        return chosen
    }

    public func start() throws(CameraError) {
        try open()
        streaming = true
        statistics = StreamStatistics()
        nextDueNanoseconds = MonotonicClock.nanoseconds()
    }

    public func stop() { streaming = false }

    public func nextFrame(timeoutMilliseconds: Int) throws(CameraError) -> Frame {
        guard streaming else { throw .wrongState(device: name, expected: "start the stream before reading frames") }
        let now = MonotonicClock.nanoseconds()
        let timeout = UInt64(max(timeoutMilliseconds, 0)) &* 1_000_000
        if nextDueNanoseconds > now {
            guard nextDueNanoseconds - now <= timeout else {
                MonotonicClock.sleep(nanoseconds: timeout)
                throw .timedOut(device: name, milliseconds: timeoutMilliseconds)
            }
            MonotonicClock.sleep(nanoseconds: nextDueNanoseconds - now)
        }
        // A file that vanished or was damaged after `open` is skipped like one found bad at open.
        for _ in 0..<files.count {
            let file = files[position % files.count]
            position = (position + 1) % files.count
            let bytes: [UInt8]
            do {
                bytes = try readFile(file.path)
                _ = try JPEG.readHeader(bytes)
            } catch {
                log.once("skip:" + file.path, "\(file.path): \(error); skipped")
                continue
            }
            let captured = max(nextDueNanoseconds, now)
            let interval = UInt64(1e9 / framesPerSecond)
            // One interval after this frame, also when the reader came late: a camera does not hand out a
            // second frame at once to catch up (it was `max(due + interval, now)`, which made the frame after a
            // late read due immediately).
            nextDueNanoseconds = captured &+ interval
            sequence &+= 1
            let frame = Frame(format: .mjpeg, size: file.size, bytesPerLine: 0, bytes: bytes, sequence: sequence,
                              capturedNanoseconds: captured, dequeuedNanoseconds: MonotonicClock.nanoseconds())
            statistics.record(frame)
            return frame
        }
        throw .replay("no readable JPEG left in \(directory)")
    }

    public func close() {
        streaming = false
        isOpen = false
        files = []
    }

    private func readFile(_ path: String) throws(CameraError) -> [UInt8] {
        do { return try FileSystem.readFile(path, limit: 64 << 20) } catch { throw .replay("\(path): \(error)") }
    }
}
