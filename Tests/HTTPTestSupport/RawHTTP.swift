import Foundation
#if canImport(Glibc)
import Glibc
#endif

// A test-support target (as swift-nio's NIOTestUtils: no product links it), shared by the WebServer, Kiosk and
// integration tests: the one raw-socket HTTP client of the tests.

/// A deliberately simple HTTP/1.1 client over a loopback socket, so the tests can also send what no library
/// would: broken request lines, lying Content-Lengths, endless chunks, traversal paths, connections that say
/// nothing.
public struct RawHTTP: Sendable {
    public let port: UInt16
    /// The loopback address the connection comes from (all of 127/8 is loopback).
    public var from: String

    public init(port: UInt16, from: String = "127.0.0.1") {
        self.port = port
        self.from = from
    }

    public struct Response: Sendable {
        /// 0: no status line came back (the connection was cut); -1: no connection was made.
        public var status: Int
        public var head: String
        public var body: [UInt8]
        public var text: String { String(decoding: body, as: UTF8.self) }
        public var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:] }
        public func header(_ name: String) -> String? {
            for line in head.split(separator: "\r\n") {
                let parts = line.split(separator: ":", maxSplits: 1)
                if parts.count == 2, parts[0].lowercased() == name.lowercased() { return parts[1].trimmingCharacters(in: .whitespaces) }
            }
            return nil
        }
    }

    /// Opens a connection from `from` and sends `text` (perhaps nothing), keeping it open: the socket, which the
    /// caller closes; -1 when no connection was made.
    public func hold(sending text: String = "") -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return -1 }
        var local = sockaddr_in()
        local.sin_family = sa_family_t(AF_INET)
        local.sin_addr.s_addr = inet_addr(from)
        var remote = sockaddr_in()
        remote.sin_family = sa_family_t(AF_INET)
        remote.sin_port = port.bigEndian
        remote.sin_addr.s_addr = inet_addr("127.0.0.1")
        let size = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &local) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, size) } }
        let connected = withUnsafePointer(to: &remote) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, size) } }
        guard bound == 0, connected == 0 else { close(fd); return -1 }
        Self.send(Array(text.utf8), to: fd)
        return fd
    }

    /// Sends `raw` and reads until the server closes, `limit` bytes came, `until` says enough or `seconds`
    /// passed; nil when no connection was made or nothing came back.
    public func exchange(_ raw: [UInt8], seconds: Double = 5, limit: Int = 4 << 20, until: (([UInt8]) -> Bool)? = nil) -> Response? {
        guard let received = receive(raw, seconds: seconds, limit: limit, until: until), !received.isEmpty else { return nil }
        return Self.parse(received)
    }

    /// Sends `text` and reads until the server closes or `seconds` pass. Never nil: status 0 when nothing
    /// came back, -1 when no connection was made.
    public func exchange(_ text: String, seconds: Double = 10) -> Response {
        guard let received = receive(Array(text.utf8), seconds: seconds, limit: .max, until: nil) else {
            return Response(status: -1, head: "", body: [])
        }
        return Self.parse(received)
    }

    /// A request with the kiosk's headers (`X-Visit-Token`), `Connection: close`; status -1 when nothing came back.
    public func request(_ method: String, _ path: String, json: String? = nil, token: String? = nil,
                        headers: [String] = [], seconds: Double = 5) -> Response {
        var lines = ["\(method) \(path) HTTP/1.1", "Host: 127.0.0.1:\(port)", "Connection: close"]
        if let token { lines.append("X-Visit-Token: \(token)") }
        let body = Array((json ?? "").utf8)
        if json != nil { lines += ["Content-Type: application/json", "Content-Length: \(body.count)"] }
        lines += headers
        let raw = Array((lines.joined(separator: "\r\n") + "\r\n\r\n").utf8) + body
        return exchange(raw, seconds: seconds) ?? Response(status: -1, head: "", body: [])
    }

    /// What came back for `raw`; nil when no connection was made.
    private func receive(_ raw: [UInt8], seconds: Double, limit: Int, until: (([UInt8]) -> Bool)?) -> [UInt8]? {
        let fd = hold()
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        Self.send(raw, to: fd)
        var received: [UInt8] = []
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        var buffer = [UInt8](repeating: 0, count: 65536)
        while ContinuousClock.now < deadline && received.count < limit {
            var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            if poll(&entry, 1, 100) <= 0 { continue }
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            received += buffer[0..<n]
            if let until, until(received) { break }
        }
        return received
    }

    /// Sends all of `bytes`, stopping when the server closes.
    private static func send(_ bytes: [UInt8], to fd: Int32) {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { break }
            sent += n
        }
    }

    private static func parse(_ received: [UInt8]) -> Response {
        guard let split = find(received, Array("\r\n\r\n".utf8)) else {
            return Response(status: 0, head: String(decoding: received, as: UTF8.self), body: [])
        }
        let head = String(decoding: received[0..<split], as: UTF8.self)
        let status = head.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
        var body = Array(received[(split + 4)...])
        if head.lowercased().contains("transfer-encoding: chunked") { body = dechunk(body) }
        return Response(status: status, head: head, body: body)
    }

    public static func find(_ haystack: [UInt8], _ needle: [UInt8], from: Int = 0) -> Int? {
        guard haystack.count >= needle.count + from else { return nil }
        for i in from...(haystack.count - needle.count) where haystack[i] == needle[0] && Array(haystack[i..<(i + needle.count)]) == needle { return i }
        return nil
    }

    /// The body of a chunked transfer, as far as it came.
    public static func dechunk(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var i = 0
        while let lineEnd = find(bytes, [13, 10], from: i) {
            guard let size = Int(String(decoding: bytes[i..<lineEnd], as: UTF8.self).split(separator: ";")[0], radix: 16), size > 0 else { break }
            let start = lineEnd + 2
            guard start + size <= bytes.count else { out += bytes[start...]; break }
            out += bytes[start..<(start + size)]
            i = start + size + 2
        }
        return out
    }
}
