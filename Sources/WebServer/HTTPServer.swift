#if canImport(Glibc)
import Glibc
#endif
import CMicroHTTPD
import Platform

/// How many connections a server keeps and for how long.
public struct HTTPServerLimits: Sendable {
    /// What happens to a newcomer when every place is taken.
    public enum WhenFull: Sendable {
        /// The connection that has waited longest without being answered is cut (`ConnectionPlaces`): for
        /// a server whose clients all share one address (the kiosk's loopback), where a per-address limit
        /// cannot tell the attacker from the browser.
        case cutLongestWaiting
        /// libmicrohttpd refuses the newcomer (the office: its clients have addresses of their own, and the
        /// per-address limit and a handshake deadline keep one client from taking every place).
        case refuseNewcomers
    }

    /// Connections open at once.
    public var connections: Int
    /// Connections open at once from one client address; nil: no such limit.
    public var connectionsPerAddress: Int?
    public var whenFull: WhenFull
    /// How long a connection may sit idle (whole seconds; at least one) before libmicrohttpd closes it.
    public var idleTimeout: Duration
    /// libmicrohttpd's memory pool per connection: request headers beyond it are refused by libmicrohttpd itself.
    public var memoryPerConnection: Int

    public init(connections: Int = 32, connectionsPerAddress: Int? = nil, whenFull: WhenFull = .cutLongestWaiting,
                idleTimeout: Duration = .seconds(30), memoryPerConnection: Int = 64 * 1024) {
        self.connections = connections
        self.connectionsPerAddress = connectionsPerAddress
        self.whenFull = whenFull
        self.idleTimeout = idleTimeout
        self.memoryPerConnection = memoryPerConnection
    }
}

/// HTTPS through libmicrohttpd's GnuTLS: the server's certificate and key, and the CA of the clients'
/// certificates. libmicrohttpd only loads them; requiring and checking a client's certificate is the job of
/// the server's `HTTPConnectionObserver` (a GnuTLS verify function on `HTTPConnection.tlsSession`, installed
/// in `opened`), so this module needs no GnuTLS symbol of its own.
public struct HTTPServerTLS: Sendable {
    /// PEM text of the server's certificate (chain) and its key.
    public var certificatePEM: [UInt8]
    public var keyPEM: [UInt8]
    /// PEM text of the CA whose certificates clients present; nil: clients are not asked for one.
    public var clientTrustPEM: [UInt8]?
    /// A GnuTLS priority string.
    public var priorities: String

    /// TLS 1.2 and 1.3 only.
    public static let tls12And13 = "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"

    public init(certificatePEM: [UInt8], keyPEM: [UInt8], clientTrustPEM: [UInt8]? = nil, priorities: String = tls12And13) {
        self.certificatePEM = certificatePEM
        self.keyPEM = keyPEM
        self.clientTrustPEM = clientTrustPEM
        self.priorities = priorities
    }
}

/// Why a server did not start.
public enum HTTPServerError: Error, Sendable, Equatable, CustomStringConvertible {
    case badAddress(host: String, reason: String)
    case cannotStart(host: String, port: UInt16, tls: Bool)

    public var description: String {
        switch self {
        case .badAddress(let host, let reason): "'\(host)' is not an address to listen on: \(reason)"
        case .cannotStart(let host, let port, let tls):
            "cannot listen on \(host):\(port) (in use, or not an address of this machine"
                + (tls ? ", or the TLS certificate, key or client CA is not valid PEM)" : ")")
        }
    }
}

/// libmicrohttpd, wrapped once for the kiosk and the office: a thread per connection (so a stream may
/// block), plain HTTP or HTTPS (`HTTPServerTLS`). Each request is decided on in two steps: when its headers
/// are in, `admit` refuses it (before a byte of the body is read) or names the body limit and the handler;
/// the handler then gets the whole body. Headers above `HTTPServerLimits.memoryPerConnection` are refused
/// by libmicrohttpd itself. An `HTTPConnectionObserver` sees each connection open and close (the office
/// checks client certificates and cuts slow handshakes there).
///
/// Unchecked `Sendable` (the C-handle invariant): it wraps the libmicrohttpd daemon handle and the PEM copies libmicrohttpd points
/// into. `daemon` and `pemCopies` are written only in `init` and in `stop()` (called by the owner, and by
/// `deinit` after the owner let go); libmicrohttpd's threads read only the immutable `let`s.
public final class HTTPServer: @unchecked Sendable {
    /// Decides on a request once its headers are in; runs on the connection's thread.
    public typealias Admit = @Sendable (HTTPRequestHead) -> HTTPAdmission

    /// How far a chunked body may run past its limit and still be read to its end, so that the client gets
    /// the 413 answer; beyond it the connection is cut.
    public static let discardAllowance = 64 * 1024

    let admit: Admit
    let observer: (any HTTPConnectionObserver)?
    /// Who holds the connection places (`.cutLongestWaiting` only); a connection being answered keeps its place.
    let places: ConnectionPlaces?
    private var daemon: OpaquePointer?
    /// libmicrohttpd keeps pointers into these while the daemon runs.
    private var pemCopies: [UnsafeMutablePointer<CChar>] = []
    /// The port actually bound (the one asked for, or the kernel's choice for 0).
    public private(set) var port: UInt16 = 0
    public let host: String

    /// Binds `host` (a numeric IPv4/IPv6 address, `localhost` = 127.0.0.1, or a name resolved once now) and
    /// `port` (0: any free port) and starts serving.
    public init(host: String, port: UInt16, limits: HTTPServerLimits = HTTPServerLimits(), tls: HTTPServerTLS? = nil,
                observer: (any HTTPConnectionObserver)? = nil, admit: @escaping Admit) throws(HTTPServerError) {
        self.admit = admit
        self.observer = observer
        self.host = host
        places = limits.whenFull == .cutLongestWaiting ? ConnectionPlaces(places: limits.connections) : nil
        var address = try Self.socketAddress(host: host, port: port)
        var flags = MHD_USE_THREAD_PER_CONNECTION.rawValue | MHD_USE_INTERNAL_POLLING_THREAD.rawValue | MHD_USE_POLL.rawValue
        if address.family == AF_INET6 { flags |= MHD_USE_IPv6.rawValue }
        let context = Unmanaged.passUnretained(self).toOpaque()
        var options = [
            // libmicrohttpd's own limit is twice the places when connections are cut: a cut connection holds
            // its slot until its thread has seen the end of file, and a newcomer must find a slot meanwhile.
            MHD_OptionItem(option: .CONNECTION_LIMIT, value: places == nil ? limits.connections : 2 * limits.connections, ptr_value: nil),
            MHD_OptionItem(option: .CONNECTION_TIMEOUT, value: max(1, Int(limits.idleTimeout.components.seconds)), ptr_value: nil),
            MHD_OptionItem(option: .CONNECTION_MEMORY_LIMIT, value: limits.memoryPerConnection, ptr_value: nil),
            MHD_OptionItem(option: .NOTIFY_COMPLETED, value: unsafeBitCast(requestCompleted, to: Int.self), ptr_value: context),
            MHD_OptionItem(option: .NOTIFY_CONNECTION, value: unsafeBitCast(connectionNotified, to: Int.self), ptr_value: context),
        ]
        if let perAddress = limits.connectionsPerAddress {
            options.append(MHD_OptionItem(option: .PER_IP_CONNECTION_LIMIT, value: perAddress, ptr_value: nil))
        }
        if let tls {
            // libmicrohttpd's error log goes to stderr: for TLS it names failed handshakes.
            flags |= MHD_USE_TLS.rawValue | MHD_USE_ERROR_LOG.rawValue
            func copy(_ text: [UInt8]) -> UnsafeMutablePointer<CChar> {
                let made = strdup(String(decoding: text, as: UTF8.self))!
                pemCopies.append(made)
                return made
            }
            options.append(MHD_OptionItem(option: .HTTPS_MEM_CERT, value: 0, ptr_value: copy(tls.certificatePEM)))
            options.append(MHD_OptionItem(option: .HTTPS_MEM_KEY, value: 0, ptr_value: copy(tls.keyPEM)))
            if let trust = tls.clientTrustPEM {
                options.append(MHD_OptionItem(option: .HTTPS_MEM_TRUST, value: 0, ptr_value: copy(trust)))
            }
            options.append(MHD_OptionItem(option: .HTTPS_PRIORITIES, value: 0, ptr_value: copy(Array(tls.priorities.utf8))))
        }
        // The address lives until fotobox_mhd_start returned (libmicrohttpd binds inside).
        daemon = withUnsafeMutableBytes(of: &address.storage) { raw in
            options.append(MHD_OptionItem(option: .SOCK_ADDR, value: 0, ptr_value: raw.baseAddress))
            options.append(MHD_OptionItem(option: .END, value: 0, ptr_value: nil))
            return options.withUnsafeMutableBufferPointer { items in
                fotobox_mhd_start(flags, port, accessHandler, context, items.baseAddress)
            }
        }
        guard let daemon else {
            pemCopies.forEach { free($0) }
            pemCopies = []
            throw .cannotStart(host: host, port: port, tls: tls != nil)
        }
        self.port = fotobox_mhd_bound_port(daemon)
    }

    /// How many connections were cut to make room for a newcomer since the start (`.cutLongestWaiting`).
    public var connectionsCut: Int { places?.cutCount ?? 0 }

    /// Stops listening, closes every connection and waits for the connection threads (streams must end by
    /// themselves soon).
    public func stop() {
        if let daemon { MHD_stop_daemon(daemon) }
        daemon = nil
        pemCopies.forEach { free($0) }
        pemCopies = []
    }

    deinit { stop() }

    /// `host:port` as a socket address.
    static func socketAddress(host: String, port: UInt16) throws(HTTPServerError) -> (storage: sockaddr_storage, family: Int32) {
        do { return try Socket.listeningAddress(host: host == "localhost" ? "127.0.0.1" : host, port: port) } catch {
            throw .badAddress(host: host, reason: error.reason)
        }
    }
}

/// What libmicrohttpd keeps for one request between the calls of the access handler.
private final class PendingRequest {
    var head: HTTPRequest
    var limit = 0
    var tooLarge: (@Sendable () -> HTTPResponse)?
    var respond: (@Sendable (HTTPRequest) -> HTTPResponse)?
    /// Body bytes received, kept or not (those past `limit` are dropped).
    var received = 0
    /// An answer is queued (or the request was refused): nothing more is done with it.
    var answered = false
    init(head: HTTPRequest) { self.head = head }
}

/// A stream and what of its last piece is still to be sent; owned by the connection's thread (libmicrohttpd
/// calls `streamReader` and `streamFree` on it), which made the stream.
private final class StreamState {
    let stream: any HTTPStream
    var pending: [UInt8] = []
    var offset = 0
    init(_ stream: any HTTPStream) { self.stream = stream }
}

private final class Pairs {
    var values: [(String, String)] = []
}

private let requestCompleted: @convention(c) (UnsafeMutableRawPointer?, OpaquePointer?, UnsafeMutablePointer<UnsafeMutableRawPointer?>?, MHD_RequestTerminationCode) -> Void = { server, connection, context, _ in
    if let server, let connection {
        Unmanaged<HTTPServer>.fromOpaque(server).takeUnretainedValue().places?.moved(connection, to: .waiting)
    }
    guard let context, let pointer = context.pointee else { return }
    Unmanaged<PendingRequest>.fromOpaque(pointer).release()
    context.pointee = nil
}

private let connectionNotified: MHD_NotifyConnectionCallback = { server, connection, _, event in
    guard let server, let connection else { return }
    let owner = Unmanaged<HTTPServer>.fromOpaque(server).takeUnretainedValue()
    let wrapped = HTTPConnection(handle: connection)
    // 0: MHD_CONNECTION_NOTIFY_STARTED, 1: MHD_CONNECTION_NOTIFY_CLOSED.
    if event.rawValue == 0 {
        owner.places?.opened(connection, socket: wrapped.socket)
        owner.observer?.opened(wrapped)
    } else {
        owner.observer?.closed(wrapped)
        owner.places?.closed(connection)
    }
}

private let collectPair: MHD_KeyValueIterator = { context, _, key, value in
    guard let context, let key else { return .YES }
    Unmanaged<Pairs>.fromOpaque(context).takeUnretainedValue().values.append((String(cString: key), value.map { String(cString: $0) } ?? ""))
    return .YES
}

private func values(_ connection: OpaquePointer?, _ kind: MHD_ValueKind, lowercasingKeys: Bool) -> [String: String] {
    let pairs = Pairs()
    let context = Unmanaged.passUnretained(pairs).toOpaque()
    _ = MHD_get_connection_values(connection, kind, collectPair, context)
    var result: [String: String] = [:]
    for (key, value) in pairs.values {
        let name = lowercasingKeys ? key.lowercased() : key
        if result[name] == nil { result[name] = value }
    }
    return result
}

private let accessHandler: MHD_AccessHandlerCallback = { context, connection, url, method, _, uploadData, uploadSize, requestContext in
    guard let context, let connection, let requestContext, let uploadSize else { return MHD_Result.NO }
    let server = Unmanaged<HTTPServer>.fromOpaque(context).takeUnretainedValue()
    guard let pointer = requestContext.pointee else {
        // First call: only the headers are in.
        let head = HTTPRequest(method: method.map { String(cString: $0) } ?? "", path: url.map { String(cString: $0) } ?? "/",
                               query: values(connection, .GET_ARGUMENT_KIND, lowercasingKeys: false),
                               headers: values(connection, .HEADER_KIND, lowercasingKeys: true))
        let pending = PendingRequest(head: head)
        requestContext.pointee = Unmanaged.passRetained(pending).toOpaque()
        server.places?.moved(connection, to: .receiving)
        let wrapped = HTTPConnection(handle: connection)
        server.observer?.headersArrived(wrapped)
        switch server.admit(HTTPRequestHead(method: head.method, path: head.path, query: head.query, headers: head.headers, connection: wrapped)) {
        case .refuse(let response):
            pending.answered = true
            return queue(server, connection, response, close: true)
        case .read(let limit, let tooLarge, let respond):
            pending.limit = limit
            pending.tooLarge = tooLarge
            pending.respond = respond
            if let length = head.header("Content-Length").flatMap({ Int($0) }), length > limit {
                pending.answered = true
                return queue(server, connection, tooLarge(), close: true)
            }
            return .YES
        }
    }
    let pending = Unmanaged<PendingRequest>.fromOpaque(pointer).takeUnretainedValue()
    if uploadSize.pointee > 0 {
        let count = uploadSize.pointee
        uploadSize.pointee = 0
        if pending.answered { return .YES }
        pending.received += count
        if pending.received > pending.limit {
            pending.head.body = []
            // A chunked body far past the limit is not read to its end (libmicrohttpd cannot answer in the
            // middle of a body): the connection is cut.
            if pending.received - pending.limit > HTTPServer.discardAllowance {
                pending.answered = true
                _ = pending.tooLarge?()
                return .NO
            }
        } else if let uploadData {
            uploadData.withMemoryRebound(to: UInt8.self, capacity: count) { bytes in
                pending.head.body.append(contentsOf: UnsafeBufferPointer(start: bytes, count: count))
            }
        }
        return .YES
    }
    if pending.answered { return .YES }
    pending.answered = true
    if pending.received > pending.limit, let tooLarge = pending.tooLarge {
        return queue(server, connection, tooLarge(), close: true)
    }
    guard let respond = pending.respond else { return .NO }
    server.places?.moved(connection, to: .answering)
    let request = pending.head
    pending.head.body = []
    return queue(server, connection, respond(request), close: false)
}

private let streamReader: MHD_ContentReaderCallback = { context, _, buffer, maximum in
    guard let context, let buffer else { return -2 }
    let state = Unmanaged<StreamState>.fromOpaque(context).takeUnretainedValue()
    while state.offset >= state.pending.count {
        guard let next = state.stream.next() else { return -1 }  // MHD_CONTENT_READER_END_OF_STREAM
        state.pending = next
        state.offset = 0
    }
    let count = min(maximum, state.pending.count - state.offset)
    state.pending.withUnsafeBytes { raw in
        _ = memcpy(buffer, raw.baseAddress! + state.offset, count)
    }
    state.offset += count
    return count
}

private let streamFree: MHD_ContentReaderFreeCallback = { context in
    guard let context else { return }
    Unmanaged<StreamState>.fromOpaque(context).release()
}

/// Queues an answer; the connection keeps its place until it is sent. `close`: the connection ends after
/// it (an answer given before the body was read).
private func queue(_ server: HTTPServer, _ connection: OpaquePointer, _ response: HTTPResponse, close: Bool) -> MHD_Result {
    server.places?.moved(connection, to: .answering)
    let made: OpaquePointer?
    switch response.body {
    case .bytes(let bytes):
        made = bytes.withUnsafeBytes { raw in
            MHD_create_response_from_buffer(raw.count, UnsafeMutableRawPointer(mutating: raw.baseAddress), .RESPMEM_MUST_COPY)
        }
    case .stream(let makeStream):
        let state = Unmanaged.passRetained(StreamState(makeStream())).toOpaque()
        made = MHD_create_response_from_callback(UInt64.max, 32 * 1024, streamReader, state, streamFree)
        if made == nil { Unmanaged<StreamState>.fromOpaque(state).release() }
    }
    guard let made else { return .NO }
    defer { MHD_destroy_response(made) }
    for (name, value) in response.headers { _ = MHD_add_response_header(made, name, value) }
    if close { _ = MHD_add_response_header(made, "Connection", "close") }
    return MHD_queue_response(connection, UInt32(response.status), made)
}
