import Foundation
import Configuration
import Submission
import Outbox
import Testing

@Suite("Submission wire format and rules")
struct SubmissionWireTests {
    @Test func roundTrip() throws {
        let (body, type) = SubmissionWire.encode(Fixtures.submission())
        #expect(type.hasPrefix("multipart/form-data; boundary=fotobox-"))
        #expect(try SubmissionWire.decode(body, contentType: type) == Fixtures.submission())
    }

    @Test func truncatedBodyIsRefused() {
        let (body, type) = SubmissionWire.encode(Fixtures.submission())
        #expect { try SubmissionWire.decode(Array(body.prefix(body.count / 2)), contentType: type) } throws: {
            "\($0)".contains("not terminated")
        }
    }

    @Test(arguments: ["text/plain", "multipart/form-data", "multipart/form-data; boundary="])
    func badContentTypeIsRefused(type: String) {
        #expect(throws: SubmissionError.self) { try SubmissionWire.decode(Array("x".utf8), contentType: type) }
    }

    /// The clerk's import metadata is the office's stored record read back as typed values plus the takeover
    /// (issue 18: Codable, not JSONSerialization); unreadable bytes give the takeover fields alone.
    @Test func importMetadataIsTheStoredRecordPlusTheTakeover() throws {
        let submission = Fixtures.submission()
        let receipt = SubmissionReceipt(receiptId: "r-1", caseId: submission.caseID, receivedAt: "2026-12-03T10:00:02Z", idempotencyKey: "k")
        let stored = SubmissionWire.recordJSON(submission, receipt: receipt)
        let imported = String(decoding: SubmissionWire.importJSON(record: stored, takenOverBy: "Clerk Schmidt", at: "2026-12-03T11:00:00Z"), as: UTF8.self)
        let expected = String(decoding: stored, as: UTF8.self)
        for line in expected.split(separator: "\n") where line.contains(":") {
            #expect(imported.contains(line.trimmingCharacters(in: .init(charactersIn: ", "))), "\(line)")
        }
        #expect(imported.contains(#""takenOverBy" : "Clerk Schmidt""#) && imported.contains(#""takenOverAt" : "2026-12-03T11:00:00Z""#))
        let broken = String(decoding: SubmissionWire.importJSON(record: Array("{".utf8), takenOverBy: "C", at: "T"), as: UTF8.self)
        #expect(broken == "{\n  \"takenOverAt\" : \"T\",\n  \"takenOverBy\" : \"C\"\n}")
    }

    @Test func extraMetadataFieldsAreRefused() {
        let boundary = "b"
        let text = "--b\r\nContent-Disposition: form-data; name=\"metadata\"\r\n\r\n"
            + #"{"caseId":"ABCD-1234","stationId":"s","capturedAt":"t","queuedAt":"t","softwareVersion":"v","camera":"c","profile":"live","name":"Erika Mustermann"}"#
            + "\r\n--b--\r\n"
        #expect { try SubmissionWire.decode(Array(text.utf8), contentType: "multipart/form-data; boundary=\(boundary)") } throws: {
            "\($0)".contains("unexpected field(s) name")
        }
    }

    @Test func theConfirmationCodeTravelsAndOnlyInItsForm() throws {
        var submission = Fixtures.submission()
        let code = ConfirmationCode.random()
        submission.metadata.visit = VisitContext(language: "de", retakes: 0, compliant: true, visitSeconds: 40, confirmationCode: code)
        let (body, type) = SubmissionWire.encode(submission)
        #expect(try SubmissionWire.decode(body, contentType: type).metadata.visit?.confirmationCode == code)
        // A station from before the code: accepted, no code.
        func metadata(_ visit: String) -> [UInt8] {
            Array(("--b\r\nContent-Disposition: form-data; name=\"metadata\"\r\n\r\n"
                + #"{"caseId":"ABCD-1234","stationId":"s","capturedAt":"t","queuedAt":"t","softwareVersion":"v","camera":"c","profile":"live","visit":"# + visit + "}"
                + "\r\n--b\r\nContent-Disposition: form-data; name=\"report\"\r\n\r\n{}\r\n--b\r\nContent-Disposition: form-data; name=\"photo\"\r\n\r\nx"
                + "\r\n--b\r\nContent-Disposition: form-data; name=\"signature\"\r\n\r\nx\r\n--b--\r\n").utf8)
        }
        let old = try SubmissionWire.decode(metadata(#"{"language":"de","retakes":0,"compliant":true,"visitSeconds":9}"#), contentType: "multipart/form-data; boundary=b")
        #expect(old.metadata.visit?.confirmationCode == nil)
        // Anything but XXX-XXX from the alphabet (no 0/O, 1/I/L) is refused, naming the field.
        for bad in ["abc-def", "K7M2QX", "K7M-2Q0", "K7M-2QX-", "<script>", ""] {
            #expect(ConfirmationCode(bad) == nil, "\(bad)")
            #expect { try SubmissionWire.decode(metadata(#"{"language":"de","retakes":0,"compliant":true,"visitSeconds":9,"confirmationCode":""# + bad + #""}"#),
                                                contentType: "multipart/form-data; boundary=b") } throws: { "\($0)".contains("visit.confirmationCode") }
        }
        for _ in 0..<200 { #expect(ConfirmationCode(ConfirmationCode.random().text) != nil) }
    }

    /// The visit's language is typed (`Reported<Language>`): a language only a newer station speaks is accepted and
    /// kept by its code; anything that is no ISO 639 code is refused, as before (issue 18).
    @Test func aLanguageOnlyANewerStationSpeaksIsKept() throws {
        var submission = Fixtures.submission()
        for (sent, expected) in [("tr", Reported<Language>.known(.tr)), ("fr", .unknown("fr")), ("haw", .unknown("haw"))] {
            submission.metadata.visit = VisitContext(language: Reported(sent), retakes: 1, compliant: false, visitSeconds: 30)
            try SubmissionRules.validateMetadata(submission.metadata)
            let (body, type) = SubmissionWire.encode(submission)
            let read = try SubmissionWire.decode(body, contentType: type)
            #expect(read.metadata.visit?.language == expected)
            #expect(String(decoding: body, as: UTF8.self).contains(#""language":"\#(sent)""#))
        }
        for bad in ["FR", "f", "fren", "d\u{e9}", "../", ""] {
            submission.metadata.visit = VisitContext(language: Reported(bad), retakes: 1, compliant: false, visitSeconds: 30)
            #expect(throws: SubmissionError.self, "\(bad)") { try SubmissionRules.validateMetadata(submission.metadata) }
        }
    }

    @Test func missingPartIsNamed() {
        let text = "--b\r\nContent-Disposition: form-data; name=\"metadata\"\r\n\r\n"
            + #"{"caseId":"ABCD-1234","stationId":"s","capturedAt":"t","queuedAt":"t","softwareVersion":"v","camera":"c","profile":"live"}"#
            + "\r\n--b--\r\n"
        #expect { try SubmissionWire.decode(Array(text.utf8), contentType: "multipart/form-data; boundary=b") } throws: {
            "\($0)" == "the part 'photo' is missing"
        }
    }

    @Test func scanProfileAndSmallSignatureAreAccepted() throws {
        var submission = Fixtures.submission()
        submission.photo = Fixtures.jpeg(width: 622, height: 800)
        submission.signature = Fixtures.jpeg(width: 630, height: 188)
        try SubmissionRules.validate(submission, policy: try CaseIDPolicy())
    }

    @Test(arguments: [
        (#"[1, 2]"#, "has the wrong type"),
        (#"{"compliant": 1, "checks": []}"#, "has the wrong type"),
        (#"{"compliant": null, "checks": [{"id": "x"}]}"#, "'pass' is missing"),
        (#"{"compliant": true}"#, "'checks' is missing"),
        ("not json", "not valid JSON"),
    ])
    func reportSchema(report: String, message: String) {
        #expect { try SubmissionRules.validateReport(Array(report.utf8)) } throws: { "\($0)".contains(message) }
    }

    @Test func checkDigits() throws {
        let luhn = try CaseIDPolicy(pattern: "^[0-9]{6}$", checkDigit: .luhn)
        try luhn.validate("123455")
        #expect(throws: SubmissionError.caseIDCheckDigit("123456")) { try luhn.validate("123456") }
        // ICAO 9303 document-number example: L898902C3 has check digit 6.
        let icao = try CaseIDPolicy(pattern: "^[A-Z0-9]{10}$", checkDigit: .icao9303)
        try icao.validate("L898902C36")
        #expect(throws: SubmissionError.self) { try icao.validate("L898902C35") }
    }
}

@Suite("Multipart reader on damaged input")
struct MultipartRobustnessTests {
    /// Every truncation and thousands of single-byte changes of a valid body: an error or a submission,
    /// never a crash or a hang.
    @Test func damagedBodiesNeverCrash() {
        var submission = Fixtures.submission()
        submission.photo = Fixtures.jpeg(width: 622, height: 800)
        let (body, type) = SubmissionWire.encode(submission)
        for length in stride(from: 0, to: body.count, by: max(1, body.count / 500)) {
            _ = try? SubmissionWire.decode(Array(body.prefix(length)), contentType: type)
        }
        var generator = SystemRandomNumberGenerator()
        let interesting = Array(body.prefix(600))  // the headers and delimiters of the first parts
        for _ in 0..<3000 {
            var damaged = interesting + body.dropFirst(600)
            let index = Int.random(in: 0..<interesting.count, using: &generator)
            damaged[index] = UInt8.random(in: 0...255, using: &generator)
            if let decoded = try? SubmissionWire.decode(damaged, contentType: type) {
                _ = try? SubmissionRules.validate(decoded, policy: .anySafe)
            }
        }
    }
}
