import Platform
import COpenSSL
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A TLS handshake with the office using libssl directly, as `fotoboxctl selftest` does it: no upload, and
/// the office's own certificate in hand (its expiry, its public key against `backend.pin`).
public enum OfficeProbe {
    /// Why the probe failed, one line for the technician.
    public struct Failure: Error, Sendable {
        public let message: String
    }

    /// What a successful handshake showed.
    public struct Answer: Sendable {
        public let protocolVersion: String
        public let milliseconds: Int
        /// The first line of the office's answer to a GET /: any answer shows it accepted the client certificate.
        public let statusLine: String
        /// Days until the office's certificate expires (negative: expired).
        public let serverCertificateDays: Int
    }

    /// Days until each certificate in a PEM file expires (negative: expired).
    public static func daysUntilExpiry(pemFile: String) -> Result<[Int], Failure> {
        guard !pemFile.isEmpty else { return .failure(Failure(message: "not set")) }
        guard let bio = BIO_new_file(pemFile, "r") else { return .failure(Failure(message: "cannot read")) }
        defer { BIO_free(bio) }
        var days: [Int] = []
        while let certificate = PEM_read_bio_X509(bio, nil, nil, nil) {
            days.append(daysUntilExpiry(certificate))
            X509_free(certificate)
        }
        ERR_clear_error()
        return days.isEmpty ? .failure(Failure(message: "holds no PEM certificate")) : .success(days)
    }

    private static func daysUntilExpiry(_ certificate: OpaquePointer) -> Int {
        var days: Int32 = 0, seconds: Int32 = 0
        guard ASN1_TIME_diff(&days, &seconds, nil, X509_get0_notAfter(certificate)) == 1 else { return 0 }
        // Rounded down: "expires in 0 days" is today.
        return Int(days) - (days <= 0 && seconds < 0 ? 1 : 0)
    }

    /// Connects, shakes hands with the client certificate, checks the pin and reads the first line of the
    /// office's answer to `GET /`, all within `timeoutSeconds` (monotonic).
    public static func handshake(host: String, port: UInt16, caFile: String, certificateFile: String, keyFile: String,
                          pin: String?, timeoutSeconds: Double) -> Result<Answer, Failure> {
        let started = ContinuousClock.now
        let deadline = started + .milliseconds(Int64(max(0, timeoutSeconds) * 1000))
        guard let context = SSL_CTX_new(TLS_client_method()) else { return .failure(Failure(message: "libssl: \(lastError())")) }
        defer { SSL_CTX_free(context) }
        _ = SSL_CTX_ctrl(context, SSL_CTRL_SET_MIN_PROTO_VERSION, Int(TLS1_2_VERSION), nil)
        guard SSL_CTX_load_verify_locations(context, caFile, nil) == 1 else { return .failure(Failure(message: "CA \(caFile): \(lastError())")) }
        guard SSL_CTX_use_certificate_chain_file(context, certificateFile) == 1 else {
            return .failure(Failure(message: "client cert \(certificateFile): \(lastError())"))
        }
        guard SSL_CTX_use_PrivateKey_file(context, keyFile, SSL_FILETYPE_PEM) == 1, SSL_CTX_check_private_key(context) == 1 else {
            return .failure(Failure(message: "client key \(keyFile): \(lastError())"))
        }
        SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)

        let socket: Int32
        switch connectSocket(host: host, port: port, deadline: deadline) {
        case .success(let fd): socket = fd
        case .failure(let error): return .failure(error)
        }
        defer { close(socket) }
        guard let ssl = SSL_new(context) else { return .failure(Failure(message: "libssl: \(lastError())")) }
        defer { SSL_free(ssl) }
        SSL_set_fd(ssl, socket)
        var address = in6_addr()
        if inet_pton(AF_INET, host, &address) == 1 || inet_pton(AF_INET6, host, &address) == 1 {
            X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host)
        } else {
            SSL_set1_host(ssl, host)
            _ = host.withCString { SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, Int(TLSEXT_NAMETYPE_host_name), UnsafeMutableRawPointer(mutating: $0)) }
        }
        if let failure = drive(ssl, socket: socket, deadline: deadline, { SSL_connect(ssl) }) {
            let verify = SSL_get_verify_result(ssl)
            if verify != X509_V_OK { return .failure(Failure(message: "the office's certificate is refused: \(String(cString: X509_verify_cert_error_string(verify)))")) }
            return .failure(Failure(message: "TLS handshake failed: \(failure)"))
        }
        let elapsed = ContinuousClock.now - started
        let milliseconds = Int(elapsed.inMilliseconds)
        guard let peer = SSL_get1_peer_certificate(ssl) else { return .failure(Failure(message: "the office sent no certificate")) }
        defer { X509_free(peer) }
        if let pin, let key = X509_get0_pubkey(peer) {
            // The pin is the SHA-256 of the DER SubjectPublicKeyInfo, as curl computes it.
            var der = [UInt8](repeating: 0, count: Int(max(i2d_PUBKEY(key, nil), 0)))
            _ = der.withUnsafeMutableBufferPointer { buffer in
                var cursor = buffer.baseAddress
                return i2d_PUBKEY(key, &cursor)
            }
            var digest = [UInt8](repeating: 0, count: 32)
            var size: UInt32 = 0
            _ = EVP_Digest(der, der.count, &digest, &size, EVP_sha256(), nil)
            let actual = "sha256//" + Data(digest).base64EncodedString()
            guard pin.split(separator: ";").contains(where: { $0 == actual }) else {
                return .failure(Failure(message: "the office's public key \(actual) does not match backend.pin"))
            }
        }
        // With TLS 1.3 the office judges the client certificate after the client's handshake is done: its
        // verdict (an alert, or an HTTP answer) comes with the first read.
        let request = Array("GET / HTTP/1.1\r\nHost: \(host)\r\nConnection: close\r\n\r\n".utf8)
        if let failure = drive(ssl, socket: socket, deadline: deadline, { request.withUnsafeBytes { SSL_write(ssl, $0.baseAddress, Int32($0.count)) } }) {
            return .failure(Failure(message: "the office refused the client certificate: \(failure)"))
        }
        var buffer = [UInt8](repeating: 0, count: 512)
        var count: Int32 = 0
        if let failure = drive(ssl, socket: socket, deadline: deadline, {
            count = buffer.withUnsafeMutableBytes { SSL_read(ssl, $0.baseAddress, Int32($0.count)) }
            return count
        }) {
            return .failure(Failure(message: "the office refused the client certificate: \(failure)"))
        }
        let statusLine = String(decoding: buffer.prefix(Int(count)), as: UTF8.self).split(separator: "\r\n").first.map(String.init) ?? "(empty answer)"
        return .success(Answer(protocolVersion: String(cString: SSL_get_version(ssl)), milliseconds: milliseconds,
                               statusLine: statusLine, serverCertificateDays: daysUntilExpiry(peer)))
    }

    /// Repeats a non-blocking libssl call, polling the socket as it asks, until it succeeds or the
    /// deadline passes; the failure's text, or nil.
    private static func drive(_ ssl: OpaquePointer, socket: Int32, deadline: ContinuousClock.Instant, _ call: () -> Int32) -> String? {
        while true {
            ERR_clear_error()
            let result = call()
            if result > 0 { return nil }
            let error = SSL_get_error(ssl, result)
            let events: Int16
            switch error {
            case SSL_ERROR_WANT_READ: events = Int16(POLLIN)
            case SSL_ERROR_WANT_WRITE: events = Int16(POLLOUT)
            case SSL_ERROR_ZERO_RETURN: return "the office closed the connection"
            case SSL_ERROR_SYSCALL: return ERR_peek_error() != 0 ? lastError() : "the connection was closed (\(String(cString: strerror(errno))))"
            default: return lastError()
            }
            let remaining = Self.seconds(until: deadline)
            guard remaining > 0 else { return "no answer within the connect timeout" }
            var descriptor = pollfd(fd: socket, events: events, revents: 0)
            let ready = poll(&descriptor, 1, Int32(min(remaining, 600) * 1000) + 1)
            if ready == 0 { return "no answer within the connect timeout" }
            if ready < 0 && errno != EINTR { return String(cString: strerror(errno)) }
        }
    }

    /// A non-blocking TCP connection to the first address of `host` that answers before the deadline.
    private static func connectSocket(host: String, port: UInt16, deadline: ContinuousClock.Instant) -> Result<Int32, Failure> {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let list else { return .failure(Failure(message: "cannot resolve \(host): \(String(cString: gai_strerror(status)))")) }
        defer { freeaddrinfo(list) }
        var lastProblem = "no address"
        var entry: UnsafeMutablePointer<addrinfo>? = list
        while let current = entry {
            entry = current.pointee.ai_next
            let fd = socket(current.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { lastProblem = String(cString: strerror(errno)); continue }
            if connect(fd, current.pointee.ai_addr, current.pointee.ai_addrlen) == 0 { return .success(fd) }
            guard errno == EINPROGRESS else { lastProblem = String(cString: strerror(errno)); close(fd); continue }
            var descriptor = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            var ready: Int32
            repeat {
                let remaining = Self.seconds(until: deadline)
                ready = remaining > 0 ? poll(&descriptor, 1, Int32(min(remaining, 600) * 1000) + 1) : 0
            } while ready < 0 && errno == EINTR
            guard ready > 0 else { lastProblem = "no connection within the connect timeout"; close(fd); continue }
            var problem: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &problem, &length)
            if problem == 0 { return .success(fd) }
            lastProblem = String(cString: strerror(problem))
            close(fd)
        }
        return .failure(Failure(message: "cannot connect: \(lastProblem)"))
    }

    private static func seconds(until deadline: ContinuousClock.Instant) -> Double { (deadline - .now).inSeconds }

    private static func lastError() -> String {
        let code = ERR_get_error()
        guard code != 0 else { return "unknown error" }
        var buffer = [UInt8](repeating: 0, count: 256)
        buffer.withUnsafeMutableBufferPointer { raw in
            raw.withMemoryRebound(to: CChar.self) { ERR_error_string_n(code, $0.baseAddress, $0.count) }
        }
        return String(decoding: buffer.prefix { $0 != 0 }, as: UTF8.self)
    }
}
