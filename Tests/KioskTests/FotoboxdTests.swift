import HTTPTestSupport
import KioskTestSupport
import VisitCore
import FotoboxTestSupport
import Testing
import Foundation
import Kiosk
import Platform
#if canImport(Glibc)
import Glibc
#endif

/// The built `fotoboxd` (tests build in release together with the products).
let fotoboxdPath = TestData.binary("fotoboxd")

/// A datagram socket standing in for systemd's $NOTIFY_SOCKET.
final class NotifyListener {
    let path: String
    let fd: Int32
    init() {
        path = NSTemporaryDirectory() + "fotobox-notify-\(UUID().uuidString.prefix(8))"
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in for (i, b) in path.utf8.enumerated() { raw[i] = b } }
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) } }
    }
    deinit { close(fd); unlink(path) }

    /// Messages received within `duration`.
    func messages(for duration: Duration) -> [String] {
        messages(within: duration) { _ in false }
    }

    /// Messages received until `done` holds for them (returning at once then) or `deadline` passes: a
    /// generous deadline for an event that must come, so a slow machine only makes the test slower.
    func messages(within deadline: Duration, until done: ([String]) -> Bool) -> [String] {
        var out: [String] = []
        let deadline = ContinuousClock.now + deadline
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !done(out), ContinuousClock.now < deadline {
            var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&entry, 1, 100) > 0 else { continue }
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 { out.append(String(decoding: buffer[0..<n], as: UTF8.self)) }
        }
        return out
    }
}

func runFotoboxd(_ arguments: [String], environment: [String: String] = [:]) throws -> Process {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: fotoboxdPath)
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    process.standardError = Pipe()
    process.standardOutput = Pipe()
    try process.run()
    return process
}

/// A config file for a test fotoboxd. Unless the text has its own [outbox], a throw-away outbox (its own
/// directory and a 0600 key) and the package's models are added: fotoboxd refuses to start without an
/// outbox it can open.
func writeConfig(_ text: String) throws -> String {
    let name = "fotobox-\(UUID().uuidString.prefix(8))"
    let path = NSTemporaryDirectory() + name + ".conf"
    var full = text
    if !text.contains("[outbox]") {
        let key = NSTemporaryDirectory() + name + ".key"
        try FileSystem.writeNewFile(key, (0..<32).map { UInt8($0 &* 7) }, mode: 0o600)
        full += "\n[outbox]\npath = \(NSTemporaryDirectory() + name)-outbox\nkey-file = \(key)\n"
    }
    if !text.contains("[models]") {
        full += "[models]\ndirectory = \(FileManager.default.currentDirectoryPath)/models\n"
    }
    try FileSystem.writeNewFile(path, Array(full.utf8))
    return path
}

@Suite("fotoboxd process", .serialized)
struct FotoboxdTests {
    @Test func watchdogGatePingsOnlyWhileFramesArrive() {
        let start = ContinuousClock.now
        var gate = WatchdogGate(interval: .seconds(1), now: start, frames: 0)
        let pings = [(500, 10), (1000, 10), (2500, 10), (3000, 11)].map {
            gate.shouldPing(now: start + .milliseconds($0.0), frames: UInt64($0.1))
        }
        // Not before the interval; not without new frames.
        #expect(pings == [false, true, false, true])
    }

    @Test func journalDatagramCarriesStructuredFields() {
        let listener = NotifyListener()
        let socket = JournalSocket(identifier: "fotoboxd", path: listener.path)
        #expect(socket.send(.notice, "visit queued\nfor the office", [("event", "queued"), ("case", "0123abcd")]))
        let message = listener.messages(within: .seconds(30)) { !$0.isEmpty }.first ?? ""
        #expect(message.split(separator: "\n").sorted() == ["FOTOBOX_CASE=0123abcd", "FOTOBOX_EVENT=queued", "MESSAGE=visit queued for the office",
                                                           "PRIORITY=5", "SYSLOG_IDENTIFIER=fotoboxd"])
    }

    @Test(.needsBuilt("fotoboxd")) func configErrorsNameTheirLines() throws {
        let config = try writeConfig("[visit]\ninactivity-timeout = 3\n[kiosk]\nlisten = everywhere\n")
        defer { unlink(config) }
        let process = try runFotoboxd(["--config", config])
        process.waitUntilExit()
        let stderr = String(decoding: (process.standardError as! Pipe).fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus == 2)
        #expect(stderr.contains("\(config):2: visit.inactivity-timeout"))
        #expect(stderr.contains("\(config):4: kiosk.listen"))
    }

    @Test(.needsBuilt("fotoboxd")) func packagedDefaultConfigIsValid() throws {
        let process = try runFotoboxd(["--config", "packaging/fotobox.conf", "--check"])
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }

    @Test(.needsBuilt("fotoboxd")) func notifiesReadyAndWatchdogOnlyWithFrames() throws {
        let frames = NSTemporaryDirectory() + "fotobox-frames-\(UUID().uuidString.prefix(8))"
        try FileSystem.createDirectory(frames)
        try FileSystem.writeNewFile(frames + "/a.jpg", StandInCamera.syntheticFrame(width: 64, height: 48))
        defer { try? FileSystem.removeTree(frames) }
        for (camera, expectWatchdog) in [("replay:" + frames, true), ("/dev/fotobox-no-such-camera", false)] {
            let listener = NotifyListener()
            let config = try writeConfig("[camera]\ndevice = \(camera)\n[kiosk]\nlisten = 127.0.0.1:\(UInt16.random(in: 20000...40000))\n")
            defer { unlink(config) }
            let process = try runFotoboxd(["--config", config], environment: ["NOTIFY_SOCKET": listener.path, "WATCHDOG_USEC": "1000000"])
            // Waits for the event, not for a speed: READY=1 (and with frames WATCHDOG=1) within a generous
            // deadline. Without frames no WATCHDOG=1 may come: it is looked for over 2 s (four ping periods)
            // after READY=1 (a slow machine can only ping less, never fail this).
            var messages = listener.messages(within: .seconds(30)) { received in
                received.contains { $0.hasPrefix("READY=1") } && (!expectWatchdog || received.contains("WATCHDOG=1"))
            }
            if !expectWatchdog { messages += listener.messages(for: .seconds(2)) }
            kill(process.processIdentifier, SIGTERM)
            process.waitUntilExit()
            let after = listener.messages(within: .seconds(5)) { $0.contains("STOPPING=1") }
            #expect(process.terminationStatus == 0)
            // The order is exact: READY=1 is the first message (no WATCHDOG=1 before it).
            #expect(messages.first?.hasPrefix("READY=1\nSTATUS=serving on http://127.0.0.1:") == true, "\(messages)")
            #expect(messages.contains("WATCHDOG=1") == expectWatchdog, "\(camera): \(messages)")
            #expect((messages + after).contains("STOPPING=1"))
        }
    }

    @Test(.needsBuilt("fotoboxd")) func logsNeverNameTheCase() throws {
        let frames = NSTemporaryDirectory() + "fotobox-frames-\(UUID().uuidString.prefix(8))"
        try FileSystem.createDirectory(frames)
        try FileSystem.writeNewFile(frames + "/a.jpg", StandInCamera.syntheticFrame(width: 64, height: 48))
        defer { try? FileSystem.removeTree(frames) }
        let port = UInt16.random(in: 20000...40000)
        let config = try writeConfig("[camera]\ndevice = replay:\(frames)\n[kiosk]\nlisten = 127.0.0.1:\(port)\n")
        defer { unlink(config) }
        let process = try runFotoboxd(["--config", config])
        let http = RawHTTP(port: port)
        #expect(eventually { http.request("GET", "/api/v1/health").status == 200 })
        let token = http.request("POST", "/api/v1/visit", json: #"{"language":"de"}"#).json["token"] as? String
        _ = http.request("POST", "/api/v1/visit/case-number", json: #"{"caseNumber":"QWER-9876"}"#, token: token)
        _ = http.request("POST", "/api/v1/visit/case-number", json: #"{"caseNumber":"QWERT-98"}"#, token: token)
        _ = http.request("DELETE", "/api/v1/visit", token: token)
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        let stderr = String(decoding: (process.standardError as! Pipe).fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(stderr.contains("case="))
        #expect(!stderr.contains("QWER"))
    }
}
