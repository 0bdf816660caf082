import Foundation
import Outbox
import Platform
import Submission
import Testing

/// What `fotoboxctl queue list|show|deliver` print, from the outbox's own report types.
@Suite("Outbox reports")
struct OutboxReportTests {
    @Test func itemDetailAndTableSayWhatIsErased() throws {
        let directory = Fixtures.temporaryDirectory()
        defer { Fixtures.remove(directory) }
        let outbox = try Fixtures.openOutbox(directory)
        let item = try outbox.enqueue(Fixtures.submission())
        let waiting = OutboxItemReport(item)
        #expect(waiting.detailLines.first == "item           \(item.id)")
        #expect(waiting.detailLines.contains("case           ABCD-1234"))
        #expect(waiting.detailLines.contains("confirmation   - (none: queued from files)"))
        #expect(waiting.detailLines.contains { $0.hasPrefix("next attempt   ") })
        #expect(waiting.detailLines.last == "payload        \(item.payloadBytes) bytes, encrypted")

        _ = try #require(try outbox.claimNext())
        try outbox.markAcknowledged(id: item.id, receiptID: "R-1")
        let erased = OutboxItemReport(try outbox.item(id: item.id))
        #expect(erased.detailLines.contains("case           - (erased)"))
        #expect(erased.detailLines.contains("confirmation   - (erased)"))
        #expect(erased.detailLines.contains("receipt        R-1"))
        #expect(erased.detailLines.last == "payload        erased")
        #expect(!erased.detailLines.contains { $0.hasPrefix("next attempt") })

        let table = OutboxItem.tableLines(try outbox.items())
        #expect(table.count == 2)
        #expect(table[0].hasPrefix("ID  STATE   CASE  CREATED (UTC)"))
        #expect(table[1].hasSuffix("R-1"))
    }

    @Test func deliverySummaryNamesWhatIsLeft() {
        #expect(OutboxDeliveryReport(delivered: 3, left: 0).summary == "delivered 3 item(s); nothing left to deliver")
        #expect(OutboxDeliveryReport(delivered: 1, left: 2, lastError: "office unreachable").summary
                == "delivered 1 item(s); 2 left. Last error: office unreachable")
    }
}
