import Submission
import Foundation
import Platform
import WebServer

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

/// The office's HTTPS server: a composition over WebServer's `HTTPServer` (libmicrohttpd, GnuTLS, one
/// thread per connection).
///
/// Clients are checked during the TLS handshake, before they can send a byte of HTTP: a certificate is
/// required and `ClientCertificatePolicy` (chain, clientAuth, role, CRL) runs as the session's verify
/// function (installed by `ConnectionWatch` when the connection opens), so a client without an acceptable
/// certificate costs one handshake and nothing more. Against clients that hold connections open without
/// finishing (issue 16.1): at most `maximumConnectionsPerAddress` connections per client address, and
/// `ConnectionWatch` cuts every connection that has not delivered its first request's headers within
/// `handshakeDeadline`, so slow handshakes and slow headers cannot keep stations out. When a request's
/// headers are in, the role is read from the certificate again (the CRL may have changed) and `OfficeAPI`
/// authorises it before a byte of the body is read; bodies up to `SubmissionRules.bodyByteLimit` are read.
public final class OfficeServer: Sendable {
    public let api: OfficeAPI
    private let http: HTTPServer
    private let watch: ConnectionWatch

    /// Binds and starts serving; stops when `stop()` is called.
    public init(api: OfficeAPI, settings: OfficeServerSettings, log: @escaping @Sendable (String) -> Void) throws(OfficeError) {
        self.api = api
        let policy = try ClientCertificatePolicy(clientCAPEM: settings.clientCAPEM, crlPath: settings.crlPath, log: log)
        let watch = ConnectionWatch(policy: policy, deadline: settings.handshakeDeadline, log: log)
        let limits = HTTPServerLimits(connections: settings.maximumConnections, connectionsPerAddress: settings.maximumConnectionsPerAddress,
                                      whenFull: .refuseNewcomers, idleTimeout: .seconds(settings.connectionTimeout),
                                      memoryPerConnection: 32 * 1024)
        let tls = HTTPServerTLS(certificatePEM: settings.certificatePEM, keyPEM: settings.keyPEM, clientTrustPEM: settings.clientCAPEM)
        do {
            http = try HTTPServer(host: settings.host, port: settings.port, limits: limits, tls: tls, observer: watch) { head in
                Self.admit(head, api: api, policy: policy, log: log)
            }
        } catch {
            switch error {
            case .badAddress(let host, let reason): throw .settings("--listen \(host): \(reason)")
            case .cannotStart: throw .settings("cannot serve HTTPS on \(settings.host):\(settings.port): the address is in use or not local, or the TLS certificate, key or client CA is not valid PEM")
            }
        }
        self.watch = watch
        do {
            try watch.startWatching()
        } catch {
            http.stop()
            throw .system(error)
        }
    }

    /// The port actually bound (useful with port 0).
    public var port: UInt16 { http.port }

    /// Stops accepting and closes every connection.
    public func stop() {
        http.stop()
        watch.stopWatching()
    }

    deinit { stop() }

    /// A request whose headers are in: the client's identity from its certificate, the route's role; then
    /// the body up to the submission limit.
    static func admit(_ head: HTTPRequestHead, api: OfficeAPI, policy: ClientCertificatePolicy,
                      log: @escaping @Sendable (String) -> Void) -> HTTPAdmission {
        let path = printablePath(head.path)
        let method = head.method
        let client: ClientIdentity
        // The handshake already refused bad certificates; the role is read again here (the CRL may have
        // changed since the handshake) before any byte of the body.
        switch policy.check(session: ConnectionWatch.tlsSession(head.connection)) {
        case .failure(let refusal):
            log("fotobox-office: 403 \(method) \(path): \(refusal)")
            return .refuse(OfficeResponse.error(403, "a client certificate issued by the office's client CA is required (\(refusal))").http)
        case .success(let identity):
            client = identity
        }
        // A role that may not use this endpoint is refused before its body is read.
        if let refusal = api.authorize(method: method, path: head.path, role: client.role) {
            log("fotobox-office: \(refusal.status) \(method) \(path) (\(client.role.rawValue))")
            return .refuse(refusal.http)
        }
        let started = ContinuousClock.now
        let limit = SubmissionRules.bodyByteLimit
        let announced = head.announcedLength
        return .read(limit: limit, tooLarge: {
            log("fotobox-office: 413 \(method) \(path): " + (announced.map { "\($0) bytes announced" } ?? "body over \(limit) bytes"))
            return OfficeResponse.error(413, "the request body is larger than \(limit) bytes").http
        }, respond: { request in
            let response = api.handle(method: method, path: request.path, client: client, header: { request.header($0) }, body: request.body)
            let milliseconds = Int64((ContinuousClock.now - started).inMilliseconds)
            log("fotobox-office: \(response.status) \(method) \(path) (\(client.role.rawValue), \(request.body.count) bytes, \(milliseconds) ms)")
            return response.http
        })
    }

    /// The path without case IDs (logs carry no case numbers).
    static func printablePath(_ url: String) -> String {
        OfficeAPI.loggablePath(url)
    }
}

extension OfficeResponse {
    /// As sent: never cached, never sniffed; the desk's pages load nothing from elsewhere and are never framed.
    var http: HTTPResponse {
        var headers = [("Content-Type", contentType), ("Cache-Control", "no-store"), ("X-Content-Type-Options", "nosniff")]
        if contentType.hasPrefix("text/html") {
            headers.append(("Content-Security-Policy", "default-src 'self'; img-src 'self' blob: data:; frame-ancestors 'none'"))
        }
        return HTTPResponse(status: status, headers: headers, body: .bytes(body))
    }
}
