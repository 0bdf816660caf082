import Submission
import CMicroHTTPD
import Configuration
import Foundation
import Platform

/// What `fotobox-office` is started with.
public struct OfficeServerSettings: Sendable {
    /// The address to listen on (a numeric IPv4/IPv6 address or a name resolved at start) and the port
    /// (0: any free port).
    public var host: String
    public var port: UInt16
    /// PEM text of the server's certificate (chain) and key, and of the CA that signs the clients' certificates.
    public var certificatePEM: [UInt8]
    public var keyPEM: [UInt8]
    public var clientCAPEM: [UInt8]
    /// A certificate revocation list file (PEM or DER) signed by the client CA; re-read when it changes.
    public var crlPath: String?
    /// Connections open at once, in all and from one client address. A station keeps two; a clerk's
    /// browser up to six.
    public var maximumConnections: Int
    public var maximumConnectionsPerAddress: Int
    /// Seconds a connection may sit idle before it is closed.
    public var connectionTimeout: Int
    /// How long a client has from the TCP connect to the end of its first request's headers (TLS
    /// handshake included); then the connection is cut, however busy the client keeps it.
    public var handshakeDeadline: Duration

    public init(host: String, port: UInt16, certificatePEM: [UInt8], keyPEM: [UInt8], clientCAPEM: [UInt8], crlPath: String? = nil,
                maximumConnections: Int = 256, maximumConnectionsPerAddress: Int = 8, connectionTimeout: Int = 30,
                handshakeDeadline: Duration = .seconds(10)) {
        self.host = host
        self.port = port
        self.certificatePEM = certificatePEM
        self.keyPEM = keyPEM
        self.clientCAPEM = clientCAPEM
        self.crlPath = crlPath
        self.maximumConnections = maximumConnections
        self.maximumConnectionsPerAddress = maximumConnectionsPerAddress
        self.connectionTimeout = connectionTimeout
        self.handshakeDeadline = handshakeDeadline
    }
}

/// The office's HTTPS server on libmicrohttpd (GnuTLS), one thread per connection.
///
/// Clients are checked during the TLS handshake, before they can send a byte of HTTP: a certificate is
/// required and `ClientCertificatePolicy` (chain, clientAuth, role, CRL) runs as the session's verify
/// function, so a client without an acceptable certificate costs one handshake and nothing more. Against
/// clients that hold connections open without finishing (issue 16.1): at most `maximumConnectionsPerAddress`
/// connections per client address, and `ConnectionWatch` cuts every connection that has not delivered its
/// first request's headers within `handshakeDeadline`, so slow handshakes and slow headers cannot keep
/// stations out. Each request is then routed by `OfficeAPI` with the role from the certificate.
public final class OfficeServer: @unchecked Sendable {
    // @unchecked: `daemon`, `port` and `pemStrings` are written only by start/stop (one caller, before
    // and after libmicrohttpd's threads run); the threads only read `api`, `policy`, `watch` and `log`.
    public let api: OfficeAPI
    /// The port actually bound (useful with port 0).
    public private(set) var port: UInt16 = 0
    private var daemon: OpaquePointer?
    private let log: @Sendable (String) -> Void
    private var policy: ClientCertificatePolicy?
    private var watch: ConnectionWatch?
    // Kept alive while the daemon runs: libmicrohttpd holds pointers into them.
    private var pemStrings: [UnsafeMutablePointer<CChar>] = []

    public init(api: OfficeAPI, log: @escaping @Sendable (String) -> Void) {
        self.api = api
        self.log = log
    }

    deinit {
        stop()
        pemStrings.forEach { free($0) }
    }

    /// Binds and starts serving in libmicrohttpd's threads (one per connection).
    public func start(_ settings: OfficeServerSettings) throws(OfficeError) {
        guard daemon == nil else { return }
        let policy = try ClientCertificatePolicy(clientCAPEM: settings.clientCAPEM, crlPath: settings.crlPath, log: log)
        let watch = ConnectionWatch(policy: policy, deadline: settings.handshakeDeadline, log: log)
        self.policy = policy
        self.watch = watch
        var address = try Self.socketAddress(host: settings.host, port: settings.port)
        let certificate = strdup(String(decoding: settings.certificatePEM, as: UTF8.self))!
        let key = strdup(String(decoding: settings.keyPEM, as: UTF8.self))!
        let trust = strdup(String(decoding: settings.clientCAPEM, as: UTF8.self))!
        pemStrings = [certificate, key, trust]
        let completed: MHD_RequestCompletedCallback = { _, _, context, _ in
            guard let context, let pointer = context.pointee else { return }
            Unmanaged<PendingRequest>.fromOpaque(pointer).release()
            context.pointee = nil
        }
        let notify: MHD_NotifyConnectionCallback = { context, connection, _, event in
            guard let context, let connection else { return }
            let watch = Unmanaged<ConnectionWatch>.fromOpaque(context).takeUnretainedValue()
            // 0: MHD_CONNECTION_NOTIFY_STARTED, 1: MHD_CONNECTION_NOTIFY_CLOSED.
            if event.rawValue == 0 { watch.opened(connection) } else { watch.closed(connection) }
        }
        var flags = MHD_USE_TLS.rawValue | MHD_USE_INTERNAL_POLLING_THREAD.rawValue | MHD_USE_THREAD_PER_CONNECTION.rawValue
            | MHD_USE_POLL.rawValue | MHD_USE_ERROR_LOG.rawValue
        if address.family == AF_INET6 { flags |= MHD_USE_IPv6.rawValue }
        let watchContext = Unmanaged.passUnretained(watch).toOpaque()
        let started: OpaquePointer? = withUnsafeMutableBytes(of: &address.storage) { raw in
            var options = [
                MHD_OptionItem(option: .SOCK_ADDR, value: 0, ptr_value: raw.baseAddress),
                MHD_OptionItem(option: .HTTPS_MEM_CERT, value: 0, ptr_value: UnsafeMutableRawPointer(certificate)),
                MHD_OptionItem(option: .HTTPS_MEM_KEY, value: 0, ptr_value: UnsafeMutableRawPointer(key)),
                MHD_OptionItem(option: .HTTPS_MEM_TRUST, value: 0, ptr_value: UnsafeMutableRawPointer(trust)),
                MHD_OptionItem(option: .HTTPS_PRIORITIES, value: 0,
                               ptr_value: UnsafeMutableRawPointer(mutating: Self.priorities)),
                MHD_OptionItem(option: .CONNECTION_LIMIT, value: settings.maximumConnections, ptr_value: nil),
                MHD_OptionItem(option: .PER_IP_CONNECTION_LIMIT, value: settings.maximumConnectionsPerAddress, ptr_value: nil),
                MHD_OptionItem(option: .CONNECTION_TIMEOUT, value: settings.connectionTimeout, ptr_value: nil),
                MHD_OptionItem(option: .NOTIFY_COMPLETED, value: unsafeBitCast(completed, to: Int.self), ptr_value: nil),
                MHD_OptionItem(option: .NOTIFY_CONNECTION, value: unsafeBitCast(notify, to: Int.self), ptr_value: watchContext),
                MHD_OptionItem(option: .END, value: 0, ptr_value: nil),
            ]
            return options.withUnsafeMutableBufferPointer { items in
                fotobox_mhd_start(flags, 0, Self.accessHandler, Unmanaged.passUnretained(self).toOpaque(), items.baseAddress)
            }
        }
        guard let started else {
            throw .settings("cannot serve HTTPS on \(settings.host):\(settings.port): the address is in use or not local, or the TLS certificate, key or client CA is not valid PEM")
        }
        daemon = started
        port = fotobox_mhd_bound_port(started)
        watch.startWatching()
    }

    /// Stops accepting and closes every connection.
    public func stop() {
        guard let daemon else { return }
        MHD_stop_daemon(daemon)
        self.daemon = nil
        watch?.stopWatching()
    }

    /// TLS 1.2 and 1.3 only.
    nonisolated(unsafe) private static let priorities: UnsafePointer<CChar> = UnsafePointer(strdup("NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2")!)

    /// One request's state across libmicrohttpd's calls: the body so far, or the early answer.
    final class PendingRequest {
        var body: [UInt8] = []
        var answered = false
        var client = ClientIdentity(role: .station, name: "")
        var started = ContinuousClock.now
    }

    private static let accessHandler: MHD_AccessHandlerCallback = { cls, connection, url, method, _, uploadData, uploadSize, context in
        guard let cls, let connection, let context, let uploadSize else { return MHD_Result.NO }
        let server = Unmanaged<OfficeServer>.fromOpaque(cls).takeUnretainedValue()
        return server.handle(connection: connection, url: url.map { String(cString: $0) } ?? "/",
                             method: method.map { String(cString: $0) } ?? "", uploadData: uploadData,
                             uploadSize: uploadSize, context: context)
    }

    private func handle(connection: OpaquePointer, url: String, method: String, uploadData: UnsafePointer<CChar>?,
                        uploadSize: UnsafeMutablePointer<Int>, context: UnsafeMutablePointer<UnsafeMutableRawPointer?>) -> MHD_Result {
        guard let pointer = context.pointee else {
            // First call: headers only. The handshake already refused bad certificates; the role is read
            // again here (the CRL may have changed since the handshake) before any byte of the body.
            let request = PendingRequest()
            context.pointee = Unmanaged.passRetained(request).toOpaque()
            watch?.headersArrived(connection)
            let session = ConnectionWatch.tlsSession(connection)
            switch policy?.check(session: session) ?? .failure(.noCertificate) {
            case .failure(let refusal):
                log("fotobox-office: 403 \(method) \(Self.printablePath(url)): \(refusal)")
                request.answered = true
                return queue(connection, .error(403, "a client certificate issued by the office's client CA is required (\(refusal))"), close: true)
            case .success(let client):
                request.client = client
            }
            if let length = header(connection, "Content-Length").flatMap({ Int($0) }), length > SubmissionRules.bodyByteLimit {
                request.answered = true
                log("fotobox-office: 413 \(method) \(Self.printablePath(url)): \(length) bytes announced")
                return queue(connection, .error(413, "the request body is larger than \(SubmissionRules.bodyByteLimit) bytes"), close: true)
            }
            // A role that may not use this endpoint is refused before its body is read.
            if let refusal = api.authorize(method: method, path: url, role: request.client.role) {
                request.answered = true
                log("fotobox-office: \(refusal.status) \(method) \(Self.printablePath(url)) (\(request.client.role.rawValue))")
                return queue(connection, refusal, close: true)
            }
            return MHD_Result.YES
        }
        let request = Unmanaged<PendingRequest>.fromOpaque(pointer).takeUnretainedValue()
        if uploadSize.pointee > 0 {
            let count = uploadSize.pointee
            uploadSize.pointee = 0
            if request.answered { return MHD_Result.YES }
            guard request.body.count + count <= SubmissionRules.bodyByteLimit, let uploadData else {
                // A chunked body past the limit: libmicrohttpd cannot answer mid-upload, so the connection is closed.
                log("fotobox-office: \(method) \(Self.printablePath(url)): body over \(SubmissionRules.bodyByteLimit) bytes, connection closed")
                return MHD_Result.NO
            }
            request.body.append(contentsOf: UnsafeRawBufferPointer(start: uploadData, count: count))
            return MHD_Result.YES
        }
        if request.answered { return MHD_Result.YES }
        request.answered = true
        let response = api.handle(method: method, path: url, client: request.client, header: { self.header(connection, $0) }, body: request.body)
        let elapsed = ContinuousClock.now - request.started
        let milliseconds = Int64(elapsed.inMilliseconds)
        log("fotobox-office: \(response.status) \(method) \(Self.printablePath(url)) (\(request.client.role.rawValue), \(request.body.count) bytes, \(milliseconds) ms)")
        request.body = []
        return queue(connection, response, close: false)
    }

    private func header(_ connection: OpaquePointer, _ name: String) -> String? {
        MHD_lookup_connection_value(connection, .HEADER_KIND, name).map { String(cString: $0) }
    }

    private func queue(_ connection: OpaquePointer, _ response: OfficeResponse, close: Bool) -> MHD_Result {
        let created = response.body.withUnsafeBytes { raw in
            MHD_create_response_from_buffer(raw.count, UnsafeMutableRawPointer(mutating: raw.baseAddress), .RESPMEM_MUST_COPY)
        }
        guard let created else { return MHD_Result.NO }
        defer { MHD_destroy_response(created) }
        MHD_add_response_header(created, "Content-Type", response.contentType)
        MHD_add_response_header(created, "Cache-Control", "no-store")
        MHD_add_response_header(created, "X-Content-Type-Options", "nosniff")
        if response.contentType.hasPrefix("text/html") {
            MHD_add_response_header(created, "Content-Security-Policy", "default-src 'self'; img-src 'self' blob: data:; frame-ancestors 'none'")
        }
        if close { MHD_add_response_header(created, "Connection", "close") }
        return MHD_queue_response(connection, UInt32(response.status), created)
    }

    /// The path without case IDs (logs carry no case numbers).
    static func printablePath(_ url: String) -> String {
        OfficeAPI.loggablePath(url)
    }

    /// `host:port` as a socket address (IPv4 or IPv6; a host name is resolved once at start).
    static func socketAddress(host: String, port: UInt16) throws(OfficeError) -> (storage: sockaddr_storage, family: Int32) {
        var hints = addrinfo()
        hints.ai_flags = AI_PASSIVE
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &result)
        guard status == 0, let first = result else {
            throw .settings("--listen \(host): \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(result) }
        var storage = sockaddr_storage()
        withUnsafeMutableBytes(of: &storage) { target in
            target.copyMemory(from: UnsafeRawBufferPointer(start: first.pointee.ai_addr, count: Int(first.pointee.ai_addrlen)))
        }
        return (storage, first.pointee.ai_family)
    }
}
