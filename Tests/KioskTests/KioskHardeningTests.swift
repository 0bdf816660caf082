import HTTPTestSupport
import Foundation
import Kiosk
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Issue 16, items 8 and 9: any local process can open event streams (they need no token) — they must not
/// lock the kiosk out; and a page whose Origin is `null` must not start or drive a visit.
@Suite("Kiosk API under hostile local clients", .serialized)
struct KioskHardeningTests {
    /// Opens a connection, sends `GET /api/v1/events`, and keeps it open (returns the socket; -1 on failure).
    static func holdEventStream(port: UInt16) -> Int32 {
        RawHTTP(port: port).hold(sending: "GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n\r\n")
    }

    /// Forty held event streams (more than the server's 32 connections): health still answers, the visit
    /// still starts, and streams beyond the limit are answered 503 at once instead of holding a connection.
    @Test(.timeLimit(.minutes(2))) func eventStreamsCannotLockTheKioskOut() throws {
        let s = try ServerRig()
        let port = s.server.port
        var held: [Int32] = []
        defer { held.forEach { close($0) } }
        for _ in 0..<40 {
            let fd = Self.holdEventStream(port: port)
            if fd >= 0 { held.append(fd) }
            usleep(5_000)
        }
        usleep(300_000)
        #expect(s.server.api.openEventStreams <= KioskAPI.maximumEventStreams)
        let health = s.http.request("GET", "/api/v1/health", seconds: 5)
        #expect(health.status == 200, "\(health.head)")
        let refused = s.http.exchange(Array("GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n\r\n".utf8), seconds: 5)
        #expect(refused?.status == 503)
        #expect(refused?.header("Retry-After") == "5")
        #expect(s.http.request("POST", "/api/v1/visit", json: #"{"language":"de"}"#).status == 201)
        // Closing the streams gives their places back.
        held.forEach { close($0) }
        held = []
        #expect(eventually(30) { s.server.api.openEventStreams == 0 })
    }

    /// Item 8's remainder: sockets that send nothing, half a header, or a header and then no body stay in
    /// libmicrohttpd for its 30 s idle timeout. Holding more of them than the server has places must not
    /// keep health, a visit or an event stream out (before: 32 such sockets and health got no answer).
    @Test(.timeLimit(.minutes(2))) func idleConnectionsCannotLockTheKioskOut() throws {
        let s = try ServerRig()
        let port = s.server.port
        var held: [Int32] = []
        defer { held.forEach { close($0) } }
        let stalls = ["", "GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1",
                      "POST /api/v1/visit HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nContent-Type: application/json\r\nContent-Length: 900\r\n\r\n{"]
        for round in 0..<3 {
            for i in 0..<70 {
                let fd = RawHTTP(port: port).hold(sending: stalls[i % stalls.count])
                if fd >= 0 { held.append(fd) }
            }
            usleep(200_000)
            let health = s.http.request("GET", "/api/v1/health", seconds: 5)
            #expect(health.status == 200, "round \(round): \(health.head)")
        }
        let stream = s.http.exchange(Array("GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n\r\n".utf8), seconds: 2)
        #expect(stream?.status == 200)
        #expect(s.http.request("POST", "/api/v1/visit", json: #"{"language":"de"}"#).status == 201)
    }

    /// `Origin: null` (a sandboxed frame, a file: page) is refused like a foreign origin, on every action.
    @Test func originNullIsRefused() throws {
        let s = try ServerRig()
        let start = s.http.request("POST", "/api/v1/visit", json: #"{"language":"de"}"#, headers: ["Origin: null"])
        #expect(start.status == 403)
        #expect(start.json["error"] as? String == "cross-origin")
        #expect(s.step(nil) == "welcome")
        let token = s.start()
        for origin in ["null", "NULL", "http://evil.example", "https://127.0.0.1:\(s.server.port)"] {
            let action = s.http.request("POST", "/api/v1/visit/cancel", json: "{}", token: token, headers: ["Origin: \(origin)"])
            #expect(action.status == 403, "\(origin)")
        }
        #expect(s.step(token) == "case-number")
    }
}
