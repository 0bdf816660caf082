#if canImport(Glibc)
import Glibc
#endif
import CMicroHTTPD
import Foundation
import Platform

/// One HTTP request as the handler sees it: the body is complete and within the server's limit.
public struct HTTPRequest: Sendable {
    public var method: String
    /// The path, percent-decoded by libmicrohttpd, without the query.
    public var path: String
    public var query: [String: String]
    /// Header names in lower case.
    public var headers: [String: String]
    public var body: [UInt8]

    public init(method: String, path: String, query: [String: String] = [:], headers: [String: String] = [:], body: [UInt8] = []) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
    }
}

/// A response body produced piece by piece (MJPEG, Server-Sent Events). `next` may block; it returns
/// nil at the end of the stream. It runs on the connection's own thread.
public protocol HTTPStream: AnyObject, Sendable {
    func next() -> [UInt8]?
}

public struct HTTPResponse: Sendable {
    public enum Body: Sendable {
        case bytes([UInt8])
        case stream(any HTTPStream)
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

public enum HTTPServerError: Error, Sendable, Equatable, CustomStringConvertible {
    case badAddress(String)
    case cannotStart(host: String, port: UInt16)

    public var description: String {
        switch self {
        case .badAddress(let host): "kiosk.listen: '\(host)' is not an IPv4 or IPv6 address (or localhost)"
        case .cannotStart(let host, let port): "cannot listen on \(host):\(port) (in use, or not an address of this machine)"
        }
    }
}

/// libmicrohttpd, wrapped once: a thread per connection (so a stream may block), requests handed over
/// whole, bodies above `maxBodyBytes` answered with 413 before they are read, headers above the
/// connection memory limit refused by libmicrohttpd itself. A newcomer always gets one of the
/// `maxConnections` places: when they are taken, the connection that has waited longest without a request
/// being answered is cut (`ConnectionPlaces`), so idle or slow sockets cannot lock the health check out.
public final class HTTPServer: @unchecked Sendable {
    public typealias Handler = @Sendable (HTTPRequest) -> HTTPResponse

    let handler: Handler
    let maxBodyBytes: Int
    /// The answer to a body above `maxBodyBytes` (the API's own error shape).
    let tooLarge: @Sendable (_ maxBodyBytes: Int) -> HTTPResponse
    /// Who holds the connection places; a connection being answered keeps its place.
    let places: ConnectionPlaces
    private var daemon: OpaquePointer?
    /// The port actually bound (the one asked for, or the kernel's choice for 0).
    public private(set) var port: UInt16 = 0
    public let host: String

    public init(host: String, port: UInt16, maxBodyBytes: Int = 16 * 1024, maxConnections: Int = 32,
                tooLarge: @escaping @Sendable (_ maxBodyBytes: Int) -> HTTPResponse = HTTPServer.plainTooLarge,
                handler: @escaping Handler) throws(HTTPServerError) {
        self.handler = handler
        self.tooLarge = tooLarge
        self.maxBodyBytes = maxBodyBytes
        self.host = host
        places = ConnectionPlaces(places: maxConnections)
        let literal = host == "localhost" ? "127.0.0.1" : host
        var flags = UInt32(MHD_USE_THREAD_PER_CONNECTION.rawValue | MHD_USE_INTERNAL_POLLING_THREAD.rawValue | MHD_USE_POLL.rawValue)
        // The address lives until MHD_start_daemon returned (it binds inside).
        let address = UnsafeMutableRawPointer.allocate(byteCount: MemoryLayout<sockaddr_in6>.size, alignment: 8)
        defer { address.deallocate() }
        memset(address, 0, MemoryLayout<sockaddr_in6>.size)
        var v4 = sockaddr_in()
        var v6 = sockaddr_in6()
        if inet_pton(AF_INET, literal, &v4.sin_addr) == 1 {
            v4.sin_family = sa_family_t(AF_INET)
            v4.sin_port = port.bigEndian
            address.storeBytes(of: v4, as: sockaddr_in.self)
        } else if inet_pton(AF_INET6, literal, &v6.sin6_addr) == 1 {
            v6.sin6_family = sa_family_t(AF_INET6)
            v6.sin6_port = port.bigEndian
            address.storeBytes(of: v6, as: sockaddr_in6.self)
            flags |= UInt32(MHD_USE_IPv6.rawValue)
        } else {
            throw .badAddress(host)
        }
        var options = [
            MHD_OptionItem(option: .SOCK_ADDR, value: 0, ptr_value: address),
            // libmicrohttpd's own limit is twice the places: a cut connection holds its slot until its
            // thread has seen the end of file, and a newcomer must find a slot meanwhile.
            MHD_OptionItem(option: .CONNECTION_LIMIT, value: 2 * maxConnections, ptr_value: nil),
            MHD_OptionItem(option: .CONNECTION_TIMEOUT, value: 30, ptr_value: nil),
            MHD_OptionItem(option: .CONNECTION_MEMORY_LIMIT, value: 64 * 1024, ptr_value: nil),
            MHD_OptionItem(option: .NOTIFY_COMPLETED, value: unsafeBitCast(requestCompleted, to: Int.self),
                           ptr_value: Unmanaged.passUnretained(places).toOpaque()),
            MHD_OptionItem(option: .NOTIFY_CONNECTION, value: unsafeBitCast(connectionNotified, to: Int.self),
                           ptr_value: Unmanaged.passUnretained(places).toOpaque()),
            MHD_OptionItem(option: .END, value: 0, ptr_value: nil),
        ]
        let context = Unmanaged.passUnretained(self).toOpaque()
        daemon = options.withUnsafeMutableBufferPointer { items in
            fotobox_mhd_start(flags, port, accessHandler, context, items.baseAddress)
        }
        guard let daemon else { throw .cannotStart(host: host, port: port) }
        self.port = fotobox_mhd_bound_port(daemon)
    }

    /// Stops listening and waits for the connection threads (streams must end by themselves soon).
    /// 413 with a plain-text reason.
    public static let plainTooLarge: @Sendable (Int) -> HTTPResponse = { limit in
        HTTPResponse(status: 413, headers: [("Content-Type", "text/plain; charset=utf-8")],
                     body: .bytes(Array("the request body exceeds \(limit) bytes\n".utf8)))
    }

    /// How many connections were cut to make room for a newcomer since the start.
    public var connectionsCut: Int { places.cutCount }

    public func stop() {
        if let daemon { MHD_stop_daemon(daemon) }
        daemon = nil
    }

    deinit { stop() }
}

/// What libmicrohttpd keeps for one request between the calls of the access handler.
private final class PendingRequest {
    var body: [UInt8] = []
    var tooLarge = false
}

private final class StreamState {
    let stream: any HTTPStream
    var pending: [UInt8] = []
    var offset = 0
    init(_ stream: any HTTPStream) { self.stream = stream }
}

private final class Pairs {
    var values: [(String, String)] = []
}

private let requestCompleted: @convention(c) (UnsafeMutableRawPointer?, OpaquePointer?, UnsafeMutablePointer<UnsafeMutableRawPointer?>?, MHD_RequestTerminationCode) -> Void = { places, connection, context, _ in
    if let places, let connection {
        Unmanaged<ConnectionPlaces>.fromOpaque(places).takeUnretainedValue().moved(connection, to: .waiting)
    }
    guard let context, let pointer = context.pointee else { return }
    Unmanaged<PendingRequest>.fromOpaque(pointer).release()
    context.pointee = nil
}

private let connectionNotified: MHD_NotifyConnectionCallback = { places, connection, _, event in
    guard let places, let connection else { return }
    let owner = Unmanaged<ConnectionPlaces>.fromOpaque(places).takeUnretainedValue()
    // 0: MHD_CONNECTION_NOTIFY_STARTED, 1: MHD_CONNECTION_NOTIFY_CLOSED.
    if event.rawValue == 0 {
        owner.opened(connection, socket: fotobox_mhd_connection_socket(connection))
    } else {
        owner.closed(connection)
    }
}

private let collectPair: MHD_KeyValueIterator = { context, _, key, value in
    guard let context, let key else { return .YES }
    Unmanaged<Pairs>.fromOpaque(context).takeUnretainedValue().values.append((String(cString: key), value.map { String(cString: $0) } ?? ""))
    return .YES
}

private func values(_ connection: OpaquePointer?, _ kind: MHD_ValueKind) -> [(String, String)] {
    let pairs = Pairs()
    let context = Unmanaged.passUnretained(pairs).toOpaque()
    _ = MHD_get_connection_values(connection, kind, collectPair, context)
    return pairs.values
}

private let accessHandler: MHD_AccessHandlerCallback = { context, connection, url, method, _, uploadData, uploadSize, requestContext in
    guard let context, let requestContext, let uploadSize else { return MHD_Result.NO }
    let server = Unmanaged<HTTPServer>.fromOpaque(context).takeUnretainedValue()
    if requestContext.pointee == nil {
        // First call: only the headers are in. Refuse an announced oversized body before reading it.
        let pending = PendingRequest()
        requestContext.pointee = Unmanaged.passRetained(pending).toOpaque()
        server.places.moved(connection, to: .receiving)
        if let length = MHD_lookup_connection_value(connection, .HEADER_KIND, "Content-Length").flatMap({ Int(String(cString: $0)) }),
           length > server.maxBodyBytes {
            return answer(server, connection, server.tooLarge(server.maxBodyBytes))
        }
        return .YES
    }
    let pending = Unmanaged<PendingRequest>.fromOpaque(requestContext.pointee!).takeUnretainedValue()
    if uploadSize.pointee > 0 {
        if !pending.tooLarge, let uploadData {
            if pending.body.count + uploadSize.pointee > server.maxBodyBytes {
                pending.tooLarge = true
                pending.body = []
            } else {
                uploadData.withMemoryRebound(to: UInt8.self, capacity: uploadSize.pointee) { bytes in
                    pending.body.append(contentsOf: UnsafeBufferPointer(start: bytes, count: uploadSize.pointee))
                }
            }
        }
        uploadSize.pointee = 0
        return .YES
    }
    if pending.tooLarge {
        return answer(server, connection, server.tooLarge(server.maxBodyBytes))
    }
    var headers: [String: String] = [:]
    for (key, value) in values(connection, .HEADER_KIND) { headers[key.lowercased()] = value }
    var query: [String: String] = [:]
    for (key, value) in values(connection, .GET_ARGUMENT_KIND) { query[key] = value }
    let request = HTTPRequest(method: method.map { String(cString: $0) } ?? "", path: url.map { String(cString: $0) } ?? "/",
                              query: query, headers: headers, body: pending.body)
    server.places.moved(connection, to: .answering)
    return queue(connection, server.handler(request))
}

/// Queues an answer decided before the handler ran; the connection keeps its place until it is sent.
private func answer(_ server: HTTPServer, _ connection: OpaquePointer?, _ response: HTTPResponse) -> MHD_Result {
    server.places.moved(connection, to: .answering)
    return queue(connection, response)
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

private func queue(_ connection: OpaquePointer?, _ response: HTTPResponse) -> MHD_Result {
    let made: OpaquePointer?
    switch response.body {
    case .bytes(let bytes):
        made = bytes.withUnsafeBytes { raw in
            MHD_create_response_from_buffer(raw.count, UnsafeMutableRawPointer(mutating: raw.baseAddress), .RESPMEM_MUST_COPY)
        }
    case .stream(let stream):
        let state = Unmanaged.passRetained(StreamState(stream)).toOpaque()
        made = MHD_create_response_from_callback(UInt64.max, 32 * 1024, streamReader, state, streamFree)
        if made == nil { Unmanaged<StreamState>.fromOpaque(state).release() }
    }
    guard let made else { return .NO }
    defer { MHD_destroy_response(made) }
    for (name, value) in response.headers { _ = MHD_add_response_header(made, name, value) }
    return MHD_queue_response(connection, UInt32(response.status), made)
}

/// The connection places of one server and what each holder is doing. libmicrohttpd keeps a connection for
/// its idle timeout (30 s) whatever it sends, so a local process could hold every place with sockets that
/// send nothing or trickle a header (issue 16, item 8) and `GET /api/v1/health` would no longer answer.
/// Every client of the kiosk is local (one address), so a per-address limit cannot tell the attacker from
/// the kiosk browser; instead a newcomer always gets a place: when all `places` are taken, the connection
/// that has waited longest without being answered is cut (`shutdown(2)`; libmicrohttpd then sees the end of
/// file and closes it itself). Waiting for a request (idle keep-alive included) is cut before receiving a
/// body; a connection whose request is being answered (a stream among them: those have their own limits)
/// is never cut. A browser whose idle keep-alive connection is cut simply opens a new one.
final class ConnectionPlaces: Sendable {
    enum Phase: Int, Comparable, Sendable {
        /// Connected, no request headers yet (or idle between keep-alive requests).
        case waiting
        /// Headers in, the body still arriving.
        case receiving
        /// The handler has run; the answer (perhaps a stream) is being sent.
        case answering

        static func < (a: Phase, b: Phase) -> Bool { a.rawValue < b.rawValue }
    }

    struct Holder {
        let socket: Int32
        var phase: Phase
        var since: ContinuousClock.Instant
        var cut = false
    }

    let places: Int
    /// Keyed by libmicrohttpd's connection address; removed when the connection closes, before
    /// libmicrohttpd closes the socket, so a cut never reaches a socket number that was reused.
    private let holders = Locked<[UInt: Holder]>([:])
    private let cuts = Locked(0)

    init(places: Int) { self.places = max(places, 1) }

    var cutCount: Int { cuts.withLock { $0 } }

    private static func key(_ connection: OpaquePointer) -> UInt { UInt(bitPattern: Int(bitPattern: connection)) }

    /// A connection was accepted (before its thread starts): if that leaves more holders than places, the
    /// longest-waiting ones that are not being answered are cut.
    func opened(_ connection: OpaquePointer, socket: Int32) {
        let key = Self.key(connection)
        let cut: Int = holders.withLock { holders in
            holders[key] = Holder(socket: socket, phase: .waiting, since: .now)
            var live = holders.values.count { !$0.cut }
            var cut = 0
            while live > places {
                let candidates = holders.filter { $0.key != key && !$0.value.cut && $0.value.phase != .answering && $0.value.socket >= 0 }
                guard let victim = candidates.min(by: { ($0.value.phase, $0.value.since) < ($1.value.phase, $1.value.since) }) else { break }
                Socket.shutdown(victim.value.socket)
                holders[victim.key]?.cut = true
                live -= 1
                cut += 1
            }
            return cut
        }
        if cut > 0 { cuts.withLock { $0 += cut } }
    }

    func moved(_ connection: OpaquePointer?, to phase: Phase) {
        guard let connection else { return }
        holders.withLock { holders in
            let key = Self.key(connection)
            guard holders[key] != nil else { return }
            holders[key]?.phase = phase
            holders[key]?.since = .now
        }
    }

    /// The connection is closing (its socket is still open).
    func closed(_ connection: OpaquePointer) {
        _ = holders.withLock { $0.removeValue(forKey: Self.key(connection)) }
    }
}
