#if canImport(Glibc)
import Glibc
#endif

/// Socket calls on descriptors another library owns (libmicrohttpd's connections).
public enum Socket {
    /// Shuts a connected socket down in both directions without closing it: the owner's next read
    /// returns end-of-file and it closes the connection itself. Errors (ENOTCONN: already gone) are
    /// ignored, there is nothing left to do then.
    public static func shutdown(_ descriptor: Int32) {
        _ = try? SystemCall.retrying("shutdown", { Glibc.shutdown(descriptor, Int32(SHUT_RDWR)) })
    }
}
