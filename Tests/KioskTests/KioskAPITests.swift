import HTTPTestSupport
import VisitCore
import Testing
import Foundation
import Kiosk
import Configuration
import Platform

/// A real kiosk server on an ephemeral loopback port, over the stand-ins.
final class ServerRig {
    let rig: ServiceRig
    let server: KioskServer
    let ui: String
    let http: RawHTTP

    init(timeout: Double = 60) throws {
        rig = ServiceRig(timeout: .seconds(timeout))
        ui = NSTemporaryDirectory() + "fotobox-ui-\(UUID().uuidString)"
        try FileSystem.createDirectory(ui)
        try FileSystem.createDirectory(ui + "/i18n")
        try FileSystem.writeNewFile(ui + "/index.html", Array("<!doctype html><title>Fotobox</title>".utf8))
        try FileSystem.writeNewFile(ui + "/i18n/de.json", Array("{}".utf8))
        symlink("/etc/passwd", ui + "/passwd.txt")
        rig.service.start()
        server = try KioskServer(service: rig.service, host: "127.0.0.1", port: 0, staticDirectory: ui)
        http = RawHTTP(port: server.port)
    }

    deinit {
        rig.cleanUp()
        server.stop()
        try? FileSystem.removeTree(ui)
    }

    func start(_ language: String = "de") -> String {
        let response = http.request("POST", "/api/v1/visit", json: #"{"language":"\#(language)"}"#)
        return response.json["token"] as? String ?? ""
    }

    func step(_ token: String?) -> String { http.request("GET", "/api/v1/visit", token: token).json["step"] as? String ?? "" }
}

@Suite("Kiosk API over a real loopback server", .serialized)
struct KioskAPITests {
    @Test func fullVisitOverHTTP() throws {
        let s = try ServerRig()
        let welcome = s.http.request("GET", "/api/v1/visit")
        #expect(welcome.status == 200)
        #expect(welcome.json["step"] as? String == "welcome")
        #expect(welcome.header("Cache-Control") == "no-store")

        let started = s.http.request("POST", "/api/v1/visit", json: #"{"language":"ar"}"#)
        #expect(started.status == 201)
        let token = try #require(started.json["token"] as? String)
        let visit = try #require(started.json["visit"] as? [String: Any])
        #expect(visit["direction"] as? String == "rtl")

        let refused = s.http.request("POST", "/api/v1/visit/case-number", json: #"{"caseNumber":"12"}"#, token: token)
        #expect(refused.status == 422)
        #expect(refused.json["error"] as? String == "case-number-refused")
        #expect(refused.json["reason"] as? String == "pattern")
        #expect(refused.json["message"] as? String == "the case number was refused (pattern)")
        let early = s.http.request("POST", "/api/v1/visit/capture", token: token)
        #expect(early.status == 409 && early.json["error"] as? String == "wrong-step")
        #expect(early.json["message"] as? String == "'capture' is not possible in the step 'case-number'")
        #expect(s.http.request("POST", "/api/v1/visit/start", token: token).status == 404)
        #expect(s.http.request("POST", "/api/v1/visit/case-number", json: #"{"caseNumber":"abcd-1234"}"#, token: token).status == 200)
        #expect(s.http.request("POST", "/api/v1/visit/language", json: #"{"language":"en"}"#, token: token).json["language"] as? String == "en")
        #expect(s.http.request("POST", "/api/v1/visit/consent", json: #"{"accepted":true}"#, token: token).json["step"] as? String == "guidance")

        // The preview: a multipart stream of JPEGs, for the owner only.
        let preview = s.http.exchange(Array("GET /api/v1/preview?token=\(token) HTTP/1.1\r\nHost: 127.0.0.1:\(s.server.port)\r\n\r\n".utf8), seconds: 3) { bytes in
            bytes.count > 2000
        }
        #expect(preview?.status == 200)
        #expect(preview?.header("Content-Type")?.hasPrefix("multipart/x-mixed-replace") == true)
        let part = String(decoding: preview?.body.prefix(200) ?? [], as: UTF8.self)
        #expect(part.contains("--fotobox-frame") && part.contains("Content-Type: image/jpeg"))
        #expect(s.http.request("GET", "/api/v1/preview").status == 403)

        #expect(s.http.request("POST", "/api/v1/visit/capture", token: token).status == 200)
        #expect(eventually { s.step(token) == "review" })
        let photo = s.http.request("GET", "/api/v1/visit/photo?token=\(token)")
        #expect(photo.status == 200 && photo.header("Content-Type") == "image/jpeg")
        #expect(photo.body.prefix(2) == [0xFF, 0xD8])
        #expect(s.http.request("GET", "/api/v1/visit/photo").status == 404)

        #expect(s.http.request("POST", "/api/v1/visit/review", json: #"{"accept":true}"#, token: token).status == 200)
        #expect(eventually { ((s.http.request("GET", "/api/v1/visit/signature", token: token).json["strokes"] as? [[Any]])?.first?.count ?? 0) >= 100 })
        let signed = s.http.request("POST", "/api/v1/visit/signature", json: #"{"accept":true}"#, token: token)
        // The accepted signature sends (no second confirmation).
        #expect(signed.status == 200 && ["queued", "receipt"].contains(signed.json["step"] as? String), "\(signed.status) \(signed.text)")
        #expect(eventually { s.step(token) == "receipt" })
        let receipt = s.http.request("GET", "/api/v1/visit", token: token)
        let shown = try #require(receipt.json["receipt"] as? [String: Any])
        #expect(shown["caseNumber"] as? String == "ABCD-1234")
        #expect((shown["confirmationCode"] as? String)?.count == 7)
        #expect(s.rig.queue.submissions.count == 1)
        #expect(s.http.request("POST", "/api/v1/visit/finish", token: token).json["step"] as? String == "welcome")

        // After the wipe the API knows nothing of the visit.
        let after = s.http.request("GET", "/api/v1/visit", token: token)
        #expect(after.json["active"] as? Bool == false && after.json["caseNumber"] == nil && after.json["receipt"] == nil)
        #expect(s.http.request("GET", "/api/v1/visit/photo?token=\(token)").status == 404)
        #expect(s.http.request("GET", "/api/v1/visit/signature", token: token).status == 403)
        #expect(s.http.request("POST", "/api/v1/visit/keep-alive", token: token).status == 403)
    }

    @Test func secondTabCannotTakeOver() throws {
        let s = try ServerRig()
        let token = s.start()
        #expect(!token.isEmpty)
        let second = s.http.request("POST", "/api/v1/visit", json: "{}")
        #expect(second.status == 409 && second.json["error"] as? String == "visit-in-progress")
        #expect(s.http.request("DELETE", "/api/v1/visit").status == 403)
        #expect(s.http.request("POST", "/api/v1/visit/case-number", json: #"{"caseNumber":"ABCD-1234"}"#, token: "0123").status == 403)
        let seen = s.http.request("GET", "/api/v1/visit")
        #expect(seen.json["active"] as? Bool == true && seen.json["owned"] as? Bool == false)
        #expect(seen.json["caseNumber"] == nil)
        #expect(s.http.request("DELETE", "/api/v1/visit", token: token).json["step"] as? String == "welcome")
    }

    @Test func badRequestsGet4xxAndTheServerLives() throws {
        let s = try ServerRig()
        let token = s.start()
        let port = s.server.port
        #expect(s.http.request("POST", "/api/v1/visit/case-number", json: "{not json", token: token).status == 400)
        #expect(s.http.request("POST", "/api/v1/visit/case-number", json: "[1,2]", token: token).status == 400)
        #expect(s.http.request("POST", "/api/v1/visit/case-number", json: #"{"caseNumber":17}"#, token: token).status == 400)
        // No JSON object is `malformed-json`; an object with a bad field is `bad-field` (typed bodies, issue 18).
        for body in ["{not json", "[1,2]", #""caseNumber""#, "17", "null", ""] {
            let answer = s.http.request("POST", "/api/v1/visit/case-number", json: body, token: token)
            let expected = body.isEmpty ? "bad-field" : "malformed-json"
            #expect(answer.status == 400 && answer.json["error"] as? String == expected, "\(body) → \(answer.json)")
        }
        #expect(s.http.request("POST", "/api/v1/visit/case-number", json: #"{"caseNumber":17}"#, token: token).json["error"] as? String == "bad-field")
        #expect(s.http.request("POST", "/api/v1/visit/case-number", json: #"{"caseNumber":"AB"} "#, token: token).status != 400)
        let deep = String(repeating: "[", count: 16_000)
        #expect(s.http.request("POST", "/api/v1/visit/case-number", json: deep, token: token).status == 400)
        #expect(s.http.request("POST", "/api/v1/visit/case-number", json: #"{"caseNumber":"\#(String(repeating: "A", count: 500))"}"#, token: token).status == 400)
        #expect(s.http.request("POST", "/api/v1/visit/consent", json: #"{"accepted":true}"#, token: token).status == 409)
        #expect(s.http.request("POST", "/api/v1/visit/teleport", json: "{}", token: token).status == 404)
        #expect(s.http.request("GET", "/api/v1/nothing").status == 404)
        #expect(s.http.request("PUT", "/api/v1/visit").status == 405)
        #expect(s.http.request("GET", "/api/v1/visit/capture").status == 405)
        #expect(s.http.request("POST", "/index.html").status == 405)
        // An announced oversized body is refused before it is read; a chunked one while it is read.
        let big = s.http.exchange(Array("POST /api/v1/visit/case-number HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n{".utf8))
        #expect(big?.status == 413)
        var chunked = Array("POST /api/v1/visit/case-number HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n".utf8)
        for _ in 0..<40 { chunked += Array("400\r\n".utf8) + [UInt8](repeating: 0x41, count: 1024) + Array("\r\n".utf8) }
        chunked += Array("0\r\n\r\n".utf8)
        #expect(s.http.exchange(chunked)?.status == 413)
        // Garbage, an enormous header, a wrong Host, a foreign Origin.
        let garbage = s.http.exchange(Array("\u{01}\u{02}NOT HTTP AT ALL\r\n\r\n".utf8), seconds: 2)
        #expect(garbage == nil || (400..<500).contains(garbage!.status))
        let hugeHeader = s.http.exchange(Array("GET /api/v1/visit HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nX-Filler: \(String(repeating: "x", count: 200_000))\r\n\r\n".utf8), seconds: 3)
        #expect(hugeHeader == nil || (400..<500).contains(hugeHeader!.status))
        #expect(s.http.request("GET", "/api/v1/visit", headers: []).status == 200)
        let rebinding = s.http.exchange(Array("GET /api/v1/visit HTTP/1.1\r\nHost: evil.example:\(port)\r\nConnection: close\r\n\r\n".utf8))
        #expect(rebinding?.status == 421)
        let foreign = s.http.request("POST", "/api/v1/visit/keep-alive", json: "{}", token: token, headers: ["Origin: http://evil.example"])
        #expect(foreign.status == 403)
        let own = s.http.request("POST", "/api/v1/visit/keep-alive", json: "{}", token: token, headers: ["Origin: http://127.0.0.1:\(port)"])
        #expect(own.status == 200)
        // Still serving.
        #expect(s.step(token) == "case-number")
    }

    @Test func staticFilesWithoutTraversal() throws {
        let s = try ServerRig()
        let index = s.http.request("GET", "/")
        #expect(index.status == 200)
        #expect(index.header("Content-Type")?.hasPrefix("text/html") == true)
        #expect(index.header("Content-Security-Policy")?.contains("default-src 'self'") == true)
        #expect(s.http.request("GET", "/i18n/de.json").status == 200)
        for path in ["/../Package.swift", "/%2e%2e/%2e%2e/etc/passwd", "/i18n/../index.html", "/i18n/..%2f..%2fetc%2fpasswd",
                     "/.hidden", "/passwd.txt", "/i18n", "/i18n/", "//etc/passwd", "/nope.html", "/index.exe"] {
            let response = s.http.request("GET", path)
            #expect(response.status == 404 || response.status == 400, "\(path) → \(response.status)")
            #expect(!response.text.contains("root:"), "\(path) leaked a file")
        }
        // libmicrohttpd decodes %00 and the path ends there: the same harmless file, nothing else.
        #expect(s.http.request("GET", "/index.html%00.js").text == index.text)
    }

    @Test func stateChangesArriveAsServerSentEvents() throws {
        let s = try ServerRig()
        let port = s.server.port
        let received = Locked<RawHTTP.Response?>(nil)
        let http = s.http
        let reader = Thread {
            let response = http.exchange(Array("GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n\r\n".utf8), seconds: 4) { bytes in
                String(decoding: bytes, as: UTF8.self).components(separatedBy: "event: state").count >= 3
            }
            received.withLock { $0 = response }
        }
        reader.start()
        usleep(300_000)
        _ = s.start("tr")
        #expect(eventually { received.withLock { $0 } != nil })
        let response = try #require(received.withLock { $0 })
        #expect(response.header("Content-Type")?.hasPrefix("text/event-stream") == true)
        let events = response.text.components(separatedBy: "event: state")
        #expect(events.count >= 3)
        #expect(events.last?.contains(#""step":"case-number""#) == true)
        #expect(!response.text.contains("token"))
    }
}

extension KioskAPITests {
    @Test func timeoutWarningIsPushedPromptly() throws {
        let s = try ServerRig(timeout: 2)   // warning in the last 0.5 s
        let token = s.start()
        let port = s.server.port
        let http = s.http
        let received = Locked<RawHTTP.Response?>(nil)
        let reader = Thread {
            let response = http.exchange(Array("GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n\r\n".utf8), seconds: 3) { bytes in
                String(decoding: bytes, as: UTF8.self).contains("warningSecondsLeft")
            }
            received.withLock { $0 = response }
        }
        reader.start()
        #expect(eventually(4) { received.withLock { $0 } != nil })
        #expect(received.withLock { $0 }?.text.contains("warningSecondsLeft") == true, "the warning must reach the page before the wipe")
        _ = token
    }
}
