#if canImport(Glibc)
import Glibc
#endif

/// A failed system call: the call's name and the errno it left. Every syscall the station makes goes
/// through `SystemCall.retrying` (or one of the wrappers below), so errno becomes this typed error in one
/// place and EINTR is retried in one place.
public struct SystemError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The call that failed, such as "open /dev/video0" or "VIDIOC_DQBUF".
    public var call: String
    public var errno: Int32

    public init(call: String, errno: Int32) {
        self.call = call
        self.errno = errno
    }

    public var description: String { "\(call): \(reason) (errno \(errno))" }

    /// The C library's text for `errno`, such as "No such file or directory" (strerror(3)).
    public var reason: String { String(cString: strerror(errno)) }

    /// The device was unplugged (USB cable pulled).
    public var isDeviceGone: Bool { errno == ENODEV || errno == ENXIO || errno == EIO }
    public var isBusy: Bool { errno == EBUSY }
    public var wouldBlock: Bool { errno == EAGAIN || errno == EWOULDBLOCK }
}

/// The one place where a syscall's -1 becomes a `SystemError` and EINTR is retried.
public enum SystemCall {
    /// Runs `body` until it does not fail with EINTR. A result of -1 throws with the errno.
    @inlinable
    public static func retrying<T: FixedWidthInteger>(_ call: @autoclosure () -> String, _ body: () -> T) throws(SystemError) -> T {
        while true {
            let result = body()
            if result != -1 { return result }
            let error = Glibc.errno
            if error == EINTR { continue }
            throw SystemError(call: call(), errno: error)
        }
    }
}
