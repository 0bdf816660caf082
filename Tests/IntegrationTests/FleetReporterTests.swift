import FotoboxTestSupport
import Foundation
import Outbox
import Platform
import Submission
import Testing

/// The station's fleet reporter against the real `fotobox-office` on loopback: one report at start, the next
/// only when due (it sleeps on a wake-up, not a poll), and `stop()` returns only after its thread has ended,
/// a report in flight included.
@Suite("Fleet reporter (real fotobox-office)", .serialized, .needsOutboxRig)
struct FleetReporterTests {
    final class Record: Sendable {
        let reports = Locked(0)
        let lines = Locked<[String]>([])
        let changed = ChangeSignal()

        func report() -> StationHealthReport {
            reports.withLock { $0 += 1 }
            changed.broadcast()
            return StationHealthReport(stationId: "station", softwareVersion: "test", sentAt: "2026-12-03T20:00:00Z",
                                       camera: .init(up: true, detail: "replay"), pad: .init(up: true, detail: "ok"),
                                       diskFreeBytes: 1 << 30, queueDepth: 0, oldestQueuedSeconds: 0, lastError: nil, submissionsQueued: 0)
        }

        func log(_ line: String) {
            lines.withLock { $0.append(line) }
            changed.broadcast()
        }

        /// Waits (at most a minute: a loaded machine, no speed goal) until `condition` holds.
        func waitFor(_ condition: () -> Bool) {
            changed.wait(until: .now + .seconds(60), done: condition)
        }
    }

    static func settings(_ pki: TestPKI, url: String) -> UploaderSettings {
        UploaderSettings(baseURL: url, caFile: pki.path("office-ca.pem"), clientCertificate: pki.path("station.pem"),
                         clientKey: pki.path("station.key"), connectTimeoutSeconds: 2, transferTimeoutSeconds: 20)
    }

    @Test func reportsAtStartThenSleepsUntilDueAndStopJoins() throws {
        let directory = OutboxRig.temporaryDirectory()
        defer { try? FileSystem.removeTree(directory) }
        let pki = try TestPKI(directory: directory)
        let office = try OfficeProcess(pki: pki, inbox: directory + "/inbox", logDirectory: directory)
        defer { office.stop() }
        let record = Record()
        let reporter = try FleetReporter(settings: Self.settings(pki, url: office.url), interval: .seconds(3600),
                                         report: { record.report() }, log: { record.log($0) })
        reporter.start()
        record.waitFor { record.reports.withLock { $0 } == 1 }
        reporter.stop()
        // Joined: the report was sent before stop() returned, and the office took it (a success at the start
        // is not logged; a failure would be).
        #expect(record.lines.withLock { $0 } == [])
        let monitoring = ["-s", "--max-time", "5", "--cacert", pki.path("office-ca.pem"), "--cert", pki.path("monitoring.pem"),
                          "--key", pki.path("monitoring.key"), office.url + "/metrics"]
        let metrics = OutboxRig.run("/usr/bin/curl", monitoring).standardOutput
        #expect(metrics.contains("fotobox_fleet_station_queue_depth{station=\"station\"} 0"), "\(metrics)")
        // The next report was an hour away: stop() woke the thread instead of waiting for it.
        #expect(record.reports.withLock { $0 } == 1)
    }

    @Test func stopWaitsForTheReportInFlightToEnd() throws {
        let directory = OutboxRig.temporaryDirectory()
        defer { try? FileSystem.removeTree(directory) }
        let pki = try TestPKI(directory: directory)
        let listener = try SilentListener()
        defer { withExtendedLifetime(listener) {} }
        let record = Record()
        let reporter = try FleetReporter(settings: Self.settings(pki, url: "https://127.0.0.1:\(listener.port)"), interval: .seconds(3600),
                                         report: { record.report() }, log: { record.log($0) })
        reporter.start()
        // The report is built, then sent to an office that never answers the TLS handshake.
        record.waitFor { record.reports.withLock { $0 } == 1 }
        reporter.stop()
        // Joined: the failed report has been logged before stop() returned, and nothing runs afterwards.
        let lines = record.lines.withLock { $0 }
        #expect(lines.count == 1 && lines[0].hasPrefix("fleet health report not delivered"), "\(lines)")
        #expect(record.reports.withLock { $0 } == 1)
    }
}
