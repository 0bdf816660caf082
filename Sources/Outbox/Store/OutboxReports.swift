import Foundation
import Platform
import Submission

// The outbox as a technician sees it (`fotoboxctl queue …`): items as a table, one item in detail, and what a
// purge or a foreground delivery did, each as text for people and as JSON for scripts.

/// One item for `--json` output and the detail view. Times are UTC timestamps as in the submission metadata.
public struct OutboxItemReport: Encodable, Sendable {
    public let id: Int64
    public let state: String
    public let caseId: String?
    public let createdAt: String
    public let attempts: Int
    /// When the next upload is tried; only while the item waits.
    public let nextAttemptAt: String?
    public let lastError: String?
    public let receiptId: String?
    public let payloadBytes: Int
    /// The code on the citizen's receipt (`queue show` only: it is read from the sealed payload).
    public var confirmationCode: String?

    public init(_ item: OutboxItem) {
        id = item.id
        state = item.state.rawValue
        caseId = item.caseID
        createdAt = CaptureMetadata.timestamp(item.createdAt)
        attempts = item.attempts
        nextAttemptAt = item.state == .pending ? CaptureMetadata.timestamp(item.nextAttemptAt) : nil
        lastError = item.lastError
        receiptId = item.receiptID
        payloadBytes = item.payloadBytes
    }

    /// The item for a person, one field per line; erased parts (case, code, payload) say so.
    public var detailLines: [String] {
        let erased = state == OutboxState.erased.rawValue
        var lines = [
            "item           \(id)",
            "state          \(state)",
            "case           \(caseId ?? "- (erased)")",
            "confirmation   \(confirmationCode ?? (erased ? "- (erased)" : "- (none: queued from files)"))",
            "created        \(createdAt)",
            "attempts       \(attempts)",
        ]
        if let nextAttemptAt { lines.append("next attempt   \(nextAttemptAt)") }
        if let receiptId { lines.append("receipt        \(receiptId)") }
        if let lastError { lines.append("last error     \(lastError)") }
        lines.append("payload        \(erased ? "erased" : "\(payloadBytes) bytes, encrypted")")
        return lines
    }
}

extension OutboxItem {
    /// Items as an aligned table with a header; the last column holds the receipt, or the last error cut
    /// to 60 characters.
    public static func tableLines(_ items: [OutboxItem]) -> [String] {
        let header = ["ID", "STATE", "CASE", "CREATED (UTC)", "TRIES", "RECEIPT / LAST ERROR"]
        let rows = items.map { item in
            [String(item.id), item.state.rawValue, item.caseID ?? "-", CaptureMetadata.timestamp(item.createdAt), String(item.attempts),
             item.receiptID ?? item.lastError.map { String($0.prefix(60)) } ?? "-"]
        }
        return TextTable.aligned([header] + rows)
    }
}

/// What a purge deleted, or with `wouldDelete` what it would delete (nothing deleted yet).
public struct OutboxPurgeReport: Encodable, Sendable {
    public var deleted: Int
    public var olderThanDays: Int
    /// Of the items concerned, those never delivered (pending or sending): lost for good when deleted.
    public var undelivered: Int
    public var wouldDelete: [OutboxItemReport]

    public init(deleted: Int, olderThanDays: Int, undelivered: Int, wouldDelete: [OutboxItemReport]) {
        self.deleted = deleted
        self.olderThanDays = olderThanDays
        self.undelivered = undelivered
        self.wouldDelete = wouldDelete
    }
}

/// What a foreground delivery (`queue deliver`) did.
public struct OutboxDeliveryReport: Encodable, Sendable, Equatable {
    public var delivered: Int
    /// Items still pending or sending when it stopped.
    public var left: Int
    /// The last failure's reason when items are left (no case ID, no payload).
    public var lastError: String?

    public init(delivered: Int, left: Int, lastError: String? = nil) {
        self.delivered = delivered
        self.left = left
        self.lastError = lastError
    }

    /// One line for a person.
    public var summary: String {
        left == 0 ? "delivered \(delivered) item(s); nothing left to deliver"
            : "delivered \(delivered) item(s); \(left) left. \(lastError.map { "Last error: \($0)" } ?? "")"
    }
}
