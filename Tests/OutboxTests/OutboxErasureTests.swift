import SQLite
import Foundation
import Outbox
import Platform
import Testing

/// Issue 16, item 2: after delivery nothing of the visit can be recovered from any file of the outbox —
/// not the sealed payload (which opens with the key into photo, signature and case ID), not the sealed case
/// ID, not the case ID in plain text. The write-ahead log is where it used to survive.
@Suite("Outbox erasure after delivery")
struct OutboxErasureTests {
    /// The sealed columns of every item, read from the database file the way an attacker with the disk would.
    static func sealedColumns(_ directory: String) throws -> [[UInt8]] {
        let db = try SQLiteDatabase(path: directory + "/outbox/" + Outbox.databaseName)
        return try db.rows("SELECT payload, sealed_case_id FROM items").flatMap { row in row.compactMap(\.blob) }
    }

    /// Windows of `needle` (every 4 KiB, 48 bytes each): any one found in a file means the payload is there.
    static func probes(_ needle: [UInt8]) -> [ArraySlice<UInt8>] {
        stride(from: 0, to: max(needle.count - 48, 1), by: 4096).map { needle[$0..<min($0 + 48, needle.count)] }
    }

    static func traces(in directory: String, of needles: [[UInt8]], caseID: String) throws -> [String] {
        var found: [String] = []
        for name in try FileSystem.listDirectory(directory + "/outbox") {
            let bytes = try FileSystem.readFile(directory + "/outbox/" + name)
            for (index, needle) in needles.enumerated() where Self.probes(needle).contains(where: { Fixtures.contains(bytes, $0) }) {
                found.append("\(name) holds sealed column \(index) (\(bytes.count) bytes)")
            }
            if Fixtures.contains(bytes, Array(caseID.utf8)[...]) { found.append("\(name) holds the case ID") }
        }
        return found
    }

    @Test func nothingOfADeliveredVisitRemainsInAnyFile() throws {
        let directory = Fixtures.temporaryDirectory()
        defer { Fixtures.remove(directory) }
        let outbox = try Fixtures.openOutbox(directory)
        try outbox.enqueue(Fixtures.submission(caseID: "WXYZ-9876"))
        let sealed = try Self.sealedColumns(directory)
        #expect(sealed.count == 2)
        // Before delivery the sealed bytes are on disk (else this test would prove nothing).
        #expect(!(try Self.traces(in: directory, of: sealed, caseID: "WXYZ-9876")).isEmpty)

        let claimed = try #require(try outbox.claimNext())
        try outbox.markAcknowledged(id: claimed.id, receiptID: "receipt-1")
        let left = try Self.traces(in: directory, of: sealed, caseID: "WXYZ-9876")
        #expect(left.isEmpty, "\(left)")
    }

    /// An item acknowledged while the erasure could not run is erased at the next open, with the same result.
    @Test func erasureAtOpenLeavesNothingEither() throws {
        let directory = Fixtures.temporaryDirectory()
        defer { Fixtures.remove(directory) }
        var sealed: [[UInt8]] = []
        do {
            let outbox = try Fixtures.openOutbox(directory)
            try outbox.enqueue(Fixtures.submission(caseID: "QRST-5555"))
            sealed = try Self.sealedColumns(directory)
            let claimed = try #require(try outbox.claimNext())
            try outbox.markAcknowledged(id: claimed.id, receiptID: "receipt-2")
        }
        _ = try Fixtures.openOutbox(directory)
        let left = try Self.traces(in: directory, of: sealed, caseID: "QRST-5555")
        #expect(left.isEmpty, "\(left)")
    }
}
