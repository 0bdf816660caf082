import Foundation
import Configuration
import Submission
import Platform

/// What the office knows about its stations and its own traffic: the latest health report of each
/// station (kept in memory: every station reports again within a minute of an office restart) and
/// counters since start. Rendered as `/metrics` (Prometheus), `/v1/fleet` (JSON) and `/fleet/` (HTML).
public final class OfficeFleet: Sendable {
    public struct Station: Codable, Sendable, Equatable {
        public var report: StationHealthReport
        /// When the office received the latest report (ISO 8601 UTC) and as Unix time.
        public var receivedAt: String
        public var receivedAtUnix: Double
        /// Office clock minus station clock at the report, seconds (positive: the station is behind).
        public var clockOffsetSeconds: Double
        /// When the station's client certificate expires (Unix time), from the TLS handshake.
        public var certificateExpiresAtUnix: Double?
    }

    private struct Counters {
        var stations: [String: Station] = [:]
        /// Accepted submissions by station and compliance.
        var submissions: [String: [ComplianceVerdict: Int]] = [:]
        /// Failed compliance checks by the check's label (`ReportedCheck.label`), over all accepted submissions.
        var failedChecks: [String: Int] = [:]
        /// Delivery latency (office receipt minus station queue time), cumulative bucket counts.
        var latencyBuckets = [Int](repeating: 0, count: OfficeFleet.latencyBounds.count)
        var latencySum = 0.0
        var latencyCount = 0
    }
    private let counters = Locked(Counters())

    /// A submission's compliance verdict, as the `compliant` label of `fotobox_office_submissions_total`.
    enum ComplianceVerdict: String, Comparable {
        case compliant = "true"
        case notCompliant = "false"
        /// Not analysed (`"compliant": null`, fotoboxctl queue add), or no readable report.
        case unknown

        init(_ compliant: Bool?) {
            switch compliant {
            case true?: self = .compliant
            case false?: self = .notCompliant
            case nil: self = .unknown
            }
        }

        static func < (left: Self, right: Self) -> Bool { left.rawValue < right.rawValue }
    }

    /// How many different check names this office does not know it counts apart.
    static let unknownCheckLabelLimit = 32

    /// Seconds: a minute, five, fifteen, an hour, six hours, a day, three days.
    static let latencyBounds: [Double] = [1, 10, 60, 300, 900, 3600, 21_600, 86_400, 259_200]

    public init() {}

    /// Keeps a station's report (validated by the caller).
    public func record(_ report: StationHealthReport, certificateExpiry: Date?, now: Date = Date()) {
        let sent = ISO8601DateFormatter().date(from: report.sentAt)
        let station = Station(report: report, receivedAt: CaptureMetadata.timestamp(now), receivedAtUnix: now.timeIntervalSince1970,
                              clockOffsetSeconds: sent.map { now.timeIntervalSince($0) } ?? 0,
                              certificateExpiresAtUnix: certificateExpiry?.timeIntervalSince1970)
        counters.withLock { $0.stations[report.stationId] = station }
    }

    /// Counts an accepted submission: its station, its compliance, its failed checks, its delivery latency.
    /// A failed check this office does not know (a newer station's) is counted under its name when that is a
    /// safe identifier, else under `Reported.unreadableLabel`; beyond `unknownCheckLabelLimit` different unknown
    /// names, further ones count under that label too (a metric's labels stay few). Never dropped.
    public func recordSubmission(_ submission: Submission, now: Date = Date()) {
        // Accepted submissions passed `SubmissionRules.validateReport`, which reads the same shape.
        let report = try? SubmittedComplianceReport(json: submission.report)
        let compliance = ComplianceVerdict(report?.compliant)
        let queued = ISO8601DateFormatter().date(from: submission.metadata.queuedAt)
        counters.withLock { state in
            state.submissions[submission.metadata.stationID, default: [:]][compliance, default: 0] += 1
            for check in report?.failedChecks ?? [] {
                var label = check.label
                if check.known == nil, state.failedChecks[label] == nil {
                    let unknownLabels = state.failedChecks.keys.filter { CheckID(rawValue: $0) == nil }.count
                    if unknownLabels >= Self.unknownCheckLabelLimit { label = ReportedCheck.unreadableLabel }
                }
                state.failedChecks[label, default: 0] += 1
            }
            if let queued {
                let latency = max(0, now.timeIntervalSince(queued))
                for (index, bound) in Self.latencyBounds.enumerated() where latency <= bound { state.latencyBuckets[index] += 1 }
                state.latencySum += latency
                state.latencyCount += 1
            }
        }
    }

    /// Every station's latest report, by station ID.
    public var stations: [Station] {
        counters.withLock { $0.stations.values.sorted { $0.report.stationId < $1.report.stationId } }
    }

    /// The office's `/metrics` in the Prometheus text format. `openSubmissions` comes from the inbox.
    public func prometheusText(openSubmissions: Int, now: Date = Date()) -> String {
        let state = counters.withLock { $0 }
        var text = PrometheusText()
        let stations = state.stations.values.sorted { $0.report.stationId < $1.report.stationId }
        func each(_ value: (Station) -> Double?) -> [([String: String], Double)] {
            stations.compactMap { station in value(station).map { (["station": station.report.stationId], $0) } }
        }
        text.gauge("fotobox_office_open_submissions", "submissions waiting at the office for a clerk", [:], Double(openSubmissions))
        text.gauge("fotobox_fleet_station_last_report_timestamp_seconds", "when the station last reported (Unix time)", each { $0.receivedAtUnix })
        text.gauge("fotobox_fleet_station_camera_up", "1 when the station's camera works", each { $0.report.camera.up ? 1 : 0 })
        text.gauge("fotobox_fleet_station_pad_up", "1 when the station's signature pad works", each { $0.report.pad.up ? 1 : 0 })
        text.gauge("fotobox_fleet_station_disk_free_bytes", "free bytes on the station's outbox file system", each { Double($0.report.diskFreeBytes) })
        text.gauge("fotobox_fleet_station_queue_depth", "submissions waiting at the station", each { Double($0.report.queueDepth) })
        text.gauge("fotobox_fleet_station_queue_oldest_seconds", "age of the station's oldest waiting submission", each { Double($0.report.oldestQueuedSeconds) })
        text.gauge("fotobox_fleet_station_delivery_failing", "1 when the station's last delivery attempt failed", each { $0.report.lastError == nil ? 0 : 1 })
        text.gauge("fotobox_fleet_station_clock_offset_seconds", "office clock minus station clock", each { $0.clockOffsetSeconds })
        text.gauge("fotobox_fleet_station_certificate_expiry_timestamp_seconds", "when the station's client certificate expires (Unix time)",
                   each { $0.certificateExpiresAtUnix })
        text.counter("fotobox_fleet_station_submissions_total", "submissions the station queued since it started (completed visits)",
                     each { Double($0.report.submissionsQueued) })
        text.gauge("fotobox_fleet_station_info", "the station's software version", stations.map {
            (["station": $0.report.stationId, "version": $0.report.softwareVersion], 1)
        })
        text.counter("fotobox_office_submissions_total", "accepted submissions since the office started, by station and compliance",
                     state.submissions.sorted { $0.key < $1.key }.flatMap { station, byCompliance in
                         byCompliance.sorted { $0.key < $1.key }.map { (["station": station, "compliant": $0.key.rawValue], Double($0.value)) }
                     })
        text.counter("fotobox_office_compliance_failures_total", "failed compliance checks in accepted submissions, by check",
                     state.failedChecks.sorted { $0.key < $1.key }.map { (["check": $0.key], Double($0.value)) })
        text.histogram("fotobox_office_delivery_latency_seconds", "from queued at the station to received at the office",
                       bounds: Self.latencyBounds, cumulative: state.latencyBuckets, sum: state.latencySum, count: state.latencyCount)
        return text.text
    }

    /// The technicians' fleet page: one row per station, plain HTML (no script).
    public func page(now: Date = Date()) -> [UInt8] {
        func escape(_ text: String) -> String {
            text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
        }
        var rows = ""
        for station in stations {
            let report = station.report
            let age = Int(now.timeIntervalSince1970 - station.receivedAtUnix)
            let silent = age > 300
            let expiry = station.certificateExpiresAtUnix.map { CaptureMetadata.timestamp(Date(timeIntervalSince1970: $0)) } ?? "?"
            rows += """
                <tr class="\(silent ? "silent" : "ok")"><td>\(escape(report.stationId))</td><td>\(age) s</td>\
                <td>\(report.camera.up ? "ok" : "✗ " + escape(report.camera.detail))</td><td>\(report.pad.up ? "ok" : "✗ " + escape(report.pad.detail))</td>\
                <td>\(report.diskFreeBytes / 1_000_000) MB</td><td>\(report.queueDepth) (\(report.oldestQueuedSeconds) s)</td>\
                <td>\(escape(report.lastError ?? "–"))</td><td>\(escape(report.softwareVersion))</td>\
                <td>\(Int(station.clockOffsetSeconds)) s</td><td>\(expiry)</td></tr>

                """
        }
        let html = """
            <!DOCTYPE html><html lang="de"><head><meta charset="utf-8"><meta http-equiv="refresh" content="30">
            <title>Fotobox – Stationen / fleet</title><style>body{font-family:system-ui,sans-serif;margin:1.5rem}
            table{border-collapse:collapse}td,th{border-bottom:1px solid #ccd;padding:.3rem .6rem;text-align:left}
            tr.silent{background:#fde8e8}</style></head><body><h1>Fotobox – Stationen / fleet</h1>
            <table><thead><tr><th>Station</th><th>Letzte Meldung / last report</th><th>Kamera / camera</th><th>Pad</th>
            <th>Speicher frei / disk free</th><th>Warteschlange / queue (oldest)</th><th>Letzter Fehler / last error</th>
            <th>Software</th><th>Uhr-Abweichung / clock offset</th><th>Zertifikat bis / certificate until</th></tr></thead>
            <tbody>
            \(rows)</tbody></table></body></html>
            """
        return Array(html.utf8)
    }
}
