/// The office's answer to an accepted submission (`201 Created`, or `200 OK` for a repeated idempotency
/// key with the receipt of the first time). JSON: `{"receiptId", "caseId", "receivedAt", "idempotencyKey"}`.
public struct SubmissionReceipt: Codable, Sendable, Equatable {
    public var receiptId: String
    public var caseId: String
    /// ISO 8601 UTC.
    public var receivedAt: String
    public var idempotencyKey: String

    public init(receiptId: String, caseId: String, receivedAt: String, idempotencyKey: String) {
        self.receiptId = receiptId
        self.caseId = caseId
        self.receivedAt = receivedAt
        self.idempotencyKey = idempotencyKey
    }
}
