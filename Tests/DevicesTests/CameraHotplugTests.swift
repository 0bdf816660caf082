#if canImport(Glibc)
import Glibc
#endif
import Capture
import Devices
import Platform
import Testing

@Suite struct CameraHotplugTests {
    @Test func seesAVideoNodeAppearAndIgnoresOtherEntries() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let monitor = try HotplugMonitor(directory: directory.path)
        #expect(monitor.waitForNode(timeoutMilliseconds: 0) == nil)
        try directory.write("media0", [])
        #expect(monitor.waitForNode(timeoutMilliseconds: 20) == nil)
        try directory.write("video3", [])
        #expect(monitor.waitForNode(timeoutMilliseconds: 1_000) == "video3")
    }

    @Test func listsVideoNodesInNumericOrder() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        for name in ["video10", "video2", "video0", "videox", "vbi0"] { try directory.write(name, []) }
        #expect(CameraDiscovery.videoNodes(directory: directory.path) == ["video0", "video2", "video10"].map { directory.path + "/" + $0 })
    }

    @Test func aCameraMissingAtStartIsWaitedFor() throws {
        let kernel = FakeV4L2Kernel(formats: smallYUYVFormats())
        kernel.openErrors = [ENOENT, ENOENT]
        let lines = LogLines()
        let camera = RecoveringCamera(V4L2Camera(path: "/dev/video7", kernel: kernel, log: lines.log),
                                      policy: RecoveryPolicy(initialBackoffMilliseconds: 1, maxBackoffMilliseconds: 2), log: lines.log)
        try camera.startWhenAvailable(.preview)
        #expect(camera.format == nil && camera.currentFault == .deviceGone("/dev/video7"))
        kernel.frames = [FakeV4L2Kernel.ScriptedFrame(sequence: 0)]
        #expect(try camera.nextFrame(timeoutMilliseconds: 500).sequence == 0)
        #expect(camera.format?.size == FrameSize(width: 640, height: 360))
        #expect(camera.statistics.recoveries == 1 && camera.statistics.frames == 1)
        #expect(lines.lines.filter { $0.contains("is gone") }.count == 1)
        // Nothing a reopen cures: said at once.
        let h264 = FakeV4L2Kernel(formats: [FormatDescription(format: PixelFormat("H264"), name: "H.264",
            sizes: [FrameSizeOption(size: FrameSize(width: 640, height: 480), framesPerSecond: [30])])])
        #expect(throws: CameraError.self) { try RecoveringCamera(V4L2Camera(path: "/dev/video7", kernel: h264), log: .silent).startWhenAvailable(.preview) }
    }

    @Test func anIOErrorIsAFailedStreamAndRecoverable() throws {
        let kernel = FakeV4L2Kernel(formats: smallYUYVFormats())
        let camera = V4L2Camera(path: "/dev/video7", kernel: kernel)
        _ = try camera.configure(.preview)
        try camera.start()
        kernel.frames = [FakeV4L2Kernel.ScriptedFrame(sequence: 0)]
        kernel.ioctlErrors["VIDIOC_DQBUF"] = [EIO]
        #expect(throws: CameraError.streamFailed("/dev/video7")) { try camera.nextFrame(timeoutMilliseconds: 100) }
        #expect(CameraError.streamFailed("x").isRecoverable)
    }
}
