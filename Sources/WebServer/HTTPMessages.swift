import CMicroHTTPD

/// One HTTP request as the handler sees it: the body is complete and within the limit the handler chose.
public struct HTTPRequest: Sendable {
    public var method: String
    /// The path, percent-decoded by libmicrohttpd, without the query.
    public var path: String
    public var query: [String: String]
    /// Header names in lower case; of a header sent twice, the first (as libmicrohttpd's own lookup).
    public var headers: [String: String]
    public var body: [UInt8]

    public init(method: String, path: String, query: [String: String] = [:], headers: [String: String] = [:], body: [UInt8] = []) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
    }

    /// The header `name` (any case), or nil.
    public func header(_ name: String) -> String? { headers[name.lowercased()] }
}

/// A request whose headers are in and whose body is not read yet: what `HTTPServer.Admit` decides on.
/// Not Sendable: `connection` is valid only during the call it is handed to.
public struct HTTPRequestHead {
    public var method: String
    /// The path, percent-decoded, without the query.
    public var path: String
    public var query: [String: String]
    /// Header names in lower case (the first of a repeated header).
    public var headers: [String: String]
    public let connection: HTTPConnection

    /// The header `name` (any case), or nil.
    public func header(_ name: String) -> String? { headers[name.lowercased()] }

    /// The body length the client announced (`Content-Length`); nil when it announced none (chunked, or no body).
    public var announcedLength: Int? { header("Content-Length").flatMap { Int($0) } }
}

/// What the server does with a request once its headers are in.
public enum HTTPAdmission: Sendable {
    /// Refuse it with this answer before a byte of the body is read; the connection is closed after it.
    case refuse(HTTPResponse)
    /// Read the body, at most `limit` bytes, then answer with `respond`. A body over the limit gets
    /// `tooLarge()` instead (and the connection is closed after it): at once when `Content-Length` announces
    /// it, otherwise when the end is reached; a chunked body that goes on more than
    /// `HTTPServer.discardAllowance` bytes past the limit is not read to its end: the connection is cut.
    /// `tooLarge` is called in every one of these cases (the caller may log there).
    case read(limit: Int, tooLarge: @Sendable () -> HTTPResponse, respond: @Sendable (HTTPRequest) -> HTTPResponse)
}

/// A response body produced piece by piece (MJPEG, Server-Sent Events). `next` may block; it returns
/// nil at the end of the stream.
///
/// Not `Sendable`: a stream is made and used by one thread, the connection's own (libmicrohttpd runs a thread
/// per connection, and calls the handler and then the stream's reader on it). The `Sendable` `HTTPResponse`
/// does not carry the stream but a `@Sendable` maker (`Body.stream`), which the server calls on that thread
/// when it queues the answer; the stream comes back `sending`, so nothing else refers to it.
public protocol HTTPStream: AnyObject {
    func next() -> [UInt8]?
}

/// An answer: status, headers (in order) and a body, whole or streamed.
public struct HTTPResponse: Sendable {
    public enum Body: Sendable {
        case bytes([UInt8])
        /// Makes the stream on the connection's thread, which alone reads it from then on. Capture only what
        /// the stream needs (all `Sendable`); the maker is called once.
        case stream(@Sendable () -> sending any HTTPStream)
    }

    public var status: Int
    public var headers: [(String, String)]
    public var body: Body

    public init(status: Int, headers: [(String, String)] = [], body: Body = .bytes([])) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

/// One of the server's connections, as a `HTTPConnectionObserver` and `HTTPServer.Admit` see it. It wraps
/// libmicrohttpd's connection handle and is valid only during the call it is handed to (hence not Sendable).
public struct HTTPConnection {
    let handle: OpaquePointer

    /// Unique among the open connections (a closed connection's number may be reused).
    public var id: UInt { UInt(bitPattern: Int(bitPattern: handle)) }

    /// The connection's socket (-1 if unknown). Only `Socket.shutdown` on it, and only before `closed`.
    public var socket: Int32 { fotobox_mhd_connection_socket(handle) }

    /// The client's IPv4/IPv6 address as text ("?" when unknown).
    public var clientAddress: String {
        var buffer = [CChar](repeating: 0, count: 64)
        fotobox_mhd_client_address(handle, &buffer, buffer.count)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The GnuTLS session (`gnutls_session_t`) of a TLS connection, nil for plain HTTP. Untyped so that this
    /// module does not link GnuTLS: only a server that checks client certificates (the office) looks into it.
    public var tlsSession: OpaquePointer? { fotobox_mhd_tls_session(handle).map(OpaquePointer.init) }
}

/// Told about each connection's life, on libmicrohttpd's threads; every call must return quickly.
public protocol HTTPConnectionObserver: Sendable {
    /// Accepted: before the connection's thread starts and before any TLS handshake (a verify function
    /// installed on `tlsSession` now runs in the handshake).
    func opened(_ connection: HTTPConnection)
    /// The headers of a request are in (for every request on the connection), before `Admit` runs.
    func headersArrived(_ connection: HTTPConnection)
    /// Closing; its socket is still open.
    func closed(_ connection: HTTPConnection)
}
