#if canImport(Glibc)
import Glibc
#endif
import CPlatform

extension FileDescriptor {
    /// inotify_init1(2): a new inotify instance, non-blocking and close-on-exec; its events are read with
    /// `poll` and `read(into:)`.
    public static func inotify() throws(SystemError) -> FileDescriptor {
        FileDescriptor(owning: try SystemCall.retrying("inotify_init1") { inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC)) })
    }

    /// inotify_add_watch(2): reports `events` (an `IN_*` mask) on `path` to this inotify instance.
    public func addWatch(_ path: String, events: UInt32) throws(SystemError) {
        _ = try SystemCall.retrying("inotify_add_watch \(path)") { inotify_add_watch(rawValue, path, events) }
    }
}
