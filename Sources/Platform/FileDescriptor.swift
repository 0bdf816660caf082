#if canImport(Glibc)
import Glibc
#endif

/// An owned file descriptor: whoever holds it closes it, exactly once (`close()`), and nobody else.
/// Non-copyable, so ownership is checked by the compiler.
public struct FileDescriptor: ~Copyable, Sendable {
    public let rawValue: Int32

    /// Takes ownership of an open descriptor.
    public init(owning rawValue: Int32) {
        self.rawValue = rawValue
    }

    deinit {
        if rawValue >= 0 { Glibc.close(rawValue) }
    }

    /// Opens `path`; O_CLOEXEC is always added.
    public static func open(_ path: String, _ flags: Int32, mode: mode_t = 0o600) throws(SystemError) -> FileDescriptor {
        let fd = try SystemCall.retrying("open \(path)") { Glibc.open(path, flags | O_CLOEXEC, mode) }
        return FileDescriptor(owning: fd)
    }

    /// Opens `path` for reading only when it is a regular file. The open itself is non-blocking, so a FIFO
    /// (whose plain open waits for a writer, forever), a socket or a device node is refused at once after
    /// fstat instead of hanging the caller; O_NONBLOCK has no effect on reads of a regular file.
    /// `flags` may add O_NOFOLLOW.
    public static func openRegularFile(_ path: String, flags: Int32 = 0) throws(SystemError) -> FileDescriptor {
        let fd = try open(path, O_RDONLY | O_NONBLOCK | flags)
        let info = try fd.status()
        switch info.st_mode & S_IFMT {
        case S_IFREG: return fd
        case S_IFDIR: throw SystemError(call: "open \(path)", errno: EISDIR)
        default: throw SystemError(call: "open \(path) (a FIFO, socket or device, not a regular file)", errno: EINVAL)
        }
    }

    /// Closes now and reports the error, instead of silently at deinit.
    public consuming func close() throws(SystemError) {
        let fd = rawValue
        discard self
        // EINTR on close must not be retried on Linux: the descriptor is already gone.
        if Glibc.close(fd) == -1, errno != EINTR { throw SystemError(call: "close", errno: errno) }
    }

    /// Reads up to `buffer.count` bytes; 0 at end of file.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(SystemError) -> Int {
        try SystemCall.retrying("read") { Glibc.read(rawValue, buffer.baseAddress, buffer.count) }
    }

    /// Writes all of `bytes`, looping over short writes.
    public func writeAll(_ bytes: UnsafeRawBufferPointer) throws(SystemError) {
        var offset = 0
        while offset < bytes.count {
            offset += try SystemCall.retrying("write") {
                Glibc.write(rawValue, bytes.baseAddress! + offset, bytes.count - offset)
            }
        }
    }

    /// Waits until the descriptor is readable (`events` = POLLIN) or the timeout passes.
    /// Returns the revents, or 0 on timeout. EINTR is retried with the full timeout again, which errs
    /// on the side of waiting a little longer, never of busy-looping.
    public func poll(events: Int16 = Int16(POLLIN), timeoutMilliseconds: Int32) throws(SystemError) -> Int16 {
        var entry = pollfd(fd: rawValue, events: events, revents: 0)
        let ready = try SystemCall.retrying("poll") { Glibc.poll(&entry, 1, timeoutMilliseconds) }
        return ready == 0 ? 0 : entry.revents
    }

    /// fsync: what was written is on the disk when this returns (survives a power cut). `path` names the file in
    /// the error.
    public func synchronize(_ path: String) throws(SystemError) {
        _ = try SystemCall.retrying("fsync \(path)") { fsync(rawValue) }
    }

    /// fstat of the descriptor.
    public func status() throws(SystemError) -> stat {
        var info = stat()
        _ = try SystemCall.retrying("fstat") { fstat(rawValue, &info) }
        return info
    }
}

/// Whole-file helpers used by tools and tests (not for device nodes).
public enum FileSystem {
    /// Reads a whole regular file (a FIFO or device is refused without blocking). Refuses files larger than
    /// `limit` bytes before reading them.
    public static func readFile(_ path: String, limit: Int = 256 << 20) throws(SystemError) -> [UInt8] {
        let fd = try FileDescriptor.openRegularFile(path)
        let info = try fd.status()
        if Int(info.st_size) > limit { throw SystemError(call: "read \(path)", errno: EFBIG) }
        var bytes = [UInt8]()
        bytes.reserveCapacity(Int(info.st_size))
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 1)
        defer { chunk.deallocate() }
        while true {
            let count = try fd.read(into: chunk)
            if count == 0 { break }
            if bytes.count + count > limit { throw SystemError(call: "read \(path)", errno: EFBIG) }
            bytes.append(contentsOf: chunk[0..<count])
        }
        return bytes
    }

    /// Writes a file atomically: a temporary file beside it, fsync, then rename over the target.
    public static func writeFileAtomically(_ path: String, _ bytes: [UInt8], mode: mode_t = 0o600) throws(SystemError) {
        let temporary = path + ".tmp-\(getpid())"
        do throws(SystemError) {
            let fd = try FileDescriptor.open(temporary, O_WRONLY | O_CREAT | O_TRUNC, mode: mode)
            let written: Result<Void, SystemError> = bytes.withUnsafeBytes { raw in Result { () throws(SystemError) in try fd.writeAll(raw) } }
            try written.get()
            try fd.synchronize(temporary)
            try fd.close()
            _ = try SystemCall.retrying("rename \(temporary)") { Glibc.rename(temporary, path) }
        } catch {
            Glibc.unlink(temporary)
            throw error
        }
    }
}
