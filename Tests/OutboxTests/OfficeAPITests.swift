import OfficeReceiver
import Submission
import Foundation
import Outbox
import Platform
import Testing

@Suite("Office API (without transport)")
struct OfficeAPITests {
    struct Harness {
        let directory = Fixtures.temporaryDirectory()
        let api: OfficeAPI
        init(retentionDays: Int = 14) throws {
            api = OfficeAPI(inbox: try OfficeInbox(directory: directory + "/inbox", retentionDays: retentionDays), policy: .anySafe)
        }
        func post(_ submission: Submission, key: String? = "key-0000001") -> OfficeResponse {
            let (body, type) = SubmissionWire.encode(submission)
            return post(body: body, type: type, key: key)
        }
        func post(body: [UInt8], type: String?, key: String? = "key-0000001") -> OfficeResponse {
            api.handle(method: "POST", path: "/v1/submissions", role: .station, header: { name in
                switch name {
                case "Content-Type": type
                case "Idempotency-Key": key
                default: nil
                }
            }, body: body)
        }
        func get(_ path: String, role: ClientRole = .clerk) -> OfficeResponse {
            api.handle(method: "GET", path: path, role: role, header: { _ in nil }, body: [])
        }
        /// The one folder of the newest submission of a case.
        func newestFolder(_ caseID: String) throws -> String {
            let record = try #require(try api.inbox.latest(caseID: caseID))
            return api.inbox.folder(caseID: caseID, receiptID: record.receiptId)
        }
    }

    static func receipt(_ response: OfficeResponse) throws -> SubmissionReceipt {
        try JSONDecoder().decode(SubmissionReceipt.self, from: Data(response.body))
    }

    @Test func createdThenSameReceiptForARepeatedKey() throws {
        let harness = try Harness()
        defer { Fixtures.remove(harness.directory) }
        let first = harness.post(Fixtures.submission())
        #expect(first.status == 201)
        let again = harness.post(Fixtures.submission())
        #expect(again.status == 200)
        #expect(try Self.receipt(first) == Self.receipt(again))
        let folder = try harness.newestFolder("ABCD-1234")
        #expect(folder == harness.directory + "/inbox/ABCD-1234/" + (try Self.receipt(first)).receiptId)
        let samePhoto = try FileSystem.readFile(folder + "/photo.jpg") == Fixtures.photo
        let sameSignature = try FileSystem.readFile(folder + "/signature.jpg") == Fixtures.signature
        let sameReport = try FileSystem.readFile(folder + "/report.json") == Fixtures.report
        #expect(samePhoto && sameSignature && sameReport, "the case folder differs from the submission")
        let names = try FileSystem.listDirectory(harness.directory + "/inbox").filter { !$0.hasPrefix(".fotobox-office") }
        #expect(names == ["ABCD-1234"])
    }

    @Test func aSecondSubmissionForTheSameCaseIsKeptBesideTheFirst() throws {
        let harness = try Harness()
        defer { Fixtures.remove(harness.directory) }
        let first = harness.post(Fixtures.submission(), key: "key-first-1")
        #expect(first.status == 201)
        let newer = Fixtures.submission(photo: Fixtures.jpeg(width: 1244, height: 1600, seed: 99))
        let second = harness.post(newer, key: "key-second-2")
        #expect(second.status == 201)
        let newest = try FileSystem.readFile(try harness.newestFolder("ABCD-1234") + "/photo.jpg") == newer.photo
        #expect(newest, "the newest folder does not hold the newer photo")
        let firstFolder = harness.api.inbox.folder(caseID: "ABCD-1234", receiptID: try Self.receipt(first).receiptId)
        let kept = try FileSystem.readFile(firstFolder + "/photo.jpg") == Fixtures.photo
        #expect(kept, "the first submission was not kept")
        let all = try harness.api.inbox.submissions(caseID: "ABCD-1234")
        #expect(all.map(\.receiptId) == [try Self.receipt(second).receiptId, try Self.receipt(first).receiptId])
        #expect(all.map(\.newest) == [true, false])
        #expect(all.allSatisfy { $0.submissionCount == 2 && $0.state == .open })
        let lookup = harness.get("/v1/submissions/ABCD-1234")
        #expect(lookup.status == 200)
        let record = try JSONDecoder().decode(OfficeCaseRecord.self, from: Data(lookup.body))
        #expect(record.receiptId == (try Self.receipt(second)).receiptId)
        #expect(record.photoBytes == newer.photo.count)
    }

    /// Issue 16.10: a reused idempotency key with different content is a conflict, not a silent drop.
    @Test func aReusedKeyWithOtherContentIs409AndStoresNothing() throws {
        let harness = try Harness()
        defer { Fixtures.remove(harness.directory) }
        #expect(harness.post(Fixtures.submission(), key: "reused-key-1").status == 201)
        let other = Fixtures.submission(caseID: "OTHR-0001")
        let conflict = harness.post(other, key: "reused-key-1")
        #expect(conflict.status == 409)
        #expect(String(decoding: conflict.body, as: UTF8.self).contains("different submission"))
        #expect(try harness.api.inbox.submissions(caseID: "OTHR-0001").isEmpty)
        #expect(!FileSystem.exists(harness.directory + "/inbox/OTHR-0001"))
        // The same content again is still a plain repeat.
        #expect(harness.post(Fixtures.submission(), key: "reused-key-1").status == 200)
    }

    /// Issue 16.10: only the header was read before, so a truncated photo was accepted.
    @Test func aTruncatedPhotoIsRefused() throws {
        let harness = try Harness()
        defer { Fixtures.remove(harness.directory) }
        var truncated = Fixtures.submission()
        truncated.photo = Array(Fixtures.photo.prefix(Fixtures.photo.count / 2))
        let response = harness.post(truncated)
        #expect(response.status == 422)
        #expect(String(decoding: response.body, as: UTF8.self).contains("photo"))
        #expect(try harness.api.inbox.submissions(caseID: "ABCD-1234").isEmpty)
    }

    @Test func eachRoleMayUseOnlyItsEndpoints() throws {
        let harness = try Harness()
        defer { Fixtures.remove(harness.directory) }
        let (body, type) = SubmissionWire.encode(Fixtures.submission())
        for role in [ClientRole.clerk, .monitoring] {
            let refused = harness.api.handle(method: "POST", path: "/v1/submissions", role: role, header: { name in
                name == "Content-Type" ? type : name == "Idempotency-Key" ? "role-key-01" : nil
            }, body: body)
            #expect(refused.status == 403)
        }
        #expect(try harness.api.inbox.submissions(caseID: "ABCD-1234").isEmpty)
        #expect(harness.post(Fixtures.submission()).status == 201)
        #expect(harness.get("/v1/submissions/ABCD-1234", role: .station).status == 403)
        #expect(harness.get("/v1/submissions/ABCD-1234", role: .monitoring).status == 403)
        #expect(harness.get("/v1/submissions/ABCD-1234", role: .clerk).status == 200)
        #expect(harness.get("/v1/health", role: .monitoring).status == 200)
    }

    @Test func refusalsAre4xxAndWriteNothing() throws {
        let harness = try Harness()
        defer { Fixtures.remove(harness.directory) }
        var wrongSize = Fixtures.submission()
        wrongSize.photo = Fixtures.jpeg(width: 640, height: 480)
        #expect(harness.post(wrongSize).status == 422)
        #expect(harness.post(Fixtures.submission(caseID: "..")).status == 422)
        #expect(harness.post(body: Array("garbage".utf8), type: "multipart/form-data; boundary=x").status == 400)
        #expect(harness.post(body: [], type: nil).status == 415)
        #expect(harness.post(Fixtures.submission(), key: "bad key!").status == 400)
        #expect(harness.post(body: [UInt8](repeating: 0, count: SubmissionRules.bodyByteLimit + 1), type: "multipart/form-data; boundary=x").status == 413)
        #expect(harness.get("/v1/submissions").status == 405)
        #expect(harness.get("/v1/submissions/NOPE-0000").status == 404)
        #expect(harness.get("/v1/submissions/..%2F..").status == 400)
        #expect(harness.get("/etc/passwd").status == 404)
        let names = try FileSystem.listDirectory(harness.directory + "/inbox").filter { !$0.hasPrefix(".fotobox-office") }
        #expect(names.isEmpty)
    }

    @Test func concurrentRequestsWithOneKeyGetOneReceipt() throws {
        let harness = try Harness()
        defer { Fixtures.remove(harness.directory) }
        let results = ResultBox()
        DispatchQueue.concurrentPerform(iterations: 6) { index in
            let key = index < 4 ? "same-key-123" : "other-key-\(index)"
            results.add(harness.post(Fixtures.submission(caseID: index < 4 ? "CONC-0000" : "CONC-000\(index)"), key: key))
        }
        let responses = results.all
        #expect(responses.filter { $0.status == 201 }.count == 3)
        #expect(responses.filter { $0.status == 200 }.count == 3)
        let sameKey = try responses.map(Self.receipt).filter { $0.idempotencyKey == "same-key-123" }
        #expect(Set(sameKey.map(\.receiptId)).count == 1)
        #expect(sameKey.count == 4)
    }

    @Test func purgeRemovesExpiredCases() throws {
        let harness = try Harness(retentionDays: 1)
        defer { Fixtures.remove(harness.directory) }
        #expect(harness.post(Fixtures.submission()).status == 201)
        #expect(try harness.api.inbox.purge(now: Date()) == 0)
        #expect(try harness.api.inbox.purge(now: Date().addingTimeInterval(2 * 86_400)) == 1)
        #expect(!FileSystem.exists(harness.directory + "/inbox/ABCD-1234"))
        #expect(try harness.api.inbox.latest(caseID: "ABCD-1234")?.state == .expired)
        // Closed receipts are forgotten one retention period later.
        _ = try harness.api.inbox.purge(now: Date().addingTimeInterval(4 * 86_400))
        #expect(harness.get("/v1/submissions/ABCD-1234").status == 404)
    }

    @Test func leftoversOfACrashedWriteAreCleanedAtStart() throws {
        let directory = Fixtures.temporaryDirectory()
        defer { Fixtures.remove(directory) }
        try FileSystem.createDirectory(directory + "/inbox")
        try FileSystem.createDirectory(directory + "/inbox/.incoming-abc")
        try FileSystem.writeNewFile(directory + "/inbox/.incoming-abc/photo.jpg", [1, 2, 3])
        _ = try OfficeInbox(directory: directory + "/inbox")
        #expect(!FileSystem.exists(directory + "/inbox/.incoming-abc"))
    }
}

final class ResultBox: Sendable {
    private let responses = Locked<[OfficeResponse]>([])
    func add(_ response: OfficeResponse) { responses.withLock { $0.append(response) } }
    var all: [OfficeResponse] { responses.withLock { $0 } }
}
