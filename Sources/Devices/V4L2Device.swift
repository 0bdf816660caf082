#if canImport(Glibc)
import Glibc
#endif
import Capture
import CV4L2
import Platform

/// An open V4L2 device node. Owns the descriptor and closes it (through the kernel it was opened with)
/// exactly once, at `close()` or deinit.
package final class V4L2Device {
    package let path: String
    package let kernel: any V4L2Kernel
    package private(set) var fd: Int32

    /// Opens `path` non-blocking (frames are waited for with poll, never in an ioctl).
    package init(path: String, kernel: any V4L2Kernel = LibV4L2Kernel.shared) throws(SystemError) {
        self.path = path
        self.kernel = kernel
        self.fd = try SystemCall.retrying("open \(path)") { kernel.open(path, flags: O_RDWR | O_NONBLOCK) }
    }

    deinit { close() }

    package func close() {
        guard fd >= 0 else { return }
        // EINTR on close is not retried on Linux: the descriptor is gone either way.
        _ = kernel.close(fd)
        fd = -1
    }

    /// The one place every VIDIOC_* goes through: EINTR retried, errno turned into `SystemError`,
    /// EAGAIN (nothing ready on a non-blocking node) answered with `false` instead of an error.
    @discardableResult
    package func control<Argument>(_ request: V4L2Request, _ argument: inout Argument) throws(SystemError) -> Bool {
        guard fd >= 0 else { throw SystemError(call: request.name, errno: EBADF) }
        let fd = self.fd, kernel = self.kernel
        do {
            _ = try withUnsafeMutableBytes(of: &argument) { raw throws(SystemError) in
                try SystemCall.retrying(request.name) { kernel.ioctl(fd, request.code, raw.baseAddress!) }
            }
            return true
        } catch {
            if error.wouldBlock { return false }
            throw error
        }
    }

    /// Waits until a buffer can be dequeued or the driver reports an error. Returns the poll events
    /// (POLLIN: a buffer is ready; POLLERR without POLLIN: streaming failed or the device is gone, and
    /// DQBUF will say which), or 0 on timeout.
    package func waitReadable(timeoutMilliseconds: Int) throws(SystemError) -> Int16 {
        guard fd >= 0 else { throw SystemError(call: "poll", errno: EBADF) }
        let fd = self.fd, kernel = self.kernel
        var revents: Int16 = 0
        let timeout = Int32(clamping: max(timeoutMilliseconds, 0))
        let ready = try SystemCall.retrying("poll \(path)") {
            kernel.poll(fd, events: Int16(POLLIN), timeoutMilliseconds: timeout, revents: &revents)
        }
        return ready == 0 ? 0 : revents
    }

    package func map(length: Int, offset: Int) throws(SystemError) -> UnsafeMutableRawPointer {
        guard let address = kernel.mmap(fd, length: length, offset: offset) else {
            throw SystemError(call: "mmap \(path)", errno: errno)
        }
        return address
    }

    package func unmap(_ address: UnsafeMutableRawPointer, length: Int) {
        _ = kernel.munmap(address, length: length)
    }
}

/// What a node says about itself (VIDIOC_QUERYCAP).
public struct DeviceCapabilities: Sendable, Equatable {
    public var driver: String
    public var card: String
    public var busInfo: String
    /// The capabilities of this node (device_caps when the driver sets it, else the driver's).
    public var capabilities: UInt32

    public var canCapture: Bool { capabilities & UInt32(V4L2_CAP_VIDEO_CAPTURE) != 0 }
    public var canCaptureMultiplanar: Bool { capabilities & UInt32(V4L2_CAP_VIDEO_CAPTURE_MPLANE) != 0 }
    public var canStream: Bool { capabilities & UInt32(V4L2_CAP_STREAMING) != 0 }
    public var isMetadata: Bool { capabilities & UInt32(V4L2_CAP_META_CAPTURE) != 0 }
}

/// A control (VIDIOC_QUERYCTRL): exposure, white balance, focus, and the driver's own.
public struct ControlInfo: Sendable, Equatable {
    public var id: UInt32
    public var name: String
    /// V4L2_CTRL_TYPE_*: 1 integer, 2 boolean, 3 menu, 4 button, 9 integer menu.
    public var type: UInt32
    public var minimum: Int32
    public var maximum: Int32
    public var step: Int32
    public var defaultValue: Int32
    public var flags: UInt32

    public var isDisabled: Bool { flags & UInt32(V4L2_CTRL_FLAG_DISABLED) != 0 }
    public var isReadOnly: Bool { flags & UInt32(V4L2_CTRL_FLAG_READ_ONLY) != 0 }
    public var isInactive: Bool { flags & UInt32(V4L2_CTRL_FLAG_INACTIVE) != 0 }
    public var isButton: Bool { type == V4L2_CTRL_TYPE_BUTTON.rawValue }

    package init(id: UInt32, name: String, type: UInt32, minimum: Int32, maximum: Int32, step: Int32,
                 defaultValue: Int32, flags: UInt32) {
        self.id = id
        self.name = name
        self.type = type
        self.minimum = minimum
        self.maximum = maximum
        self.step = step
        self.defaultValue = defaultValue
        self.flags = flags
    }
}

extension V4L2Device {
    package func capabilities() throws(SystemError) -> DeviceCapabilities {
        var caps = v4l2_capability()
        try control(.queryCapabilities, &caps)
        let nodeCaps = caps.capabilities & UInt32(V4L2_CAP_DEVICE_CAPS) != 0 ? caps.device_caps : caps.capabilities
        return DeviceCapabilities(driver: string(fromCCharacters: caps.driver), card: string(fromCCharacters: caps.card),
                                  busInfo: string(fromCCharacters: caps.bus_info), capabilities: nodeCaps)
    }

    /// The single-planar capture formats, each with its sizes and frame rates.
    package func formats() throws(SystemError) -> [FormatDescription] {
        var result: [FormatDescription] = []
        var index: UInt32 = 0
        while index < 256 {
            var description = v4l2_fmtdesc()
            description.index = index
            description.type = V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue
            do { try control(.enumerateFormats, &description) } catch where error.errno == EINVAL { break }
            let format = PixelFormat(rawValue: description.pixelformat)
            result.append(FormatDescription(format: format, name: string(fromCCharacters: description.description),
                                            isEmulated: description.flags & UInt32(V4L2_FMT_FLAG_EMULATED) != 0,
                                            sizes: try frameSizes(format)))
            index += 1
        }
        return result
    }

    /// Sizes of `format`. Stepwise and continuous ranges become their extremes plus the common sizes
    /// that fit in them, which is what negotiation needs.
    package func frameSizes(_ format: PixelFormat) throws(SystemError) -> [FrameSizeOption] {
        var sizes: [FrameSize] = []
        var index: UInt32 = 0
        while index < 256 {
            var entry = v4l2_frmsizeenum()
            entry.index = index
            entry.pixel_format = format.rawValue
            do { try control(.enumerateFrameSizes, &entry) } catch where error.errno == EINVAL || error.errno == ENOTTY { break }
            if entry.type == V4L2_FRMSIZE_TYPE_DISCRETE.rawValue {
                sizes.append(FrameSize(width: Int(entry.discrete.width), height: Int(entry.discrete.height)))
            } else {
                let range = entry.stepwise
                sizes += Self.sizes(inRangeWidth: Int(range.min_width)...Int(max(range.min_width, range.max_width)),
                                    height: Int(range.min_height)...Int(max(range.min_height, range.max_height)),
                                    step: (Int(max(range.step_width, 1)), Int(max(range.step_height, 1))))
                break
            }
            index += 1
        }
        var options: [FrameSizeOption] = []
        for size in sizes where !options.contains(where: { $0.size == size }) {
            options.append(FrameSizeOption(size: size, framesPerSecond: try framesPerSecond(format, size)))
        }
        return options
    }

    static let commonSizes = [FrameSize(width: 640, height: 480), FrameSize(width: 1280, height: 720),
                              FrameSize(width: 1920, height: 1080), FrameSize(width: 2592, height: 1944),
                              FrameSize(width: 3840, height: 2160)]

    static func sizes(inRangeWidth width: ClosedRange<Int>, height: ClosedRange<Int>, step: (Int, Int)) -> [FrameSize] {
        var sizes = [FrameSize(width: width.lowerBound, height: height.lowerBound)]
        for size in commonSizes where width.contains(size.width) && height.contains(size.height)
            && (size.width - width.lowerBound) % step.0 == 0 && (size.height - height.lowerBound) % step.1 == 0 {
            sizes.append(size)
        }
        sizes.append(FrameSize(width: width.upperBound, height: height.upperBound))
        return sizes
    }

    /// Frame rates offered at `size`, highest first; empty when the driver does not enumerate them.
    package func framesPerSecond(_ format: PixelFormat, _ size: FrameSize) throws(SystemError) -> [Double] {
        var rates: [Double] = []
        var index: UInt32 = 0
        while index < 64 {
            var entry = v4l2_frmivalenum()
            entry.index = index
            entry.pixel_format = format.rawValue
            entry.width = UInt32(size.width)
            entry.height = UInt32(size.height)
            do { try control(.enumerateFrameIntervals, &entry) } catch where error.errno == EINVAL || error.errno == ENOTTY { break }
            if entry.type == V4L2_FRMIVAL_TYPE_DISCRETE.rawValue {
                let interval = entry.discrete
                if interval.numerator > 0 { rates.append(Double(interval.denominator) / Double(interval.numerator)) }
            } else {
                // A range: its fastest end (the minimum interval) is what matters.
                let fastest = entry.stepwise.min
                if fastest.numerator > 0 { rates.append(Double(fastest.denominator) / Double(fastest.numerator)) }
                break
            }
            index += 1
        }
        return rates.sorted(by: >)
    }

    /// Sets format and size; returns what the driver actually set (format, size, bytes per line, image size).
    package func setFormat(_ format: PixelFormat, _ size: FrameSize) throws(SystemError) -> (format: PixelFormat, size: FrameSize, bytesPerLine: Int, imageBytes: Int) {
        var request = v4l2_format()
        request.type = V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue
        request.fmt.pix.pixelformat = format.rawValue
        request.fmt.pix.width = UInt32(size.width)
        request.fmt.pix.height = UInt32(size.height)
        request.fmt.pix.field = V4L2_FIELD_NONE.rawValue
        try control(.setFormat, &request)
        let pix = request.fmt.pix
        return (PixelFormat(rawValue: pix.pixelformat), FrameSize(width: Int(pix.width), height: Int(pix.height)),
                Int(pix.bytesperline), Int(pix.sizeimage))
    }

    /// Asks for a frame rate; drivers that cannot set one are left alone.
    package func setFramesPerSecond(_ rate: Double) throws(SystemError) {
        var parameters = v4l2_streamparm()
        parameters.type = V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue
        do { try control(.getParameters, &parameters) } catch where error.errno == ENOTTY || error.errno == EINVAL { return }
        guard parameters.parm.capture.capability & UInt32(V4L2_CAP_TIMEPERFRAME) != 0 else { return }
        // Rates like 29.97 are 1001/30000.
        let denominator = UInt32((rate * 1000).rounded())
        parameters.parm.capture.timeperframe = v4l2_fract(numerator: 1000, denominator: denominator)
        try control(.setParameters, &parameters)
    }

    /// All controls, skipping class headers and disabled ones.
    package func controls() throws(SystemError) -> [ControlInfo] {
        var result: [ControlInfo] = []
        var query = v4l2_queryctrl()
        query.id = fotobox_V4L2_CTRL_FLAG_NEXT_CTRL()
        while result.count < 1024 {
            do { try control(.queryControl, &query) } catch where error.errno == EINVAL { break }
            let info = ControlInfo(id: query.id, name: string(fromCCharacters: query.name), type: query.type,
                                   minimum: query.minimum, maximum: query.maximum, step: query.step,
                                   defaultValue: query.default_value, flags: query.flags)
            if query.type != V4L2_CTRL_TYPE_CTRL_CLASS.rawValue && !info.isDisabled { result.append(info) }
            query.id |= fotobox_V4L2_CTRL_FLAG_NEXT_CTRL()
        }
        return result
    }

    package func controlValue(_ id: UInt32) throws(SystemError) -> Int32 {
        var value = v4l2_control(id: id, value: 0)
        try control(.getControl, &value)
        return value.value
    }

    package func setControlValue(_ id: UInt32, _ newValue: Int32) throws(SystemError) {
        var value = v4l2_control(id: id, value: newValue)
        try control(.setControl, &value)
    }
}
