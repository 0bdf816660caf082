import Submission
import Outbox
import Testing

@Suite("Upload outcomes")
struct UploadOutcomeTests {
    static let receipt = Array(#"{"receiptId":"r1","caseId":"ABCD-1234","receivedAt":"2026-11-25T10:00:00Z","idempotencyKey":"k1234567"}"#.utf8)

    @Test func twoHundredsWithAReceiptAreDelivered() {
        let expected = SubmissionReceipt(receiptId: "r1", caseId: "ABCD-1234", receivedAt: "2026-11-25T10:00:00Z", idempotencyKey: "k1234567")
        #expect(Uploader.outcome(status: 201, body: Self.receipt) == .accepted(expected, status: 201))
        #expect(Uploader.outcome(status: 200, body: Self.receipt) == .accepted(expected, status: 200))
    }

    @Test func aTwoHundredWithoutReceiptIsRetried() {
        guard case .failed = Uploader.outcome(status: 201, body: Array("ok".utf8)) else { Issue.record("expected a transient failure"); return }
    }

    @Test(arguments: [408, 429, 500, 503, 507])
    func transientStatusesAreRetried(status: Int) {
        guard case .failed(let reason) = Uploader.outcome(status: status, body: Array(#"{"error":"disk full"}"#.utf8)) else {
            Issue.record("expected a transient failure"); return
        }
        #expect(reason.contains("\(status)") && reason.contains("disk full"))
    }

    @Test(arguments: [400, 403, 413, 422])
    func otherClientErrorsAreRefusals(status: Int) {
        #expect(Uploader.outcome(status: status, body: Array(#"{"error":"no"}"#.utf8)) == .refused(status: status, message: "no"))
    }
}
