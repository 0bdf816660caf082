import Foundation
import SQLite
import Submission
import OfficeReceiver
import Outbox
import Platform
import Testing

/// The clerk's desk against the real `fotobox-office` (issue 17): search, two submissions of a case,
/// take-over into the import folder, rejection, retention and the audit log.
@Suite("Clerk's desk (real fotobox-office)", .serialized, .needsOutboxRig)
struct ClerkDeskTests {
    struct Answer {
        var status: String
        var body: String
        var bytes: [UInt8]
    }

    /// A request with curl and a client certificate; the body comes back as text and bytes.
    static func request(_ office: OfficeProcess, _ pki: TestPKI, _ certificate: String, _ method: String, _ path: String,
                        extra: [String] = []) -> Answer {
        let directory = OutboxRig.temporaryDirectory()
        defer { try? FileSystem.removeTree(directory) }
        let output = directory + "/body"
        let arguments = ["-s", "-o", output, "-w", "%{http_code}", "--max-time", "20", "--cacert", pki.path("office-ca.pem"),
                         "--cert", pki.path(certificate + ".pem"), "--key", pki.path(certificate + ".key"), "-X", method] + extra + [office.url + path]
        let status = OutboxRig.run("/usr/bin/curl", arguments).standardOutput
        let bytes = (try? FileSystem.readFile(output)) ?? []
        return Answer(status: status, body: String(decoding: bytes, as: UTF8.self), bytes: bytes)
    }

    static let desk = ["-H", "X-Fotobox-Desk: 1", "-H", "Content-Type: application/json"]

    /// Submits one case as the station with curl; returns the photo.
    @discardableResult
    static func submit(_ office: OfficeProcess, _ pki: TestPKI, directory: String, caseID: String, seed: UInt64, key: String) throws -> [UInt8] {
        let photo = OutboxRig.jpeg(width: 1244, height: 1600, seed: seed)
        let files = directory + "/submit-\(seed)"
        try FileSystem.createDirectory(files)
        try FileSystem.writeNewFile(files + "/photo.jpg", photo)
        try FileSystem.writeNewFile(files + "/signature.jpg", OutboxRig.signature)
        try FileSystem.writeNewFile(files + "/metadata.json", Array(#"{"caseId":"\#(caseID)","stationId":"station-1","capturedAt":"2026-12-03T10:00:00Z","queuedAt":"2026-12-03T10:00:01Z","softwareVersion":"test","camera":"test","profile":"live"}"#.utf8))
        try FileSystem.writeNewFile(files + "/report.json", Array(#"{"compliant":false,"checks":[{"id":"eyesOpen","pass":true},{"id":"background","pass":false,"advice":"wall too dark"}]}"#.utf8))
        let answer = request(office, pki, "station", "POST", "/v1/submissions", extra: [
            "-H", "Idempotency-Key: \(key)",
            "-F", "metadata=@\(files)/metadata.json;type=application/json", "-F", "report=@\(files)/report.json;type=application/json",
            "-F", "photo=@\(files)/photo.jpg;type=image/jpeg", "-F", "signature=@\(files)/signature.jpg;type=image/jpeg"])
        guard answer.status == "201" else { throw RigError("submit \(caseID): \(answer.status) \(answer.body)") }
        return photo
    }

    struct SearchResult: Decodable { var submissions: [OfficeCaseRecord] }

    @Test func takeOverRejectRetentionAndTheAuditLog() throws {
        let directory = OutboxRig.temporaryDirectory()
        defer { try? FileSystem.removeTree(directory) }
        let pki = try TestPKI(directory: directory)
        let importDirectory = directory + "/import"
        let deskArguments = ["--import-dir", importDirectory, "--desk-dir", OutboxRig.packageRoot + "/ui/desk"]
        var office = try OfficeProcess(pki: pki, inbox: directory + "/inbox", logDirectory: directory, extraArguments: deskArguments)

        try Self.submit(office, pki, directory: directory, caseID: "DESK-0001", seed: 21, key: "desk-key-0001")
        let newer = try Self.submit(office, pki, directory: directory, caseID: "DESK-0001", seed: 22, key: "desk-key-0002")
        try Self.submit(office, pki, directory: directory, caseID: "DESK-0002", seed: 23, key: "desk-key-0003")

        // The page is the clerk's only.
        let page = Self.request(office, pki, "clerk", "GET", "/desk/")
        #expect(page.status == "200" && page.body.contains("Übernehmen"))
        #expect(Self.request(office, pki, "station", "GET", "/desk/").status == "403")
        #expect(Self.request(office, pki, "monitoring", "GET", "/v1/desk/search/DESK-0001").status == "403")

        // Search forgives case and hyphens; both submissions, the newer first and marked.
        let found = Self.request(office, pki, "clerk", "GET", "/v1/desk/search/desk0001")
        #expect(found.status == "200")
        let result = try JSONDecoder().decode(SearchResult.self, from: Data(found.bytes))
        #expect(result.submissions.count == 2)
        #expect(result.submissions.map(\.newest) == [true, false])
        let newest = try #require(result.submissions.first)
        let photo = Self.request(office, pki, "clerk", "GET", "/v1/desk/submissions/\(newest.receiptId)/photo.jpg")
        #expect(photo.status == "200" && photo.bytes == newer)
        let detail = Self.request(office, pki, "clerk", "GET", "/v1/desk/submissions/\(newest.receiptId)")
        #expect(detail.status == "200" && detail.body.contains("wall too dark") && detail.body.contains("caseSubmissions"))

        // Take-over: not by a station, not without the desk's header; then the import folder appears whole
        // and every office copy of the case is gone.
        #expect(Self.request(office, pki, "station", "POST", "/v1/desk/submissions/\(newest.receiptId)/take-over", extra: Self.desk).status == "403")
        #expect(Self.request(office, pki, "clerk", "POST", "/v1/desk/submissions/\(newest.receiptId)/take-over").status == "403")
        let taken = Self.request(office, pki, "clerk", "POST", "/v1/desk/submissions/\(newest.receiptId)/take-over", extra: Self.desk + ["-d", "{}"])
        #expect(taken.status == "200", "\(taken.body)")
        let imported = importDirectory + "/DESK-0001"
        #expect(try FileSystem.readFile(imported + "/photo.jpg") == newer)
        #expect(try FileSystem.readFile(imported + "/signature.jpg") == OutboxRig.signature)
        #expect(FileSystem.exists(imported + "/report.json"))
        let metadata = String(decoding: try FileSystem.readFile(imported + "/metadata.json"), as: UTF8.self)
        #expect(metadata.contains("\"takenOverBy\" : \"Clerk Schmidt\"") && metadata.contains(newest.receiptId))
        #expect(try FileSystem.listDirectory(importDirectory).filter { $0.hasPrefix(".") }.isEmpty)
        #expect(!FileSystem.exists(office.inbox + "/DESK-0001"))
        #expect(Self.request(office, pki, "clerk", "POST", "/v1/desk/submissions/\(newest.receiptId)/take-over", extra: Self.desk).status == "409")

        // Rejection needs a reason.
        let second = try JSONDecoder().decode(SearchResult.self, from: Data(Self.request(office, pki, "clerk", "GET", "/v1/desk/search/DESK-0002").bytes))
        let receipt = try #require(second.submissions.first?.receiptId)
        #expect(Self.request(office, pki, "clerk", "POST", "/v1/desk/submissions/\(receipt)/reject", extra: Self.desk + ["-d", #"{"reason":"  "}"#]).status == "422")
        let rejected = Self.request(office, pki, "clerk", "POST", "/v1/desk/submissions/\(receipt)/reject", extra: Self.desk + ["-d", #"{"reason":"Brille spiegelt"}"#])
        #expect(rejected.status == "200", "\(rejected.body)")
        #expect(!FileSystem.exists(office.inbox + "/DESK-0002"))
        #expect(!FileSystem.exists(importDirectory + "/DESK-0002"))

        // Retention: a submission received three days ago is deleted at the next start with --retention-days 1.
        try Self.submit(office, pki, directory: directory, caseID: "DESK-0003", seed: 24, key: "desk-key-0004")
        office.stop()
        let database = try SQLiteDatabase(path: directory + "/inbox/.fotobox-office.sqlite")
        try database.execute("UPDATE receipts SET received_at = received_at - 3 * 86400 WHERE case_id = 'DESK-0003'")
        office = try OfficeProcess(pki: pki, inbox: directory + "/inbox", logDirectory: directory,
                                   extraArguments: deskArguments + ["--retention-days", "1"])
        defer { office.stop() }
        #expect(!FileSystem.exists(office.inbox + "/DESK-0003"))
        #expect(office.log.contains("deleted 1 submission(s) nobody took over within 1 days"))

        // The audit log: every action, by whom, no image data and no case number.
        let auditBytes = try FileSystem.readFile(directory + "/inbox/.audit.jsonl")
        let entries = (try OfficeAuditLog(path: directory + "/inbox/.audit.jsonl")).entries()
        #expect(entries.map(\.action) == [.takeOver, .discard, .reject, .expire])
        #expect(entries[0].actor == "Clerk Schmidt" && entries[0].receiptId == newest.receiptId)
        #expect(entries[2].reason == "Brille spiegelt")
        #expect(entries[3].actor == "retention")
        #expect(!OutboxRig.contains(auditBytes, [0xFF, 0xD8, 0xFF][...]))
        #expect(!String(decoding: auditBytes, as: UTF8.self).contains("DESK-000"))
        #expect(!office.log.contains("DESK-000"), "a case number reached the office's log")
    }
}
