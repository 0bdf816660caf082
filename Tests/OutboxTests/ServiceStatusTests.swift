import Configuration
import Foundation
import Outbox
import Platform
import Submission
import Testing
import WebServer

/// `fotoboxctl status`'s reading of fotoboxd (`ServiceStatus` on the station's one HTTP client, peer `.loopback`):
/// against a real loopback server posing as a fotoboxd newer than this build, and refused before any connection
/// for anything but plain HTTP to a loopback address (issue 18).
@Suite("Service status over the loopback HTTP client")
struct ServiceStatusTests {
    /// A fotoboxd newer than this build: a step and a fault this version does not know; 30 more frames per request.
    static func newerStation(requests: Locked<Int>) throws -> HTTPServer {
        try HTTPServer(host: "127.0.0.1", port: 0) { head in
            .read(limit: 0, tooLarge: { HTTPResponse(status: 413) }, respond: { request in
                guard request.method == "GET", request.path == "/api/v1/status" else { return HTTPResponse(status: 404) }
                let count = requests.withLock { count in
                    count += 1
                    return count
                }
                let status = StationStatus(step: .unknown("payment"), visitActive: true, camera: "ok", frames: UInt64(30 * count),
                                           faults: [.unknown("printer")], health: StationStatusTests.health)
                return HTTPResponse(status: 200, headers: [("Content-Type", "application/json")],
                                    body: .bytes(Array((try? JSONEncoder().encode(status)) ?? Data())))
            })
        }
    }

    @Test func aNewerServiceIsReadWithItsNewStepAndFault() throws {
        let requests = Locked(0)
        let server = try Self.newerStation(requests: requests)
        defer { server.stop() }
        let status = try ServiceStatus.fetch(base: "http://127.0.0.1:\(server.port)", sampleSeconds: 1)
        #expect(requests.withLock { $0 } == 2)
        #expect(status.station.step == .unknown("payment") && status.station.faults == [.unknown("printer")])
        let lines = status.summaryLines.joined(separator: "\n")
        #expect(lines.contains("payment (a citizen is at the station)") && lines.contains("printer (out of order)"), "\(lines)")
        // 30 frames over the one-second sample (slept on the monotonic clock; a loaded machine sleeps a little longer).
        let rate = try #require(status.framesPerSecond)
        #expect(rate > 10 && rate <= 30.5, "\(rate)")

        // Another path on the same server: something answered, but not a status.
        do throws(ServiceStatus.ReadError) {
            _ = try ServiceStatus.fetch(base: "http://127.0.0.1:\(server.port)/elsewhere", sampleSeconds: 0)
            Issue.record("a 404 read as a status")
        } catch {
            guard case .notAStatus(_, let code) = error else { Issue.record("\(error)"); return }
            #expect(code == 404)
        }
    }

    @Test func plainHTTPGoesToLoopbackAddressesOnly() {
        for base in ["http://192.0.2.1:8080", "http://127.example.org:8080", "http://127.0.0.1.nip.io", "http://user@127.0.0.1:1",
                     "https://127.0.0.1:8080", "ftp://127.0.0.1", "http://[::2]:80", "http://localhost.example.org"] {
            let started = ContinuousClock.now
            do throws(ServiceStatus.ReadError) {
                _ = try ServiceStatus.fetch(base: base, sampleSeconds: 0)
                Issue.record("\(base) was read")
            } catch {
                guard case .notLoopback = error else { Issue.record("\(base): \(error)"); continue }
                #expect(error.description.contains("plain HTTP only"), "\(error)")
            }
            // Refused before any connection or name lookup (192.0.2.1 is TEST-NET: a connection would hang until the timeout).
            #expect(ContinuousClock.now - started < .seconds(1), "\(base)")
        }
    }

    @Test func nobodyListeningIsNoAnswer() throws {
        // A port that was free a moment ago: bound, its number read, closed.
        let port = try { () throws -> UInt16 in
            let server = try HTTPServer(host: "127.0.0.1", port: 0) { _ in .refuse(HTTPResponse(status: 404)) }
            defer { server.stop() }
            return server.port
        }()
        for base in ["http://127.0.0.1:\(port)", "http://localhost:\(port)", "http://[::1]:\(port)"] {
            do throws(ServiceStatus.ReadError) {
                _ = try ServiceStatus.fetch(base: base, sampleSeconds: 0)
                Issue.record("\(base) answered")
            } catch {
                guard case .noAnswer = error else { Issue.record("\(base): \(error)"); continue }
            }
        }
    }

    static let health = StationHealthReport(stationId: "station-9", softwareVersion: "fotoboxd 9.0", sentAt: "2026-01-01T00:00:00Z",
                                            camera: .init(up: true, detail: "replay"), pad: .init(up: false, detail: "no pad"),
                                            diskFreeBytes: 1 << 30, queueDepth: 2, oldestQueuedSeconds: 5, lastError: nil, submissionsQueued: 1)
}
