#if canImport(Glibc)
import Glibc
#endif

extension FileSystem {
    /// Bytes an unprivileged process may still write on the file system holding `path` (statvfs).
    public static func freeBytes(_ path: String) throws(SystemError) -> Int64 {
        try space(path).free
    }

    /// Free (for an unprivileged process) and total bytes of the file system holding `path` (statvfs).
    public static func space(_ path: String) throws(SystemError) -> (free: Int64, total: Int64) {
        var info = statvfs()
        _ = try SystemCall.retrying("statvfs \(path)", { statvfs(path, &info) })
        return (Int64(info.f_bavail) * Int64(info.f_frsize), Int64(info.f_blocks) * Int64(info.f_frsize))
    }

    /// `path` with every symbolic link resolved (realpath); nil when it does not exist.
    public static func resolvedPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
