import FotoboxTestSupport
import Foundation
import OfficeReceiver
import Outbox
import Platform
import Submission
import Testing

/// Issue 15/17: the code on the citizen's receipt reaches the office with the submission; `fotoboxctl queue
/// show` displays it while the item waits at the station, and the clerk finds the submission by it however
/// it is typed. Real binaries, real TLS.
@Suite("Confirmation code from the receipt to the desk (real binaries)", .serialized, .needsOutboxRig)
struct ConfirmationCodeTests {
    @Test func queueShowDisplaysItAndTheClerkFindsTheSubmissionByIt() throws {
        let directory = OutboxRig.temporaryDirectory()
        defer { try? FileSystem.removeTree(directory) }
        let pki = try TestPKI(directory: directory)
        let office = try OfficeProcess(pki: pki, inbox: directory + "/inbox", logDirectory: directory,
                                       extraArguments: ["--import-dir", directory + "/import", "--desk-dir", OutboxRig.packageRoot + "/ui/desk"])
        defer { office.stop() }
        let station = try StationFiles(directory: directory, pki: pki, officeURL: office.url)
        let code = try #require(ConfirmationCode("K7M-2QX"))
        let metadata = CaptureMetadata(stationID: "station-1", capturedAt: "2026-12-03T10:00:00Z", queuedAt: "2026-12-03T10:00:01Z",
                                       camera: "test", visit: VisitContext(language: "de", retakes: 0, compliant: true, visitSeconds: 61, confirmationCode: code))
        let report = Array(#"{"compliant":true,"checks":[{"id":"eyesOpen","pass":true}]}"#.utf8)
        let item = try station.outbox().enqueue(Submission(caseID: "CODE-0001", photo: OutboxRig.jpeg(width: 1244, height: 1600, seed: 31),
                                                           signature: OutboxRig.signature, report: report, metadata: metadata))

        // Waiting at the station: the technician sees the code (text and JSON).
        let show = OutboxRig.fotoboxctl(["queue", "show", "\(item.id)", "--config", station.configPath])
        #expect(show.status == 0 && show.standardOutput.contains("confirmation   K7M-2QX"), "\(show.standardOutput)\(show.standardError)")
        let json = OutboxRig.fotoboxctl(["queue", "show", "\(item.id)", "--json", "--config", station.configPath])
        let shown = try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [String: Any]
        #expect(shown?["confirmationCode"] as? String == "K7M-2QX", "\(json.standardOutput)")

        let deliver = OutboxRig.fotoboxctl(["queue", "deliver", "--once", "--config", station.configPath])
        #expect(deliver.status == 0, "\(deliver.standardOutput)\(deliver.standardError)")
        // Delivered and erased: the code went with the payload.
        let after = OutboxRig.fotoboxctl(["queue", "show", "\(item.id)", "--config", station.configPath]).standardOutput
        #expect(after.contains("confirmation   - (erased)") && !after.contains("K7M-2QX"), "\(after)")

        // At the office: kept with the submission, found by the clerk however typed.
        for typed in ["K7M-2QX", "k7m2qx", "k7m%202qx"] {
            let found = ClerkDeskTests.request(office, pki, "clerk", "GET", "/v1/desk/search/\(typed)")
            #expect(found.status == "200", "\(typed): \(found.body)")
            let result = try JSONDecoder().decode(ClerkDeskTests.SearchResult.self, from: Data(found.bytes))
            #expect(result.submissions.map(\.caseId) == ["CODE-0001"] && result.submissions.first?.confirmationCode == "K7M-2QX", "\(typed): \(found.body)")
        }
        let folder = office.submissionFolder("CODE-0001")
        let stored = try JSONSerialization.jsonObject(with: Data(try FileSystem.readFile(folder + "/submission.json"))) as? [String: Any]
        #expect((stored?["visit"] as? [String: Any])?["confirmationCode"] as? String == "K7M-2QX", "\(stored ?? [:])")
        #expect(stored?["receiptId"] as? String != nil && stored?["caseId"] as? String == "CODE-0001", "\(stored ?? [:])")
        // A code that was never sent finds nothing.
        let none = try JSONDecoder().decode(ClerkDeskTests.SearchResult.self,
                                            from: Data(ClerkDeskTests.request(office, pki, "clerk", "GET", "/v1/desk/search/ABC-DEF").bytes))
        #expect(none.submissions.isEmpty)
    }
}
