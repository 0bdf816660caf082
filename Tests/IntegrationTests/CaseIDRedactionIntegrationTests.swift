import FotoboxTestSupport
import Foundation
import Outbox
import Submission
import Platform
import Testing

/// Issue 16, item 3, with the real binaries: an office that refuses an item because of its case ID answers
/// without quoting it, and neither `queue deliver`, `queue list`, `queue show` nor the station's store show
/// it anywhere but in the CASE column (which the technician needs to find the citizen's item).
@Suite("Case IDs redacted end to end (real binaries)", .serialized, .needsOutboxRig)
struct CaseIDRedactionIntegrationTests {
    @Test func aRefusalForTheCaseIDNeverQuotesIt() throws {
        let directory = OutboxRig.temporaryDirectory()
        defer { try? FileSystem.removeTree(directory) }
        let pki = try TestPKI(directory: directory)
        // The office accepts only numeric case IDs; the station queues one of its own format.
        let office = try OfficeProcess(pki: pki, inbox: directory + "/inbox", logDirectory: directory,
                                       extraArguments: ["--case-id-pattern", "^[0-9]{8}$"])
        defer { office.stop() }
        let station = try StationFiles(directory: directory, pki: pki, officeURL: office.url)
        _ = try OutboxTLSTests.queueAdd(station, directory: directory, caseID: "QWER-7788", seed: 5)
        // --once: without it `deliver` waits for the refused item's next attempt (hours away).
        let deliver = OutboxRig.fotoboxctl(["queue", "deliver", "--once", "--config", station.configPath])
        #expect(deliver.status != 0)
        #expect(!(deliver.standardOutput + deliver.standardError).contains("QWER-7788"), "\(deliver.standardOutput)\(deliver.standardError)")

        let item = try #require(try station.outbox().items().first)
        #expect(item.state == .pending)
        let lastError = try #require(item.lastError)
        #expect(lastError.contains("400") || lastError.contains("422"), "\(lastError)")
        #expect(lastError.contains("<case ID AAAA-9999>"), "\(lastError)")
        #expect(!lastError.contains("QWER-7788"), "\(lastError)")

        let json = OutboxRig.fotoboxctl(["queue", "list", "--json", "--config", station.configPath])
        let list = try #require(try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [String: Any])
        #expect((list["summary"] as? String)?.contains("QWER-7788") == false)
        let rows = try #require(list["items"] as? [[String: Any]])
        #expect(rows.first?["caseId"] as? String == "QWER-7788")
        #expect((rows.first?["lastError"] as? String)?.contains("QWER-7788") == false)
        let table = OutboxRig.fotoboxctl(["queue", "list", "--config", station.configPath]).standardOutput
        #expect(table.components(separatedBy: "QWER-7788").count == 2, "the case ID outside its column: \(table)")
        let show = OutboxRig.fotoboxctl(["queue", "show", "\(item.id)", "--config", station.configPath]).standardOutput
        #expect(show.components(separatedBy: "QWER-7788").count <= 2, "\(show)")
        // The office's own log names no case ID either.
        for name in try FileSystem.listDirectory(directory) where name.hasSuffix(".log") {
            let log = String(decoding: try FileSystem.readFile(directory + "/" + name), as: UTF8.self)
            #expect(!log.contains("QWER-7788"), "\(name)")
        }
    }
}
