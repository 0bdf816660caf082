#if canImport(Glibc)
import Glibc
#endif
import Capture
import CV4L2
import Devices
import Imaging
import Platform
import Testing

/// Collects log lines for assertions.
final class LogLines: Sendable {
    private let storage = Locked<[String]>([])
    var lines: [String] { storage.withLock { $0 } }
    var log: CameraLog { CameraLog { line in self.storage.withLock { $0.append(line) } } }
}

private func frames(_ sequences: [UInt32], flags: UInt32 = 0) -> [FakeV4L2Kernel.ScriptedFrame] {
    sequences.map { FakeV4L2Kernel.ScriptedFrame(sequence: $0, flags: flags) }
}

/// A camera on the fake kernel, streaming `request`.
private func streamingCamera(_ kernel: FakeV4L2Kernel, _ request: StreamRequest = .preview, log: CameraLog = .silent) throws -> V4L2Camera {
    let camera = V4L2Camera(path: "/dev/video7", kernel: kernel, log: log)
    _ = try camera.configure(request)
    try camera.start()
    return camera
}

@Suite struct V4L2CameraTests {
    @Test func startsWithAtLeastFourMappedBuffersAllQueued() throws {
        let kernel = FakeV4L2Kernel(formats: smallYUYVFormats())
        let camera = try streamingCamera(kernel)
        #expect(camera.mappedBufferCount >= 4)
        #expect(kernel.buffers.count >= 4 && kernel.queuedCount == kernel.buffers.count)
        #expect(kernel.streaming)
        #expect(kernel.format.1 == FrameSize(width: 640, height: 360))
    }

    @Test func deliversFramesAndAlwaysQueuesTheBufferAgain() throws {
        let kernel = FakeV4L2Kernel(formats: smallYUYVFormats())
        let camera = try streamingCamera(kernel)
        kernel.frames = frames(Array(0..<10))
        for expected in 0..<10 {
            let frame = try camera.nextFrame(timeoutMilliseconds: 100)
            #expect(frame.sequence == UInt32(expected))
            #expect(frame.format == .yuyv && frame.bytes.count == 640 * 360 * 2 && frame.bytesPerLine == 1280)
            #expect(kernel.queuedCount == kernel.buffers.count)
        }
        #expect(camera.statistics.frames == 10 && camera.statistics.dropped == 0)
        #expect(kernel.violations.isEmpty)
        let image = try camera.nextFrameImage(kernel)
        #expect(image.width == 640 && image.height == 360)
    }

    @Test func retriesEINTRAndEAGAIN() throws {
        let kernel = FakeV4L2Kernel(formats: smallYUYVFormats())
        let camera = try streamingCamera(kernel)
        kernel.frames = frames([0, 1])
        kernel.pollErrors = [EINTR, EINTR]
        kernel.ioctlErrors["VIDIOC_DQBUF"] = [EINTR, EAGAIN]
        #expect(try camera.nextFrame(timeoutMilliseconds: 100).sequence == 0)
        #expect(try camera.nextFrame(timeoutMilliseconds: 100).sequence == 1)
        #expect(kernel.calls.filter { $0 == "poll" }.count >= 4)
    }

    @Test func countsDroppedFramesFromSequenceGaps() throws {
        let kernel = FakeV4L2Kernel(formats: smallYUYVFormats())
        let camera = try streamingCamera(kernel)
        kernel.frames = frames([5, 6, 9, 10, 14])
        for _ in 0..<5 { _ = try camera.nextFrame(timeoutMilliseconds: 100) }
        #expect(camera.statistics.dropped == 5)
        // Wrap-around of the 32-bit counter is not a loss of four billion frames.
        kernel.frames = frames([UInt32.max, 0, 1])
        for _ in 0..<3 { _ = try camera.nextFrame(timeoutMilliseconds: 100) }
        #expect(camera.statistics.dropped == 5)
    }

    @Test func skipsBuffersFlaggedBrokenRequeuesThemAndLogsOnce() throws {
        let kernel = FakeV4L2Kernel(formats: smallYUYVFormats())
        let lines = LogLines()
        let camera = try streamingCamera(kernel, log: lines.log)
        kernel.frames = frames([0], flags: UInt32(V4L2_BUF_FLAG_ERROR)) + frames([1], flags: UInt32(V4L2_BUF_FLAG_ERROR))
            + [FakeV4L2Kernel.ScriptedFrame(sequence: 2, bytesUsed: 100)] + frames([3])
        let frame = try camera.nextFrame(timeoutMilliseconds: 100)
        #expect(frame.sequence == 3)
        #expect(camera.statistics.errored == 3 && camera.statistics.frames == 1)
        #expect(kernel.queuedCount == kernel.buffers.count)
        #expect(lines.lines.filter { $0.contains("broken frame") }.count == 1)
    }

    @Test func manyBrokenBuffersInARowAreAFault() throws {
        let kernel = FakeV4L2Kernel(formats: smallYUYVFormats())
        let camera = try streamingCamera(kernel)
        kernel.frames = frames(Array(0..<20), flags: UInt32(V4L2_BUF_FLAG_ERROR))
        #expect(throws: CameraError.tooManyBufferErrors(device: "/dev/video7", count: 8)) {
            try camera.nextFrame(timeoutMilliseconds: 100)
        }
        #expect(CameraError.tooManyBufferErrors(device: "x", count: 8).isRecoverable)
    }

    @Test func eachFaultIsATypedError() throws {
        let kernel = FakeV4L2Kernel(formats: smallYUYVFormats())
        let camera = try streamingCamera(kernel)
        kernel.frames = frames([0, 1])
        kernel.ioctlErrors["VIDIOC_DQBUF"] = [ENODEV]
        #expect(throws: CameraError.deviceGone("/dev/video7")) { try camera.nextFrame(timeoutMilliseconds: 100) }
        kernel.frames = []
        #expect(throws: CameraError.timedOut(device: "/dev/video7", milliseconds: 20)) { try camera.nextFrame(timeoutMilliseconds: 20) }
        kernel.pollReportsErrorWhenEmpty = true
        #expect(throws: CameraError.deviceGone("/dev/video7")) { try camera.nextFrame(timeoutMilliseconds: 20) }

        let busyKernel = FakeV4L2Kernel(formats: smallYUYVFormats())
        busyKernel.ioctlErrors["VIDIOC_S_FMT"] = [EBUSY]
        #expect(throws: CameraError.busy("/dev/video7")) { try streamingCamera(busyKernel) }

        let goneKernel = FakeV4L2Kernel(formats: smallYUYVFormats())
        goneKernel.openErrors = [ENOENT]
        #expect(throws: CameraError.deviceGone("/dev/video7")) { try streamingCamera(goneKernel) }

        let metadata = FakeV4L2Kernel(formats: smallYUYVFormats())
        metadata.capabilities = UInt32(V4L2_CAP_META_CAPTURE) | UInt32(V4L2_CAP_STREAMING) | UInt32(V4L2_CAP_DEVICE_CAPS)
        #expect(throws: CameraError.notACaptureDevice("/dev/video7")) { try streamingCamera(metadata) }

        let unsupported = FakeV4L2Kernel(formats: [FormatDescription(format: PixelFormat("H264"), name: "H.264",
            sizes: [FrameSizeOption(size: FrameSize(width: 640, height: 480), framesPerSecond: [30])])])
        #expect(throws: CameraError.self) { try streamingCamera(unsupported) }
    }

    @Test func stopReturnsEveryBufferAndStartBeginsAgain() throws {
        let kernel = FakeV4L2Kernel(formats: smallYUYVFormats())
        let camera = try streamingCamera(kernel)
        kernel.frames = frames([0, 1, 2])
        _ = try camera.nextFrame(timeoutMilliseconds: 100)
        camera.stop()
        #expect(!kernel.streaming && kernel.mapped.isEmpty && kernel.buffers.isEmpty)
        camera.stop()
        #expect(throws: CameraError.self) { try camera.nextFrame(timeoutMilliseconds: 10) }
        try camera.start()
        #expect(kernel.streaming && kernel.queuedCount >= 4)
        #expect(try camera.nextFrame(timeoutMilliseconds: 100).sequence == 1)
        camera.close()
        #expect(kernel.openDescriptors.isEmpty && kernel.violations.isEmpty)
    }

    @Test func switchesBetweenPreviewAndStill() throws {
        let kernel = FakeV4L2Kernel(formats: typicalWebcamFormats())
        let camera = try streamingCamera(kernel)
        #expect(kernel.format.0 == .mjpeg && kernel.format.1 == FrameSize(width: 640, height: 480))
        let still = try camera.switchTo(.still)
        #expect(still.size == FrameSize(width: 1920, height: 1080))
        #expect(kernel.format.1 == FrameSize(width: 1920, height: 1080) && kernel.streaming)
        #expect(throws: CameraError.self) { try camera.configure(.preview) }
        _ = try camera.switchTo(.preview)
        #expect(kernel.format.1 == FrameSize(width: 640, height: 480))
        #expect(kernel.violations.isEmpty && kernel.queuedCount == kernel.buffers.count)
    }

    @Test func measuresCaptureToUserspaceLatency() throws {
        let kernel = FakeV4L2Kernel(formats: smallYUYVFormats())
        let camera = try streamingCamera(kernel)
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let captured = UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec) - 5_000_000
        kernel.frames = [FakeV4L2Kernel.ScriptedFrame(sequence: 0, timestamp: captured)]
        let frame = try camera.nextFrame(timeoutMilliseconds: 100)
        let latency = try #require(frame.latencyNanoseconds)
        #expect(latency >= 5_000_000 && latency < 5_000_000_000)
        #expect(camera.statistics.latencySamples == 1)
    }

    @Test func setsControlsToFixedKioskValues() throws {
        let kernel = FakeV4L2Kernel(formats: smallYUYVFormats())
        let exposureAuto = fotobox_V4L2_CID_EXPOSURE_AUTO(), exposure = fotobox_V4L2_CID_EXPOSURE_ABSOLUTE()
        let powerLine = fotobox_V4L2_CID_POWER_LINE_FREQUENCY()
        kernel.controlInfos = [
            ControlInfo(id: exposureAuto, name: "Auto Exposure", type: 3, minimum: 0, maximum: 3, step: 1, defaultValue: 3, flags: 0),
            ControlInfo(id: exposure, name: "Exposure Time, Absolute", type: 1, minimum: 3, maximum: 2047, step: 1, defaultValue: 250, flags: 0),
            ControlInfo(id: powerLine, name: "Power Line Frequency", type: 3, minimum: 0, maximum: 2, step: 1, defaultValue: 2, flags: 0),
        ]
        let lines = LogLines()
        let camera = V4L2Camera(path: "/dev/video7", kernel: kernel,
                                controls: CameraControlSettings(exposure: 5000, focus: 10, powerLineFrequency: .hertz50), log: lines.log)
        try camera.open()
        #expect(kernel.controlValues[exposureAuto] == 1)
        #expect(kernel.controlValues[exposure] == 2047)
        #expect(kernel.controlValues[powerLine] == 1)
        #expect(lines.lines.contains { $0.contains("no focus control") })
        #expect(lines.lines.contains { $0.contains("outside 3…2047") })
    }
}

extension V4L2Camera {
    /// One frame, converted to RGB through Imaging.
    fileprivate func nextFrameImage(_ kernel: FakeV4L2Kernel) throws -> RGBImage {
        kernel.frames = frames([100])
        return try nextFrame(timeoutMilliseconds: 100).rgbImage()
    }
}

@Suite struct CameraRecoveryTests {
    private func recovering(_ kernel: FakeV4L2Kernel, _ lines: LogLines) throws -> RecoveringCamera {
        let camera = RecoveringCamera(V4L2Camera(path: "/dev/video7", kernel: kernel, log: lines.log),
                                      policy: RecoveryPolicy(initialBackoffMilliseconds: 1, maxBackoffMilliseconds: 4), log: lines.log)
        _ = try camera.configure(.preview)
        try camera.start()
        return camera
    }

    @Test func reopensAfterTheCameraWasUnpluggedAndLogsTheFaultOnce() throws {
        let kernel = FakeV4L2Kernel(formats: smallYUYVFormats())
        let lines = LogLines()
        let camera = try recovering(kernel, lines)
        kernel.frames = frames([0, 1, 2])
        _ = try camera.nextFrame(timeoutMilliseconds: 100)
        kernel.ioctlErrors["VIDIOC_DQBUF"] = [ENODEV]
        kernel.openErrors = [ENOENT, ENOENT, ENODEV, ENODEV]
        let opensBefore = kernel.opens
        let frame = try camera.nextFrame(timeoutMilliseconds: 1_000)
        #expect(frame.sequence == 1 || frame.sequence == 2)
        #expect(kernel.opens - opensBefore == 5)
        #expect(camera.statistics.recoveries == 1 && camera.statistics.faults == 1 && camera.statistics.frames == 2)
        #expect(lines.lines.filter { $0.contains("is gone") }.count == 1, "\(lines.lines)")
        #expect(lines.lines.contains { $0.contains("recovered") })
        #expect(kernel.openDescriptors.count == 1 && kernel.violations.isEmpty)
    }

    @Test func aHungCameraIsReportedWithinTheTimeoutAndRecoveredLater() throws {
        let kernel = FakeV4L2Kernel(formats: smallYUYVFormats())
        let lines = LogLines()
        let camera = try recovering(kernel, lines)
        do {
            _ = try camera.nextFrame(timeoutMilliseconds: 30)
            Issue.record("a hung camera delivered a frame")
        } catch { #expect(error.kind == "timedOut") }
        #expect(throws: CameraError.self) { try camera.nextFrame(timeoutMilliseconds: 30) }
        #expect(lines.lines.filter { $0.contains("hangs") }.count == 1, "\(lines.lines)")
        kernel.frames = frames([0])
        #expect(try camera.nextFrame(timeoutMilliseconds: 200).sequence == 0)
        #expect(camera.statistics.recoveries == 1)
        #expect(camera.currentFault == nil)
    }

    @Test func aCameraStillSilentAfterItsGraceIsReopenedAgainWithBackoff() throws {
        let kernel = FakeV4L2Kernel(formats: smallYUYVFormats())
        let lines = LogLines()
        let camera = RecoveringCamera(V4L2Camera(path: "/dev/video7", kernel: kernel, log: lines.log),
                                      policy: RecoveryPolicy(initialBackoffMilliseconds: 1, maxBackoffMilliseconds: 4,
                                                             firstFrameGraceMilliseconds: 0), log: lines.log)
        _ = try camera.configure(.preview)
        try camera.start()
        let opensBefore = kernel.opens
        // Each call gives up at its timeout with the fault, the next carries on recovering. How many reopens
        // fit into one call depends on the scheduler (the 1 ms pauses take far longer on a loaded machine), so
        // the test reads until four reopens happened and checks what the policy promises: an immediate reopen,
        // then pauses of at least 1, 2 and 4 ms (the backoff doubling to its ceiling). A sleep can only lengthen them.
        var calls = 0
        while kernel.opens - opensBefore < 4 && calls < 1_000 {
            #expect(throws: CameraError.self) { try camera.nextFrame(timeoutMilliseconds: 40) }
            calls += 1
        }
        #expect(kernel.opens - opensBefore >= 4)
        let reopens = Array(kernel.openTimes.dropFirst(opensBefore))
        if reopens.count >= 4 {
            for (index, backoff) in [1, 2, 4].enumerated() {
                #expect(reopens[index + 1] - reopens[index] >= UInt64(backoff) * 1_000_000, "pause before reopen \(index + 2)")
            }
        }
        #expect(camera.statistics.faults >= 3 && camera.statistics.recoveries == 0)
        #expect(lines.lines.filter { $0.contains("hangs") }.count == 1, "\(lines.lines)")
        #expect(kernel.openDescriptors.count <= 1 && kernel.violations.isEmpty)
    }

    @Test func aBusyCameraIsRetriedUntilFree() throws {
        let kernel = FakeV4L2Kernel(formats: smallYUYVFormats())
        let lines = LogLines()
        let camera = try recovering(kernel, lines)
        kernel.frames = frames([0])
        kernel.ioctlErrors["VIDIOC_DQBUF"] = [EIO]
        kernel.ioctlErrors["VIDIOC_S_FMT"] = [EBUSY, EBUSY]
        #expect(try camera.nextFrame(timeoutMilliseconds: 500).sequence == 0)
        #expect(lines.lines.contains { $0.contains("busy") })
    }

    @Test func unrecoverableErrorsAreThrownAtOnce() throws {
        let kernel = FakeV4L2Kernel(formats: smallYUYVFormats())
        let camera = RecoveringCamera(V4L2Camera(path: "/dev/video7", kernel: kernel), log: .silent)
        #expect(throws: CameraError.self) { try camera.nextFrame(timeoutMilliseconds: 10) }
        #expect(throws: CameraError.self) { try camera.configure(StreamRequest(purpose: .still, format: .mjpeg)) }
    }
}
