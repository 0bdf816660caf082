#if canImport(Glibc)
import Glibc
#endif

/// One datagram to a Unix socket path ('@' at the start names the abstract namespace), as the systemd
/// notify and journal protocols want. No connection, no state.
public enum UnixDatagram {
    /// Sends `bytes` as one datagram. A path that is empty or longer than `sockaddr_un` holds is
    /// ENAMETOOLONG, before any socket is made.
    public static func send(_ bytes: [UInt8], to path: String) throws(SystemError) {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var pathBytes = Array(path.utf8)
        if pathBytes.first == UInt8(ascii: "@") { pathBytes[0] = 0 }
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard !pathBytes.isEmpty, pathBytes.count < capacity else { throw SystemError(call: "sendto \(path)", errno: ENAMETOOLONG) }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in pathBytes.enumerated() { raw[index] = byte }
        }
        // An abstract name is counted exactly; a path name with its terminating zero.
        let length = socklen_t(MemoryLayout<sa_family_t>.size + pathBytes.count + (pathBytes[0] == 0 ? 0 : 1))
        let raw = try SystemCall.retrying("socket AF_UNIX") {
            Glibc.socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        }
        let socket = FileDescriptor(owning: raw)
        let sent: Result<Int, SystemError> = bytes.withUnsafeBytes { payload in
            withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                    Result { () throws(SystemError) in
                        try SystemCall.retrying("sendto \(path)") {
                            Glibc.sendto(socket.rawValue, payload.baseAddress, payload.count, Int32(MSG_NOSIGNAL), socketAddress, length)
                        }
                    }
                }
            }
        }
        // A datagram goes whole or not at all; a short count would be a kernel surprise, reported as such.
        guard try sent.get() == bytes.count else { throw SystemError(call: "sendto \(path) (short)", errno: EMSGSIZE) }
    }
}
