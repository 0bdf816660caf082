#if canImport(Glibc)
import Glibc
#endif

/// stdout and stderr written through the descriptors (not stdio's buffers, which Swift 6 cannot share
/// safely between threads): one place, whole text, short writes and EINTR handled by `writeAll`.
public enum StandardStreams {
    public static func writeOutput(_ text: String) { write(text, to: 1) }
    public static func writeError(_ text: String) { write(text, to: 2) }

    /// Whether `descriptor` (1: stdout, 2: stderr) is a terminal, for colour and progress output.
    public static func isTerminal(_ descriptor: Int32) -> Bool { isatty(descriptor) == 1 }

    /// stderr's device and inode, which systemd compares with `$JOURNAL_STREAM` to say stderr goes to the
    /// journal; nil when stderr is closed.
    public static func errorStreamIdentity() -> (device: UInt64, inode: UInt64)? {
        let fd = FileDescriptor(owning: 2)
        let info = try? fd.status()
        _ = fd.release()
        guard let info else { return nil }
        return (UInt64(info.st_dev), UInt64(info.st_ino))
    }

    private static func write(_ text: String, to descriptor: Int32) {
        let fd = FileDescriptor(owning: descriptor)
        // Nothing sensible can be done when stdout or stderr is gone; the text is dropped.
        let bytes = Array(text.utf8)
        bytes.withUnsafeBytes { raw in _ = try? fd.writeAll(raw) }
        _ = fd.release()
    }
}

extension FileDescriptor {
    /// Gives the descriptor back without closing it (for descriptors this code does not own, such as 1 and 2).
    public consuming func release() -> Int32 {
        let fd = rawValue
        discard self
        return fd
    }
}
