#if canImport(Glibc)
import Glibc
#endif

/// stdout and stderr written through the descriptors (not stdio's buffers, which Swift 6 cannot share
/// safely between threads): one place, whole text, short writes and EINTR handled by `writeAll`.
public enum StandardStreams {
    public static func writeOutput(_ text: String) { write(text, to: 1) }
    public static func writeError(_ text: String) { write(text, to: 2) }

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
