#if canImport(Glibc)
import Glibc
#endif
import Capture
import Configuration
import Devices
import Imaging
import Platform
import Testing

/// A fresh directory under /tmp, removed by `remove()`.
struct TemporaryDirectory {
    let path: String
    init() {
        var template = Array("/tmp/fotobox-replay-XXXXXX".utf8CString)
        path = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
    }
    func write(_ name: String, _ bytes: [UInt8]) throws { try FileSystem.writeNewFile(path + "/" + name, bytes) }
    func remove() { try? FileSystem.removeTree(path) }
}

private func jpeg(width: Int, height: Int, grey: UInt8) throws -> [UInt8] {
    try JPEG.encode(RGBImage(width: width, height: height, pixels: [UInt8](repeating: grey, count: width * height * 3)))
}

@Suite struct ReplayCameraTests {
    @Test func playsTheFilesInNameOrderAndLoops() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("b.jpg", try jpeg(width: 64, height: 48, grey: 200))
        try directory.write("a.jpg", try jpeg(width: 64, height: 48, grey: 20))
        let camera = ReplayCamera(folder: directory.path, framesPerSecond: 1000, log: .silent)
        let format = try camera.configure(.preview)
        #expect(format.format == .mjpeg && format.size == FrameSize(width: 64, height: 48))
        try camera.start()
        var greys: [UInt8] = []
        for _ in 0..<4 {
            let frame = try camera.nextFrame(timeoutMilliseconds: 100)
            greys.append(try frame.rgbImage().pixels[0])
        }
        #expect(greys.map { $0 < 100 } == [true, false, true, false])
        #expect(camera.statistics.frames == 4)
        #expect(camera.name == "replay:" + directory.path)
    }

    @Test func pacesFramesAtTheFrameRate() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("a.jpg", try jpeg(width: 16, height: 16, grey: 128))
        let camera = ReplayCamera(folder: directory.path, framesPerSecond: 100, log: .silent)
        _ = try camera.configure(.preview)
        try camera.start()
        var frames: [Frame] = []
        // A generous timeout: a reader descheduled under load must not turn into a timeout here.
        for _ in 0..<6 { frames.append(try camera.nextFrame(timeoutMilliseconds: 1_000)) }
        // The stream is paced, not as fast as the files can be read: every frame at least one interval (10 ms)
        // after the one before, even when the reader was late (a late read must not make the next frame due at
        // once), and no frame handed out before its capture time.
        let captured = try frames.map { try #require($0.capturedNanoseconds) }
        for (earlier, later) in zip(captured, captured.dropFirst()) { #expect(later - earlier >= 10_000_000) }
        for (frame, capturedAt) in zip(frames, captured) { #expect(frame.dequeuedNanoseconds >= capturedAt) }
        #expect(frames.last!.dequeuedNanoseconds - captured[0] >= 50_000_000)
    }

    /// A timeout shorter than the time to the next frame is a timeout, as with a camera (one frame in five
    /// seconds: the checks run long before the next is due, however loaded the machine).
    @Test func aTimeoutShorterThanTheIntervalIsATimeout() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("a.jpg", try jpeg(width: 16, height: 16, grey: 128))
        let camera = ReplayCamera(folder: directory.path, framesPerSecond: 0.2, log: .silent)
        _ = try camera.configure(.preview)
        try camera.start()
        let first = try #require(try camera.nextFrame(timeoutMilliseconds: 100).capturedNanoseconds)
        #expect(throws: CameraError.self) { try camera.nextFrame(timeoutMilliseconds: 0) }
        #expect(throws: CameraError.self) { try camera.nextFrame(timeoutMilliseconds: 10) }
        #expect(MonotonicClock.nanoseconds() - first < 5_000_000_000, "the checks above ran within the interval")
    }

    @Test func skipsDamagedFilesWithOneWarningEach() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("1.jpg", try jpeg(width: 32, height: 32, grey: 50))
        try directory.write("2.jpg", Array(try jpeg(width: 32, height: 32, grey: 50).prefix(2)))
        try directory.write("3.jpg", [0x89, 0x50, 0x4E, 0x47, 1, 2, 3])
        try directory.write("4.jpg", [])
        try directory.write("5.jpg", try jpeg(width: 32, height: 32, grey: 90))
        let lines = LogLines()
        let camera = ReplayCamera(folder: directory.path, framesPerSecond: 1000, log: lines.log)
        _ = try camera.configure(.preview)
        try camera.start()
        for _ in 0..<6 { _ = try camera.nextFrame(timeoutMilliseconds: 100) }
        #expect(lines.lines.count == 3, "\(lines.lines)")
        #expect(lines.lines.contains { $0.contains("3.jpg") && $0.contains("PNG") })

        // A file damaged after the start is skipped the same way.
        try FileSystem.removeTree(directory.path + "/5.jpg")
        try directory.write("5.jpg", [0xFF, 0xD8, 0, 0])
        for _ in 0..<3 { #expect(try camera.nextFrame(timeoutMilliseconds: 100).size == FrameSize(width: 32, height: 32)) }
        #expect(lines.lines.count == 4)
    }

    @Test func refusesAnEmptyOrMissingDirectoryWithAReason() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        #expect(throws: CameraError.replay("no readable JPEG in \(directory.path)")) { try ReplayCamera(folder: directory.path, log: .silent).open() }
        try directory.write("x.jpg", [1, 2, 3])
        #expect(throws: CameraError.self) { try ReplayCamera(folder: directory.path, log: .silent).open() }
        #expect(throws: CameraError.self) { try ReplayCamera(folder: "/nonexistent/fotobox", log: .silent).open() }
    }

    @Test func refusesFormatsAndSizesItCannotPlay() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("a.jpg", try jpeg(width: 16, height: 16, grey: 1))
        let camera = ReplayCamera(folder: directory.path, log: .silent)
        #expect(throws: CameraError.self) { try camera.configure(StreamRequest(purpose: .still, format: .yuyv)) }
        #expect(throws: CameraError.self) { try camera.configure(StreamRequest(purpose: .still, size: FrameSize(width: 8, height: 8))) }
        #expect(CameraFactory.make(source: .replay(folder: directory.path), log: .silent) is ReplayCamera)
        #expect(CameraFactory.make(source: .device(path: "/dev/video0"), log: .silent) is RecoveringCamera)
    }
}
