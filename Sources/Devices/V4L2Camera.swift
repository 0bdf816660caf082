#if canImport(Glibc)
import Glibc
#endif
import Capture
import CV4L2
import Platform

/// A V4L2 camera streaming through mmap buffers.
///
/// Buffer state machine: `start` maps ≥ 4 driver buffers and queues all of them; `nextFrame` polls,
/// dequeues one, copies its bytes into the `Frame` and queues the buffer again before returning — on
/// every path, also for flagged or short buffers — so the driver never runs dry. `stop` (STREAMOFF)
/// takes every buffer back, unmaps and frees them (REQBUFS 0), so `configure` may pick another size.
public final class V4L2Camera: Camera {
    public let name: String
    private let kernel: any V4L2Kernel
    private var device: V4L2Device?
    private var negotiated: NegotiatedFormat?
    private var imageBytes = 0
    private var bufferCount = 4
    private var buffers: [(address: UnsafeMutableRawPointer, length: Int)] = []
    private var streaming = false
    private var lastSequence: UInt32?
    private var consecutiveErrors = 0
    private var log: FaultLog
    public private(set) var statistics = StreamStatistics()
    /// Controls applied after each `open` (fixed kiosk exposure, white balance, focus, mains frequency).
    public var controls: CameraControlSettings

    /// After this many V4L2_BUF_FLAG_ERROR buffers in a row the camera counts as broken (recoverable).
    package static let bufferErrorLimit = 8

    public convenience init(path: String, controls: CameraControlSettings = CameraControlSettings(), log: CameraLog = .standardError) {
        self.init(path: path, kernel: LibV4L2Kernel.shared, controls: controls, log: log)
    }

    package init(path: String, kernel: any V4L2Kernel, controls: CameraControlSettings = CameraControlSettings(), log: CameraLog = .silent) {
        self.name = path
        self.kernel = kernel
        self.controls = controls
        self.log = FaultLog(log)
    }

    deinit { close() }

    /// What the node is and offers; opens it for the call if it is not open.
    public func describe() throws(CameraError) -> CameraInfo {
        let device = try openedDevice()
        do {
            let caps = try device.capabilities()
            return CameraInfo(path: name, capabilities: caps,
                              formats: caps.canCapture ? try device.formats() : [],
                              controls: caps.canCapture ? try device.controls() : [])
        } catch { throw CameraError.from(error, device: name) }
    }

    public func open() throws(CameraError) {
        guard device == nil else { return }
        let opened: V4L2Device
        do { opened = try V4L2Device(path: name, kernel: kernel) } catch {
            if error.errno == ENOENT { throw .deviceGone(name) }
            throw CameraError.from(error, device: name)
        }
        do {
            let caps = try opened.capabilities()
            // Metadata nodes (UVC creates one beside each camera) and output-only nodes cannot capture.
            guard caps.canCapture, caps.canStream, !caps.isMetadata else { throw CameraError.notACaptureDevice(name) }
        } catch let error as CameraError {
            throw error
        } catch let error as SystemError {
            throw CameraError.from(error, device: name)
        } catch { throw .notACaptureDevice(name) }
        device = opened
        // Said once per camera, not at every reopen of a recovery.
        for warning in controls.apply(to: opened) { log.once("control:" + warning, "\(name): \(warning)") }
    }

    public func configure(_ request: StreamRequest) throws(CameraError) -> NegotiatedFormat {
        guard !streaming else { throw .wrongState(device: name, expected: "stop the stream before configuring") }
        let device = try openedDevice()
        do {
            var chosen = try CameraNegotiation.choose(request, from: try device.formats(), device: name)
            let set = try device.setFormat(chosen.format, chosen.size)
            guard set.format == chosen.format, set.size == chosen.size else {
                throw CameraError.formatRefused(device: name, asked: "\(chosen.format) \(chosen.size)", got: "\(set.format) \(set.size)")
            }
            if let rate = chosen.framesPerSecond { try device.setFramesPerSecond(rate) }
            chosen.bytesPerLine = set.bytesPerLine
            imageBytes = set.imageBytes
            bufferCount = max(request.bufferCount, 4)
            for warning in chosen.warnings { log.once("warning:" + warning, warning) }
            negotiated = chosen
            return chosen
        } catch let error as CameraError {
            throw error
        } catch let error as SystemError {
            throw CameraError.from(error, device: name)
        } catch { throw .wrongState(device: name, expected: "\(error)") }
    }

    public func start() throws(CameraError) {
        guard !streaming else { return }
        guard negotiated != nil else { throw .wrongState(device: name, expected: "configure before start") }
        let device = try openedDevice()
        do {
            try allocateBuffers(device, count: bufferCount)
            for index in buffers.indices { try queue(device, index: index) }
            var type = Int32(V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue)
            try device.control(.streamOn, &type)
        } catch let error as CameraError {
            releaseBuffers()
            throw error
        } catch let error as SystemError {
            releaseBuffers()
            throw CameraError.from(error, device: name)
        } catch {
            releaseBuffers()
            throw .badBuffers(device: name, reason: "\(error)")
        }
        streaming = true
        lastSequence = nil
        consecutiveErrors = 0
        statistics = StreamStatistics()
    }

    public func stop() {
        guard let device else { return }
        if streaming {
            var type = Int32(V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue)
            // STREAMOFF returns every buffer to userspace; on a vanished device it fails and that is fine.
            _ = try? device.control(.streamOff, &type)
            streaming = false
        }
        releaseBuffers()
    }

    public func nextFrame(timeoutMilliseconds: Int) throws(CameraError) -> Frame {
        guard streaming, let device, let format = negotiated else {
            throw .wrongState(device: name, expected: "start the stream before reading frames")
        }
        let deadline = MonotonicClock.nanoseconds() &+ UInt64(max(timeoutMilliseconds, 0)) &* 1_000_000
        while true {
            let now = MonotonicClock.nanoseconds()
            let remaining = now >= deadline ? 0 : Int((deadline - now + 999_999) / 1_000_000)
            let events: Int16
            do { events = try device.waitReadable(timeoutMilliseconds: remaining) } catch {
                throw CameraError.from(error, device: name)
            }
            if events == 0 { throw .timedOut(device: name, milliseconds: timeoutMilliseconds) }

            var buffer = v4l2_buffer()
            buffer.type = V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue
            buffer.memory = V4L2_MEMORY_MMAP.rawValue
            let dequeued: Bool
            do { dequeued = try device.control(.dequeueBuffer, &buffer) } catch {
                throw CameraError.from(error, device: name)
            }
            guard dequeued else {
                // EAGAIN although poll said ready: spurious wake-up, unless poll reported an error.
                if events & Int16(POLLERR | POLLHUP) != 0 && events & Int16(POLLIN) == 0 {
                    throw .deviceGone(name)
                }
                continue
            }
            let dequeuedAt = MonotonicClock.nanoseconds()
            let index = Int(buffer.index)
            guard buffers.indices.contains(index) else {
                throw .badBuffers(device: name, reason: "driver returned buffer \(index) of \(buffers.count)")
            }
            countDrops(upTo: buffer.sequence)

            let flagged = buffer.flags & UInt32(V4L2_BUF_FLAG_ERROR) != 0
            let used = min(Int(buffer.bytesused), buffers[index].length)
            // A raw frame shorter than the driver's own image size is torn; JPEG sizes vary.
            let short = used == 0 || (!format.format.isCompressed && used < imageBytes)
            var frame: Frame? = nil
            if !flagged && !short {
                let bytes = [UInt8](UnsafeRawBufferPointer(start: buffers[index].address, count: used))
                frame = Frame(format: format.format, size: format.size, bytesPerLine: format.bytesPerLine, bytes: bytes,
                              sequence: buffer.sequence, capturedNanoseconds: monotonicTimestamp(buffer),
                              dequeuedNanoseconds: dequeuedAt)
            }
            // The buffer goes back to the driver before anything else happens, good frame or not.
            do { try queue(device, index: index) } catch { throw CameraError.from(error, device: name) }

            if let frame {
                consecutiveErrors = 0
                statistics.record(frame)
                return frame
            }
            statistics.errored += 1
            consecutiveErrors += 1
            log.once("bufferError", "\(name): driver flagged a broken frame (V4L2_BUF_FLAG_ERROR or empty); skipped")
            if consecutiveErrors >= Self.bufferErrorLimit {
                throw .tooManyBufferErrors(device: name, count: consecutiveErrors)
            }
        }
    }

    public func close() {
        stop()
        device?.close()
        device = nil
        negotiated = nil
    }

    // MARK: - Internals

    private func openedDevice() throws(CameraError) -> V4L2Device {
        if device == nil { try open() }
        return device!
    }

    /// Gaps in the driver's sequence numbers are frames it captured and dropped. A backwards jump
    /// (wrap-around or a driver restart) is not counted as a loss.
    private func countDrops(upTo sequence: UInt32) {
        defer { lastSequence = sequence }
        guard let last = lastSequence else { return }
        let gap = sequence &- last &- 1
        if gap < 1 << 30 { statistics.dropped += Int(gap) }
    }

    private func monotonicTimestamp(_ buffer: v4l2_buffer) -> UInt64? {
        guard buffer.flags & fotobox_V4L2_BUF_FLAG_TIMESTAMP_MASK() == fotobox_V4L2_BUF_FLAG_TIMESTAMP_MONOTONIC(),
              buffer.timestamp.tv_sec >= 0, buffer.timestamp.tv_usec >= 0,
              buffer.timestamp.tv_sec > 0 || buffer.timestamp.tv_usec > 0 else { return nil }
        return UInt64(buffer.timestamp.tv_sec) &* 1_000_000_000 &+ UInt64(buffer.timestamp.tv_usec) &* 1_000
    }

    private func allocateBuffers(_ device: V4L2Device, count: Int) throws {
        var request = v4l2_requestbuffers()
        request.count = UInt32(count)
        request.type = V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue
        request.memory = V4L2_MEMORY_MMAP.rawValue
        try device.control(.requestBuffers, &request)
        guard request.count >= 2 else {
            throw CameraError.badBuffers(device: name, reason: "driver gave \(request.count) buffers, at least 2 are needed")
        }
        for index in 0..<Int(request.count) {
            var buffer = v4l2_buffer()
            buffer.index = UInt32(index)
            buffer.type = V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue
            buffer.memory = V4L2_MEMORY_MMAP.rawValue
            try device.control(.queryBuffer, &buffer)
            let length = Int(buffer.length)
            if imageBytes > 0 && length < imageBytes {
                throw CameraError.badBuffers(device: name, reason: "buffer \(index) holds \(length) bytes, a frame needs \(imageBytes)")
            }
            let address = try device.map(length: length, offset: Int(buffer.m.offset))
            buffers.append((address, length))
        }
    }

    private func queue(_ device: V4L2Device, index: Int) throws(SystemError) {
        var buffer = v4l2_buffer()
        buffer.index = UInt32(index)
        buffer.type = V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue
        buffer.memory = V4L2_MEMORY_MMAP.rawValue
        try device.control(.queueBuffer, &buffer)
    }

    private func releaseBuffers() {
        guard let device else { buffers.removeAll(); return }
        for buffer in buffers { device.unmap(buffer.address, length: buffer.length) }
        let hadBuffers = !buffers.isEmpty
        buffers.removeAll()
        if hadBuffers {
            var request = v4l2_requestbuffers()
            request.count = 0
            request.type = V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue
            request.memory = V4L2_MEMORY_MMAP.rawValue
            _ = try? device.control(.requestBuffers, &request)
        }
    }
}

extension V4L2Camera {
    /// Buffers currently mapped (for tests and `camera stream`).
    package var mappedBufferCount: Int { buffers.count }
    package var isStreaming: Bool { streaming }
}
