import VisitCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A deliberately simple HTTP/1.1 client over a socket, so the tests can also send what no library
/// would: broken request lines, lying Content-Lengths, traversal paths.
struct RawHTTP {
    let port: UInt16

    struct Response {
        var status: Int
        var head: String
        var body: [UInt8]
        var text: String { String(decoding: body, as: UTF8.self) }
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:] }
        func header(_ name: String) -> String? {
            for line in head.split(separator: "\r\n") {
                let parts = line.split(separator: ":", maxSplits: 1)
                if parts.count == 2, parts[0].lowercased() == name.lowercased() { return parts[1].trimmingCharacters(in: .whitespaces) }
            }
            return nil
        }
    }

    /// Sends `raw` and reads until the server closes or `limit` bytes / `seconds` have passed.
    func exchange(_ raw: [UInt8], seconds: Double = 5, limit: Int = 4 << 20, until: (([UInt8]) -> Bool)? = nil) -> Response? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard connected == 0 else { return nil }
        var sent = 0
        while sent < raw.count {
            let n = raw[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { break }
            sent += n
        }
        var received: [UInt8] = []
        let deadline = Date().addingTimeInterval(seconds)
        var buffer = [UInt8](repeating: 0, count: 65536)
        while Date() < deadline && received.count < limit {
            var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&entry, 1, 100)
            if ready <= 0 { continue }
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            received += buffer[0..<n]
            if let until, until(received) { break }
        }
        guard let split = find(received, Array("\r\n\r\n".utf8)) else {
            return received.isEmpty ? nil : Response(status: 0, head: String(decoding: received, as: UTF8.self), body: [])
        }
        let head = String(decoding: received[0..<split], as: UTF8.self)
        let status = head.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
        var body = Array(received[(split + 4)...])
        if head.lowercased().contains("transfer-encoding: chunked") { body = dechunk(body) }
        return Response(status: status, head: head, body: body)
    }

    func request(_ method: String, _ path: String, json: String? = nil, token: String? = nil,
                 headers: [String] = [], seconds: Double = 5) -> Response {
        var lines = ["\(method) \(path) HTTP/1.1", "Host: 127.0.0.1:\(port)", "Connection: close"]
        if let token { lines.append("X-Visit-Token: \(token)") }
        let body = Array((json ?? "").utf8)
        if json != nil { lines += ["Content-Type: application/json", "Content-Length: \(body.count)"] }
        lines += headers
        let raw = Array((lines.joined(separator: "\r\n") + "\r\n\r\n").utf8) + body
        return exchange(raw, seconds: seconds) ?? Response(status: -1, head: "", body: [])
    }

    func find(_ haystack: [UInt8], _ needle: [UInt8], from: Int = 0) -> Int? {
        guard haystack.count >= needle.count + from else { return nil }
        for i in from...(haystack.count - needle.count) where haystack[i] == needle[0] && Array(haystack[i..<(i + needle.count)]) == needle { return i }
        return nil
    }

    func dechunk(_ bytes: [UInt8]) -> [UInt8] {
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
