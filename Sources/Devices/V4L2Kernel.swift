#if canImport(Glibc)
import Glibc
#endif
import CV4L2

/// The system calls a V4L2 camera makes, with the kernel's conventions (-1 and errno on failure), so that
/// unit tests can play the kernel (`FakeV4L2Kernel` in the tests) and drive the same code as a real camera.
/// `V4L2Device` turns these results into typed errors, in one place.
package protocol V4L2Kernel: AnyObject {
    func open(_ path: String, flags: Int32) -> Int32
    func close(_ fd: Int32) -> Int32
    func ioctl(_ fd: Int32, _ request: UInt, _ argument: UnsafeMutableRawPointer) -> Int32
    /// poll(2) on one descriptor; `revents` is set when the result is positive.
    func poll(_ fd: Int32, events: Int16, timeoutMilliseconds: Int32, revents: inout Int16) -> Int32
    /// mmap(2) of a driver buffer, shared and read-write; nil (with errno) on failure.
    func mmap(_ fd: Int32, length: Int, offset: Int) -> UnsafeMutableRawPointer?
    func munmap(_ address: UnsafeMutableRawPointer, length: Int) -> Int32
}

/// The real kernel, through libv4l2 (which carries quirk fixes for many webcams and can convert exotic
/// formats in software; such formats are flagged "emulated" and used only when nothing native fits).
package final class LibV4L2Kernel: V4L2Kernel, Sendable {
    package static let shared = LibV4L2Kernel()

    package init() { fotobox_v4l2_silence_log() }

    package func open(_ path: String, flags: Int32) -> Int32 {
        let fd = Glibc.open(path, flags | O_CLOEXEC)
        guard fd >= 0 else { return -1 }
        // libv4l2 takes over the descriptor; from now on it is closed with v4l2_close.
        if v4l2_fd_open(fd, 0) == -1 {
            let error = errno
            Glibc.close(fd)
            errno = error
            return -1
        }
        return fd
    }

    package func close(_ fd: Int32) -> Int32 { v4l2_close(fd) }

    package func ioctl(_ fd: Int32, _ request: UInt, _ argument: UnsafeMutableRawPointer) -> Int32 {
        fotobox_v4l2_ioctl(fd, request, argument)
    }

    package func poll(_ fd: Int32, events: Int16, timeoutMilliseconds: Int32, revents: inout Int16) -> Int32 {
        var entry = pollfd(fd: fd, events: events, revents: 0)
        let result = Glibc.poll(&entry, 1, timeoutMilliseconds)
        revents = entry.revents
        return result
    }

    package func mmap(_ fd: Int32, length: Int, offset: Int) -> UnsafeMutableRawPointer? {
        let address = v4l2_mmap(nil, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, Int64(offset))
        return address == MAP_FAILED ? nil : address
    }

    package func munmap(_ address: UnsafeMutableRawPointer, length: Int) -> Int32 {
        v4l2_munmap(address, length)
    }
}

/// A VIDIOC_* request: its number and its name for error messages.
package struct V4L2Request: Sendable, Equatable {
    package let name: String
    package let code: UInt

    package static let queryCapabilities = V4L2Request(name: "VIDIOC_QUERYCAP", code: fotobox_VIDIOC_QUERYCAP())
    package static let enumerateFormats = V4L2Request(name: "VIDIOC_ENUM_FMT", code: fotobox_VIDIOC_ENUM_FMT())
    package static let getFormat = V4L2Request(name: "VIDIOC_G_FMT", code: fotobox_VIDIOC_G_FMT())
    package static let setFormat = V4L2Request(name: "VIDIOC_S_FMT", code: fotobox_VIDIOC_S_FMT())
    package static let enumerateFrameSizes = V4L2Request(name: "VIDIOC_ENUM_FRAMESIZES", code: fotobox_VIDIOC_ENUM_FRAMESIZES())
    package static let enumerateFrameIntervals = V4L2Request(name: "VIDIOC_ENUM_FRAMEINTERVALS", code: fotobox_VIDIOC_ENUM_FRAMEINTERVALS())
    package static let getParameters = V4L2Request(name: "VIDIOC_G_PARM", code: fotobox_VIDIOC_G_PARM())
    package static let setParameters = V4L2Request(name: "VIDIOC_S_PARM", code: fotobox_VIDIOC_S_PARM())
    package static let requestBuffers = V4L2Request(name: "VIDIOC_REQBUFS", code: fotobox_VIDIOC_REQBUFS())
    package static let queryBuffer = V4L2Request(name: "VIDIOC_QUERYBUF", code: fotobox_VIDIOC_QUERYBUF())
    package static let queueBuffer = V4L2Request(name: "VIDIOC_QBUF", code: fotobox_VIDIOC_QBUF())
    package static let dequeueBuffer = V4L2Request(name: "VIDIOC_DQBUF", code: fotobox_VIDIOC_DQBUF())
    package static let streamOn = V4L2Request(name: "VIDIOC_STREAMON", code: fotobox_VIDIOC_STREAMON())
    package static let streamOff = V4L2Request(name: "VIDIOC_STREAMOFF", code: fotobox_VIDIOC_STREAMOFF())
    package static let queryControl = V4L2Request(name: "VIDIOC_QUERYCTRL", code: fotobox_VIDIOC_QUERYCTRL())
    package static let getControl = V4L2Request(name: "VIDIOC_G_CTRL", code: fotobox_VIDIOC_G_CTRL())
    package static let setControl = V4L2Request(name: "VIDIOC_S_CTRL", code: fotobox_VIDIOC_S_CTRL())
    package static let queryMenu = V4L2Request(name: "VIDIOC_QUERYMENU", code: fotobox_VIDIOC_QUERYMENU())
}

/// Fixed-size C character arrays (imported as tuples) as Swift strings.
func string<T>(fromCCharacters tuple: T) -> String {
    withUnsafeBytes(of: tuple) { raw in
        let bytes = raw.prefix(while: { $0 != 0 })
        return String(decoding: bytes, as: UTF8.self)
    }
}
