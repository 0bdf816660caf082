import Platform
import Testing
import WebServer
import HTTPTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// The one libmicrohttpd wrapper's contract, on a real loopback server (the kiosk's API tests and the
/// office's TLS tests exercise it through their own handlers): refusal from the headers before the body is
/// read, a body limit per request, chunked bodies past the limit, the connection observer, the per-address
/// limit.
@Suite("WebServer.HTTPServer on loopback")
struct HTTPServerTests {
    /// Counts what the handlers were asked to do.
    final class Calls: Sendable {
        let responded = Locked(0)
        let tooLarge = Locked(0)
        var respondedCount: Int { responded.withLock { $0 } }
        var tooLargeCount: Int { tooLarge.withLock { $0 } }
    }

    /// `/refused` is refused from its headers; `/small` reads at most 10 bytes, `/large` at most 100,000;
    /// each answer's body is the number of body bytes the handler got.
    static func server(_ calls: Calls, limits: HTTPServerLimits = HTTPServerLimits(),
                       observer: (any HTTPConnectionObserver)? = nil) throws -> HTTPServer {
        try HTTPServer(host: "127.0.0.1", port: 0, limits: limits, observer: observer) { head in
            if head.path == "/refused" { return .refuse(HTTPResponse(status: 403, body: .bytes(Array("no".utf8)))) }
            return .read(limit: head.path == "/large" ? 100_000 : 10, tooLarge: {
                calls.tooLarge.withLock { $0 += 1 }
                return HTTPResponse(status: 413)
            }, respond: { request in
                calls.responded.withLock { $0 += 1 }
                return HTTPResponse(status: 200, headers: [("X-Method", request.method)], body: .bytes(Array("\(request.body.count)".utf8)))
            })
        }
    }

    @Test func aRequestIsRefusedFromItsHeadersBeforeTheBodyIsSent() throws {
        let calls = Calls()
        let server = try Self.server(calls)
        defer { server.stop() }
        // Only the headers go out: the answer must come without the announced megabyte.
        let answer = RawHTTP(port: server.port).exchange("POST /refused HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n", seconds: 3)
        #expect(answer.status == 403)
        #expect(answer.head.lowercased().contains("connection: close"))
        #expect(calls.respondedCount == 0)
    }

    @Test func eachRequestIsReadUpToTheLimitItsHandlerChose() throws {
        let calls = Calls()
        let server = try Self.server(calls)
        defer { server.stop() }
        let client = RawHTTP(port: server.port)
        let body = String(repeating: "A", count: 50_000)
        let large = client.exchange("POST /large HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 50000\r\n\r\n" + body)
        #expect(large.status == 200)
        #expect(large.text == "50000")
        // The same body to a 10-byte route: refused on its announced length, before it is read.
        let small = client.exchange("POST /small HTTP/1.1\r\nHost: x\r\nContent-Length: 50000\r\n\r\n", seconds: 3)
        #expect(small.status == 413)
        #expect(calls.respondedCount == 1)
        #expect(calls.tooLargeCount == 1)
        #expect(client.exchange("GET /small HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").text == "0")
    }

    @Test func aChunkedBodyPastTheLimitIsAnsweredOrCut() throws {
        let calls = Calls()
        let server = try Self.server(calls)
        defer { server.stop() }
        let client = RawHTTP(port: server.port)
        func chunked(_ count: Int) -> String {
            var text = "POST /small HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
            var left = count
            while left > 0 {
                let size = min(left, 4096)
                text += String(size, radix: 16) + "\r\n" + String(repeating: "B", count: size) + "\r\n"
                left -= size
            }
            return text + "0\r\n\r\n"
        }
        // A little past the limit: read to its end and answered 413.
        #expect(client.exchange(chunked(1_000)).status == 413)
        // Far past it: the connection is cut before the end, with no answer.
        let cut = client.exchange(chunked(10 + HTTPServer.discardAllowance + 200_000))
        #expect(cut.status <= 0)
        #expect(calls.tooLargeCount == 2)
        #expect(calls.respondedCount == 0)
        // The server goes on.
        #expect(client.exchange("GET /small HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").status == 200)
    }

    final class Observer: HTTPConnectionObserver {
        let events = Locked<[String]>([])
        func opened(_ connection: HTTPConnection) { events.withLock { $0.append("opened \(connection.clientAddress) \(connection.tlsSession == nil)") } }
        func headersArrived(_ connection: HTTPConnection) { events.withLock { $0.append("headers") } }
        func closed(_ connection: HTTPConnection) { events.withLock { $0.append("closed") } }
    }

    @Test func theObserverSeesEachConnectionOpenAndClose() throws {
        let calls = Calls()
        let observer = Observer()
        let server = try Self.server(calls, observer: observer)
        defer { server.stop() }
        let client = RawHTTP(port: server.port)
        #expect(client.exchange("GET /small HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").status == 200)
        var events: [String] = []
        for _ in 0..<50 {
            events = observer.events.withLock { $0 }
            if events.count == 3 { break }
            usleep(20_000)
        }
        #expect(events == ["opened 127.0.0.1 true", "headers", "closed"])
    }

    @Test func newcomersBeyondThePerAddressLimitAreRefused() throws {
        let calls = Calls()
        let observer = Observer()
        let server = try Self.server(calls, limits: HTTPServerLimits(connections: 16, connectionsPerAddress: 2, whenFull: .refuseNewcomers),
                                     observer: observer)
        defer { server.stop() }
        let held = (0..<2).map { _ in RawHTTP(port: server.port).hold() }
        defer { held.forEach { close($0) } }
        // Both taken by the server before the third comes.
        for _ in 0..<250 where observer.events.withLock({ $0.count }) < 2 { usleep(20_000) }
        #expect(observer.events.withLock { $0.count } == 2)
        // A third connection from 127.0.0.1 is closed unanswered; one from 127.0.0.2 is served.
        #expect(RawHTTP(port: server.port).exchange("GET /small HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", seconds: 2).status <= 0)
        let other = RawHTTP(port: server.port, from: "127.0.0.2")
        #expect(other.exchange("GET /small HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").status == 200)
    }

    @Test func aBadAddressIsATypedError() {
        #expect(throws: HTTPServerError.self) {
            try HTTPServer(host: "no such host.invalid", port: 0) { _ in .refuse(HTTPResponse(status: 404)) }
        }
    }
}
