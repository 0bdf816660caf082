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

/// A host name or address that getaddrinfo(3) could not turn into a socket address, with its reason.
public struct AddressResolutionError: Error, Equatable, Sendable, CustomStringConvertible {
    public var host: String
    /// gai_strerror(3)'s text, such as "Name or service not known".
    public var reason: String
    public var description: String { "\(host): \(reason)" }
}

extension Socket {
    /// getaddrinfo(3) for a stream socket to listen on (`AI_PASSIVE`): the first address of `host:port`.
    public static func listeningAddress(host: String, port: UInt16) throws(AddressResolutionError) -> (storage: sockaddr_storage, family: Int32) {
        var hints = addrinfo()
        hints.ai_flags = AI_PASSIVE
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &result)
        guard status == 0, let first = result else {
            throw AddressResolutionError(host: host, reason: String(cString: gai_strerror(status)))
        }
        defer { freeaddrinfo(result) }
        var storage = sockaddr_storage()
        withUnsafeMutableBytes(of: &storage) { target in
            target.copyMemory(from: UnsafeRawBufferPointer(start: first.pointee.ai_addr, count: Int(first.pointee.ai_addrlen)))
        }
        return (storage, first.pointee.ai_family)
    }
}
