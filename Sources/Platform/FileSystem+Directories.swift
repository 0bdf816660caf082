#if canImport(Glibc)
import Glibc
#endif

/// Directory operations for writers that must survive a power cut: create, fsync, rename, remove.
extension FileSystem {
    /// Creates a directory; an existing directory is fine (the mode is then left as it is).
    public static func createDirectory(_ path: String, mode: mode_t = 0o700) throws(SystemError) {
        if Glibc.mkdir(path, mode) == 0 { return }
        let error = errno
        if error == EEXIST, let info = try? status(path), (info.st_mode & S_IFMT) == S_IFDIR { return }
        throw SystemError(call: "mkdir \(path)", errno: error)
    }

    /// fsync of a directory, so that the entries created or renamed in it are durable.
    public static func syncDirectory(_ path: String) throws(SystemError) {
        let fd = try FileDescriptor.open(path, O_RDONLY | O_DIRECTORY)
        try fd.synchronize(path)
    }

    /// rename(2): atomic replacement within one file system.
    public static func rename(_ from: String, to: String) throws(SystemError) {
        _ = try SystemCall.retrying("rename \(from) to \(to)") { Glibc.rename(from, to) }
    }

    /// stat(2) of a path (symbolic links are not followed: lstat).
    public static func status(_ path: String) throws(SystemError) -> stat {
        var info = stat()
        _ = try SystemCall.retrying("stat \(path)") { lstat(path, &info) }
        return info
    }

    /// Whether something exists at `path` (a dangling symbolic link counts).
    public static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    /// The names in a directory, without "." and "..".
    public static func listDirectory(_ path: String) throws(SystemError) -> [String] {
        guard let directory = opendir(path) else { throw SystemError(call: "opendir \(path)", errno: errno) }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Removes a file, or a directory with everything in it. Symbolic links are removed, never followed.
    public static func removeTree(_ path: String) throws(SystemError) {
        let info = try status(path)
        if (info.st_mode & S_IFMT) == S_IFDIR {
            for name in try listDirectory(path) { try removeTree(path + "/" + name) }
            _ = try SystemCall.retrying("rmdir \(path)") { rmdir(path) }
        } else {
            _ = try SystemCall.retrying("unlink \(path)") { unlink(path) }
        }
    }

    /// Writes a new file (it must not exist yet) and fsyncs it before returning.
    public static func writeNewFile(_ path: String, _ bytes: [UInt8], mode: mode_t = 0o600) throws(SystemError) {
        let fd = try FileDescriptor.open(path, O_WRONLY | O_CREAT | O_EXCL, mode: mode)
        let written: Result<Void, SystemError> = bytes.withUnsafeBytes { raw in Result { () throws(SystemError) in try fd.writeAll(raw) } }
        try written.get()
        try fd.synchronize(path)
        try fd.close()
    }
}

extension FileDescriptor {
    /// Reads from the current offset to the end of the file. Refuses more than `limit` bytes.
    public func readToEnd(limit: Int) throws(SystemError) -> [UInt8] {
        var bytes = [UInt8]()
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 1)
        defer { chunk.deallocate() }
        while true {
            let count = try read(into: chunk)
            if count == 0 { return bytes }
            if bytes.count + count > limit { throw SystemError(call: "read", errno: EFBIG) }
            bytes.append(contentsOf: chunk[0..<count])
        }
    }
}
