import Foundation
import Configuration
import Submission
import OfficeReceiver
import Outbox
import Testing

@Suite("Office fleet health and metrics (without transport)")
struct OfficeFleetTests {
    static func report(queue: Int = 3, lastError: String? = nil) -> StationHealthReport {
        StationHealthReport(stationId: "station-7", softwareVersion: "fotoboxd 0.1", sentAt: CaptureMetadata.timestamp(Date().addingTimeInterval(-2)),
                            camera: .init(up: true, detail: "replay"), pad: .init(up: false, detail: "no Wacom STU pad"),
                            diskFreeBytes: 5_000_000_000, queueDepth: queue, oldestQueuedSeconds: 120, lastError: lastError, submissionsQueued: 9)
    }

    @Test func aStationReportsAndMonitoringReadsTheMetrics() throws {
        let directory = Fixtures.temporaryDirectory()
        defer { Fixtures.remove(directory) }
        let api = OfficeAPI(inbox: try OfficeInbox(directory: directory + "/inbox"))
        let body = Array(try JSONEncoder().encode(Self.report()))
        let client = ClientIdentity(role: .station, name: "station-7", certificateExpiry: Date(timeIntervalSince1970: 2_000_000_000))
        #expect(api.handle(method: "POST", path: "/v1/fleet/health", client: client, header: { _ in nil }, body: body).status == 200)
        #expect(api.handle(method: "POST", path: "/v1/fleet/health", role: .clerk, header: { _ in nil }, body: body).status == 403)
        #expect(api.handle(method: "POST", path: "/v1/fleet/health", role: .station, header: { _ in nil }, body: Array("{}".utf8)).status == 422)
        var hostile = Self.report()
        hostile.stationId = "../x"
        #expect(api.handle(method: "POST", path: "/v1/fleet/health", role: .station, header: { _ in nil },
                           body: Array(try JSONEncoder().encode(hostile))).status == 422)
        #expect(try api.inbox.openCount() == 0)

        for role in [ClientRole.station, .clerk] {
            #expect(api.handle(method: "GET", path: "/metrics", role: role, header: { _ in nil }, body: []).status == 403)
        }
        let metrics = api.handle(method: "GET", path: "/metrics", role: .monitoring, header: { _ in nil }, body: [])
        #expect(metrics.status == 200 && metrics.contentType.hasPrefix("text/plain; version=0.0.4"))
        let text = String(decoding: metrics.body, as: UTF8.self)
        #expect(text.contains("fotobox_fleet_station_queue_depth{station=\"station-7\"} 3"))
        #expect(text.contains("fotobox_fleet_station_pad_up{station=\"station-7\"} 0"))
        #expect(text.contains("fotobox_fleet_station_certificate_expiry_timestamp_seconds{station=\"station-7\"} 2000000000"))
        #expect(text.contains("# TYPE fotobox_office_delivery_latency_seconds histogram"))
        let offset = api.fleet.stations.first?.clockOffsetSeconds ?? 0
        #expect(offset > 1 && offset < 10)
        let page = api.handle(method: "GET", path: "/fleet/", role: .monitoring, header: { _ in nil }, body: [])
        #expect(page.status == 200 && String(decoding: page.body, as: UTF8.self).contains("no Wacom STU pad"))
    }

    @Test func acceptedSubmissionsAreCountedByComplianceAndFailedCheck() throws {
        let directory = Fixtures.temporaryDirectory()
        defer { Fixtures.remove(directory) }
        let api = OfficeAPI(inbox: try OfficeInbox(directory: directory + "/inbox"))
        var failing = Fixtures.submission(caseID: "CNT-0001")
        failing.report = Array(#"{"compliant":false,"checks":[{"id":"eyesOpen","pass":false},{"id":"background","pass":true}]}"#.utf8)
        for (index, submission) in [Fixtures.submission(caseID: "CNT-0000"), failing].enumerated() {
            let (body, type) = SubmissionWire.encode(submission)
            let response = api.handle(method: "POST", path: "/v1/submissions", role: .station, header: { name in
                name == "Content-Type" ? type : name == "Idempotency-Key" ? "count-key-\(index)0" : nil
            }, body: body)
            #expect(response.status == 201)
        }
        let text = String(decoding: api.handle(method: "GET", path: "/metrics", role: .monitoring, header: { _ in nil }, body: []).body, as: UTF8.self)
        #expect(text.contains("fotobox_office_submissions_total{compliant=\"true\",station=\"station-1\"} 1"))
        #expect(text.contains("fotobox_office_submissions_total{compliant=\"false\",station=\"station-1\"} 1"))
        #expect(text.contains("fotobox_office_compliance_failures_total{check=\"eyesOpen\"} 1"))
        #expect(!text.contains("check=\"background\""))
        #expect(text.contains("fotobox_office_open_submissions 2"))
        #expect(text.contains("fotobox_office_delivery_latency_seconds_count 2"))
        #expect(!text.contains("CNT-000"), "a case number in the metrics")
    }

    /// A newer station reports checks this office does not know: each is counted (by its name when that is a safe
    /// identifier, else as "(unreadable)"), none dropped, none refused; a flood of new names is capped (issue 18).
    @Test func checksOnlyANewerStationKnowsAreCountedNotDropped() throws {
        let fleet = OfficeFleet()
        var submission = Fixtures.submission(caseID: "NEW-0001")
        submission.report = Array(#"""
            {"compliant":false,"checks":[{"id":"eyesOpen","pass":false},{"id":"lensFlare","pass":false},
            {"id":"bad id\u001b[2J","pass":false},{"id":"sharpness","pass":true},{"id":"futureCheck","pass":true}]}
            """#.utf8)
        // The office accepts it: an unknown id is no reason to refuse a citizen's photo.
        try SubmissionRules.validateReport(submission.report)
        let read = try SubmittedComplianceReport(json: submission.report)
        #expect(read.failedChecks == [.known(.eyesOpen), .unknown("lensFlare"), .unknown("bad id\u{1b}[2J")])
        fleet.recordSubmission(submission)
        var text = fleet.prometheusText(openSubmissions: 0)
        #expect(text.contains(#"fotobox_office_compliance_failures_total{check="eyesOpen"} 1"#))
        #expect(text.contains(#"fotobox_office_compliance_failures_total{check="lensFlare"} 1"#))
        #expect(text.contains(#"fotobox_office_compliance_failures_total{check="(unreadable)"} 1"#))
        #expect(!text.contains("2J") && !text.contains("futureCheck") && !text.contains("sharpness\""))

        // Many different new names: the first 32 apart, the rest together, every failure counted.
        for index in 0..<40 {
            submission.report = Array(#"{"compliant":false,"checks":[{"id":"newCheck\#(index)","pass":false}]}"#.utf8)
            fleet.recordSubmission(submission)
        }
        text = fleet.prometheusText(openSubmissions: 0)
        let labels = text.split(separator: "\n").filter { $0.hasPrefix("fotobox_office_compliance_failures_total{") }
        #expect(labels.count == 1 + 32, "\(labels)")
        let counted = labels.compactMap { Int($0.split(separator: " ").last ?? "") }.reduce(0, +)
        #expect(counted == 3 + 40)

        // Not a report: an id that is no string.
        #expect(throws: SubmissionError.self) { try SubmissionRules.validateReport(Array(#"{"compliant":true,"checks":[{"id":7,"pass":true}]}"#.utf8)) }
    }
}
