#if canImport(Glibc)
import Glibc
#endif

extension FileSystem {
    /// Bytes an unprivileged process may still write on the file system holding `path` (statvfs).
    public static func freeBytes(_ path: String) throws(SystemError) -> Int64 {
        var info = statvfs()
        _ = try SystemCall.retrying("statvfs \(path)", { statvfs(path, &info) })
        return Int64(info.f_bavail) * Int64(info.f_frsize)
    }
}
