#if canImport(Glibc)
import Glibc
#endif
import Capture
import CV4L2
import Platform
import Devices

/// Plays the kernel for `V4L2Camera`: a capture node with the formats a test gives, mmap buffers in real
/// memory, and a script of frames and faults. Checks the driver's rules (buffers queued once, no DQBUF
/// before STREAMON) and records what the camera did, so tests can assert the buffer state machine.
final class FakeV4L2Kernel: V4L2Kernel {
    struct ScriptedFrame {
        var sequence: UInt32
        var flags: UInt32 = 0
        var fill: UInt8 = 0x80
        var bytesUsed: Int? = nil
        /// Capture time (monotonic ns); nil leaves the timestamp empty.
        var timestamp: UInt64? = nil
    }

    var formats: [FormatDescription]
    var capabilities = UInt32(V4L2_CAP_VIDEO_CAPTURE) | UInt32(V4L2_CAP_STREAMING) | UInt32(V4L2_CAP_DEVICE_CAPS)
    var controlInfos: [ControlInfo] = []
    var controlValues: [UInt32: Int32] = [:]
    /// Buffers the driver grants whatever is asked.
    var grantedBuffers: UInt32?

    // The script.
    var frames: [ScriptedFrame] = []
    var openErrors: [Int32] = []
    /// errno for the next call of the named request ("VIDIOC_DQBUF" …), consumed in order.
    var ioctlErrors: [String: [Int32]] = [:]
    var pollErrors: [Int32] = []
    /// After the script's frames run out, poll times out (a hung camera) unless this is set.
    var pollReportsErrorWhenEmpty = false

    // State and records.
    private(set) var openDescriptors: Set<Int32> = []
    private(set) var opens = 0
    /// When each open happened (monotonic nanoseconds): the recovery tests check the backoff between reopens.
    private(set) var openTimes: [UInt64] = []
    private(set) var calls: [String] = []
    private(set) var pollTimeouts = 0
    private(set) var streaming = false
    private(set) var format: (PixelFormat, FrameSize) = (.yuyv, FrameSize(width: 640, height: 480))
    private(set) var buffers: [(memory: UnsafeMutableRawPointer, length: Int, queued: Bool)] = []
    private(set) var mapped: Set<UnsafeMutableRawPointer> = []
    private(set) var violations: [String] = []
    private var nextDescriptor: Int32 = 100
    private var queueOrder: [Int] = []

    init(formats: [FormatDescription]) { self.formats = formats }

    deinit { for buffer in buffers { buffer.memory.deallocate() } }

    var queuedCount: Int { buffers.filter(\.queued).count }

    func open(_ path: String, flags: Int32) -> Int32 {
        opens += 1
        openTimes.append(MonotonicClock.nanoseconds())
        if !openErrors.isEmpty { errno = openErrors.removeFirst(); return -1 }
        nextDescriptor += 1
        openDescriptors.insert(nextDescriptor)
        return nextDescriptor
    }

    func close(_ fd: Int32) -> Int32 {
        guard openDescriptors.remove(fd) != nil else { violations.append("close of unknown fd \(fd)"); errno = EBADF; return -1 }
        streaming = false
        if !mapped.isEmpty { violations.append("closed with \(mapped.count) buffers still mapped") }
        return 0
    }

    func poll(_ fd: Int32, events: Int16, timeoutMilliseconds: Int32, revents: inout Int16) -> Int32 {
        calls.append("poll")
        if !pollErrors.isEmpty { errno = pollErrors.removeFirst(); return -1 }
        if streaming && !frames.isEmpty && queuedCount > 0 { revents = Int16(POLLIN); return 1 }
        if pollReportsErrorWhenEmpty { revents = Int16(POLLERR); return 1 }
        pollTimeouts += 1
        return 0
    }

    func mmap(_ fd: Int32, length: Int, offset: Int) -> UnsafeMutableRawPointer? {
        let index = offset / 4096
        guard buffers.indices.contains(index), buffers[index].length == length else { errno = EINVAL; return nil }
        mapped.insert(buffers[index].memory)
        return buffers[index].memory
    }

    func munmap(_ address: UnsafeMutableRawPointer, length: Int) -> Int32 {
        guard mapped.remove(address) != nil else { violations.append("munmap of unmapped memory"); errno = EINVAL; return -1 }
        return 0
    }

    func ioctl(_ fd: Int32, _ request: UInt, _ argument: UnsafeMutableRawPointer) -> Int32 {
        let name = Self.names[request] ?? "ioctl \(request)"
        calls.append(name)
        guard openDescriptors.contains(fd) else { errno = EBADF; return -1 }
        if var errors = ioctlErrors[name], !errors.isEmpty {
            errno = errors.removeFirst()
            ioctlErrors[name] = errors
            return -1
        }
        switch request {
        case fotobox_VIDIOC_QUERYCAP():
            let caps = argument.assumingMemoryBound(to: v4l2_capability.self)
            caps.pointee = v4l2_capability()
            withUnsafeMutableBytes(of: &caps.pointee.driver) { copy("fake", into: $0) }
            withUnsafeMutableBytes(of: &caps.pointee.card) { copy("Fake Camera", into: $0) }
            caps.pointee.capabilities = capabilities
            caps.pointee.device_caps = capabilities & ~UInt32(V4L2_CAP_DEVICE_CAPS)
        case fotobox_VIDIOC_ENUM_FMT():
            let description = argument.assumingMemoryBound(to: v4l2_fmtdesc.self)
            let index = Int(description.pointee.index)
            guard formats.indices.contains(index) else { errno = EINVAL; return -1 }
            description.pointee.pixelformat = formats[index].format.rawValue
            description.pointee.flags = formats[index].isEmulated ? UInt32(V4L2_FMT_FLAG_EMULATED) : 0
            withUnsafeMutableBytes(of: &description.pointee.description) { copy(formats[index].name, into: $0) }
        case fotobox_VIDIOC_ENUM_FRAMESIZES():
            let entry = argument.assumingMemoryBound(to: v4l2_frmsizeenum.self)
            guard let format = formats.first(where: { $0.format.rawValue == entry.pointee.pixel_format }),
                  format.sizes.indices.contains(Int(entry.pointee.index)) else { errno = EINVAL; return -1 }
            let size = format.sizes[Int(entry.pointee.index)].size
            entry.pointee.type = V4L2_FRMSIZE_TYPE_DISCRETE.rawValue
            entry.pointee.discrete = v4l2_frmsize_discrete(width: UInt32(size.width), height: UInt32(size.height))
        case fotobox_VIDIOC_ENUM_FRAMEINTERVALS():
            let entry = argument.assumingMemoryBound(to: v4l2_frmivalenum.self)
            let size = FrameSize(width: Int(entry.pointee.width), height: Int(entry.pointee.height))
            guard let format = formats.first(where: { $0.format.rawValue == entry.pointee.pixel_format }),
                  let option = format.sizes.first(where: { $0.size == size }),
                  option.framesPerSecond.indices.contains(Int(entry.pointee.index)) else { errno = EINVAL; return -1 }
            entry.pointee.type = V4L2_FRMIVAL_TYPE_DISCRETE.rawValue
            entry.pointee.discrete = v4l2_fract(numerator: 1, denominator: UInt32(option.framesPerSecond[Int(entry.pointee.index)]))
        case fotobox_VIDIOC_S_FMT():
            guard !streaming && buffers.isEmpty else { errno = EBUSY; return -1 }
            let request = argument.assumingMemoryBound(to: v4l2_format.self)
            let asked = PixelFormat(rawValue: request.pointee.fmt.pix.pixelformat)
            let chosen = formats.first(where: { $0.format == asked }) ?? formats[0]
            let size = FrameSize(width: Int(request.pointee.fmt.pix.width), height: Int(request.pointee.fmt.pix.height))
            let fitted = chosen.sizes.map(\.size).contains(size) ? size : chosen.sizes[0].size
            format = (chosen.format, fitted)
            request.pointee.fmt.pix.pixelformat = chosen.format.rawValue
            request.pointee.fmt.pix.width = UInt32(fitted.width)
            request.pointee.fmt.pix.height = UInt32(fitted.height)
            request.pointee.fmt.pix.bytesperline = chosen.format == .yuyv ? UInt32(fitted.width * 2) : chosen.format == .nv12 ? UInt32(fitted.width) : 0
            request.pointee.fmt.pix.sizeimage = UInt32(imageBytes)
        case fotobox_VIDIOC_G_PARM(), fotobox_VIDIOC_S_PARM():
            let parameters = argument.assumingMemoryBound(to: v4l2_streamparm.self)
            parameters.pointee.parm.capture.capability = UInt32(V4L2_CAP_TIMEPERFRAME)
        case fotobox_VIDIOC_REQBUFS():
            let request = argument.assumingMemoryBound(to: v4l2_requestbuffers.self)
            guard !streaming else { errno = EBUSY; return -1 }
            for buffer in buffers {
                if mapped.contains(buffer.memory) { violations.append("REQBUFS while buffers are mapped") }
                buffer.memory.deallocate()
            }
            buffers = []
            queueOrder = []
            let count = request.pointee.count == 0 ? 0 : (grantedBuffers ?? request.pointee.count)
            for _ in 0..<count {
                let memory = UnsafeMutableRawPointer.allocate(byteCount: imageBytes, alignment: 4096)
                buffers.append((memory, imageBytes, false))
            }
            request.pointee.count = count
        case fotobox_VIDIOC_QUERYBUF():
            let buffer = argument.assumingMemoryBound(to: v4l2_buffer.self)
            let index = Int(buffer.pointee.index)
            guard buffers.indices.contains(index) else { errno = EINVAL; return -1 }
            buffer.pointee.length = UInt32(buffers[index].length)
            buffer.pointee.m.offset = UInt32(index * 4096)
        case fotobox_VIDIOC_QBUF():
            let index = Int(argument.assumingMemoryBound(to: v4l2_buffer.self).pointee.index)
            guard buffers.indices.contains(index), !buffers[index].queued else {
                violations.append("QBUF of buffer \(index) that is not the application's")
                errno = EINVAL
                return -1
            }
            buffers[index].queued = true
            queueOrder.append(index)
        case fotobox_VIDIOC_DQBUF():
            guard streaming else { violations.append("DQBUF while not streaming"); errno = EINVAL; return -1 }
            guard !frames.isEmpty, !queueOrder.isEmpty else { errno = EAGAIN; return -1 }
            let scripted = frames.removeFirst()
            let index = queueOrder.removeFirst()
            buffers[index].queued = false
            let used = scripted.bytesUsed ?? imageBytes
            buffers[index].memory.initializeMemory(as: UInt8.self, repeating: scripted.fill, count: buffers[index].length)
            let buffer = argument.assumingMemoryBound(to: v4l2_buffer.self)
            buffer.pointee.index = UInt32(index)
            buffer.pointee.bytesused = UInt32(used)
            buffer.pointee.sequence = scripted.sequence
            buffer.pointee.flags = scripted.flags
            if let timestamp = scripted.timestamp {
                buffer.pointee.flags |= fotobox_V4L2_BUF_FLAG_TIMESTAMP_MONOTONIC()
                buffer.pointee.timestamp = timeval(tv_sec: Int(timestamp / 1_000_000_000), tv_usec: Int(timestamp % 1_000_000_000 / 1000))
            }
        case fotobox_VIDIOC_STREAMON():
            guard !buffers.isEmpty else { errno = EINVAL; return -1 }
            streaming = true
        case fotobox_VIDIOC_STREAMOFF():
            streaming = false
            for index in buffers.indices { buffers[index].queued = false }
            queueOrder = []
        case fotobox_VIDIOC_QUERYCTRL():
            let query = argument.assumingMemoryBound(to: v4l2_queryctrl.self)
            let after = query.pointee.id & ~fotobox_V4L2_CTRL_FLAG_NEXT_CTRL()
            guard let info = controlInfos.sorted(by: { $0.id < $1.id }).first(where: { $0.id > after }) else { errno = EINVAL; return -1 }
            query.pointee.id = info.id
            query.pointee.type = info.type
            query.pointee.minimum = info.minimum
            query.pointee.maximum = info.maximum
            query.pointee.step = info.step
            query.pointee.default_value = info.defaultValue
            query.pointee.flags = info.flags
            withUnsafeMutableBytes(of: &query.pointee.name) { copy(info.name, into: $0) }
        case fotobox_VIDIOC_G_CTRL():
            let control = argument.assumingMemoryBound(to: v4l2_control.self)
            control.pointee.value = controlValues[control.pointee.id] ?? 0
        case fotobox_VIDIOC_S_CTRL():
            let control = argument.assumingMemoryBound(to: v4l2_control.self)
            controlValues[control.pointee.id] = control.pointee.value
        default:
            errno = ENOTTY
            return -1
        }
        return 0
    }

    /// Bytes of one frame in the current format (JPEG buffers get a fixed size).
    var imageBytes: Int {
        format.0.rawFrameBytes(width: format.1.width, height: format.1.height) ?? 64 * 1024
    }

    private func copy(_ text: String, into raw: UnsafeMutableRawBufferPointer) {
        let bytes = Array(text.utf8.prefix(raw.count - 1))
        raw.copyBytes(from: bytes + [0])
    }

    private static let names: [UInt: String] = [
        fotobox_VIDIOC_QUERYCAP(): "VIDIOC_QUERYCAP", fotobox_VIDIOC_ENUM_FMT(): "VIDIOC_ENUM_FMT",
        fotobox_VIDIOC_ENUM_FRAMESIZES(): "VIDIOC_ENUM_FRAMESIZES", fotobox_VIDIOC_ENUM_FRAMEINTERVALS(): "VIDIOC_ENUM_FRAMEINTERVALS",
        fotobox_VIDIOC_S_FMT(): "VIDIOC_S_FMT", fotobox_VIDIOC_G_PARM(): "VIDIOC_G_PARM", fotobox_VIDIOC_S_PARM(): "VIDIOC_S_PARM",
        fotobox_VIDIOC_REQBUFS(): "VIDIOC_REQBUFS", fotobox_VIDIOC_QUERYBUF(): "VIDIOC_QUERYBUF", fotobox_VIDIOC_QBUF(): "VIDIOC_QBUF",
        fotobox_VIDIOC_DQBUF(): "VIDIOC_DQBUF", fotobox_VIDIOC_STREAMON(): "VIDIOC_STREAMON", fotobox_VIDIOC_STREAMOFF(): "VIDIOC_STREAMOFF",
        fotobox_VIDIOC_QUERYCTRL(): "VIDIOC_QUERYCTRL", fotobox_VIDIOC_G_CTRL(): "VIDIOC_G_CTRL", fotobox_VIDIOC_S_CTRL(): "VIDIOC_S_CTRL",
    ]
}

/// A webcam like most: MJPEG up to 1920×1080 and YUYV up to 1280×720 (slower at large sizes).
func typicalWebcamFormats() -> [FormatDescription] {
    [FormatDescription(format: .mjpeg, name: "Motion-JPEG", sizes: [
        FrameSizeOption(size: FrameSize(width: 640, height: 480), framesPerSecond: [30]),
        FrameSizeOption(size: FrameSize(width: 1280, height: 720), framesPerSecond: [30]),
        FrameSizeOption(size: FrameSize(width: 1920, height: 1080), framesPerSecond: [30]),
     ]),
     FormatDescription(format: .yuyv, name: "YUYV 4:2:2", sizes: [
        FrameSizeOption(size: FrameSize(width: 320, height: 240), framesPerSecond: [30]),
        FrameSizeOption(size: FrameSize(width: 640, height: 480), framesPerSecond: [30]),
        FrameSizeOption(size: FrameSize(width: 1280, height: 720), framesPerSecond: [10]),
     ])]
}

/// A camera with only YUYV at small sizes, as vivid's webcam input offers.
func smallYUYVFormats() -> [FormatDescription] {
    [FormatDescription(format: .yuyv, name: "YUYV 4:2:2", sizes: [
        FrameSizeOption(size: FrameSize(width: 320, height: 180), framesPerSecond: [60, 30]),
        FrameSizeOption(size: FrameSize(width: 640, height: 360), framesPerSecond: [30]),
     ])]
}
