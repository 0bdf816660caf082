import Configuration
import Foundation
import Outbox
import Submission
import Platform
import Testing

/// Issue 16, item 3: a case ID never appears in an error's text, in `last_error` or in the delivery log.
@Suite("Case IDs redacted")
struct CaseIDRedactionTests {
    /// Errors that carry a case ID describe themselves redacted — by type, however they are printed.
    @Test func errorsCarryingACaseIDDescribeThemselvesRedacted() throws {
        let policy = try CaseIDPolicy(pattern: "^[0-9]{6}$", checkDigit: .luhn)
        for id in ["ABCD-1234", "123456", "../etc"] {
            do {
                try policy.validate(id)
                Issue.record("\(id) accepted")
            } catch {
                for text in ["\(error)", String(describing: error), String(reflecting: error), "\(error.localizedDescription)"] {
                    #expect(!text.contains(id), "\(text)")
                }
                var dumped = ""
                dump(error, to: &dumped)
                #expect(!dumped.contains(id), "\(dumped)")
            }
        }
        #expect("\(SubmissionError.caseIDCheckDigit("123456"))" == "case ID <case ID 999999> has a wrong check digit")
        // The value is still there for the code that needs it.
        guard case .caseIDCheckDigit(let carried) = SubmissionError.caseIDCheckDigit("123456") else { return }
        #expect(carried.value == "123456")
    }

    @Test func freeTextIsRedactedInAnyLetterCase() {
        #expect(CaseIDText.redact("case abcd-1234 (ABCD-1234) is closed; ABCD-12345", caseID: "ABCD-1234")
                == "case <case ID AAAA-9999> (<case ID AAAA-9999>) is closed; <case ID AAAA-9999>5")
        #expect(CaseIDText.redact("Fall äöü ABCD-1234 ✓", caseID: "ABCD-1234") == "Fall äöü <case ID AAAA-9999> ✓")
        #expect(CaseIDText.redact("nothing here", caseID: "") == "nothing here")
    }

    /// An office that quotes the case ID in its refusal: what the store keeps (and hands back for the log) has it
    /// redacted; the item itself still knows its case ID (sealed) for `queue list`'s CASE column.
    @Test func anOfficeReasonQuotingTheCaseIDIsStoredRedacted() throws {
        let directory = Fixtures.temporaryDirectory()
        defer { Fixtures.remove(directory) }
        let outbox = try Fixtures.openOutbox(directory)
        try outbox.enqueue(Fixtures.submission(caseID: "WXYZ-4321"))
        let claimed = try #require(try outbox.claimNext())
        let logged = try outbox.recordFailure(id: claimed.id, error: "refused by the office (HTTP 409): case wxyz-4321 already closed (WXYZ-4321)",
                                              retryAt: Date())
        #expect(!logged.uppercased().contains("WXYZ-4321"), "\(logged)")
        let item = try #require(try outbox.items().first)
        #expect(item.caseID == "WXYZ-4321")
        #expect(item.lastError?.uppercased().contains("WXYZ-4321") == false, "\(item.lastError ?? "")")
        #expect(try outbox.status().lastError?.uppercased().contains("WXYZ-4321") == false)
        // Nor in any file, in plain text.
        for name in try FileSystem.listDirectory(directory + "/outbox") {
            let bytes = try FileSystem.readFile(directory + "/outbox/" + name)
            #expect(!Fixtures.contains(bytes, Array("WXYZ-4321".utf8)[...]) && !Fixtures.contains(bytes, Array("wxyz-4321".utf8)[...]), "\(name)")
        }
    }
}
