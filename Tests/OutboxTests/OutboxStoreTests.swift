import Submission
import Foundation
import Outbox
import Platform
import Testing

@Suite("Outbox store")
struct OutboxStoreTests {
    @Test func enqueueClaimAcknowledgeErase() throws {
        let directory = Fixtures.temporaryDirectory()
        defer { Fixtures.remove(directory) }
        let outbox = try Fixtures.openOutbox(directory)
        let item = try outbox.enqueue(Fixtures.submission())
        #expect(item.state == .pending)
        #expect(item.caseID == "ABCD-1234")
        #expect(item.idempotencyKey.count == 32)

        let claimed = try #require(try outbox.claimNext())
        #expect(claimed.id == item.id)
        #expect(try outbox.item(id: item.id).state == .sending)
        let decoded = try SubmissionWire.decode(claimed.body, contentType: claimed.contentType)
        #expect(decoded == Fixtures.submission())
        #expect(try outbox.claimNext() == nil)

        try outbox.markAcknowledged(id: item.id, receiptID: "R-1")
        let erased = try outbox.item(id: item.id)
        #expect(erased.state == .erased)
        #expect(erased.receiptID == "R-1")
        #expect(erased.caseID == nil)
    }

    @Test func interruptedSendingGoesBackToPending() throws {
        let directory = Fixtures.temporaryDirectory()
        defer { Fixtures.remove(directory) }
        do {
            let outbox = try Fixtures.openOutbox(directory)
            try outbox.enqueue(Fixtures.submission())
            _ = try #require(try outbox.claimNext())
        }
        let reopened = try Fixtures.openOutbox(directory)
        try reopened.recoverInterrupted()
        let again = try #require(try reopened.claimNext())
        #expect(again.attempts == 2)
    }

    @Test func failureSchedulesRetryAndRetryMakesItDue() throws {
        let directory = Fixtures.temporaryDirectory()
        defer { Fixtures.remove(directory) }
        let outbox = try Fixtures.openOutbox(directory)
        let item = try outbox.enqueue(Fixtures.submission())
        let claimed = try #require(try outbox.claimNext())
        try outbox.recordFailure(id: claimed.id, error: "office down", retryAt: Date().addingTimeInterval(3600))
        #expect(try outbox.claimNext() == nil)
        #expect(try outbox.status().lastError == "office down")
        #expect(try outbox.retry(id: item.id) == 1)
        #expect(try outbox.claimNext() != nil)
    }

    @Test(arguments: [
        ("abcd-1234", "does not match"),
        ("../../etc", "is not 1-64"),
    ])
    func refusedCaseIDStoresNothing(caseID: String, message: String) throws {
        let directory = Fixtures.temporaryDirectory()
        defer { Fixtures.remove(directory) }
        let outbox = try Fixtures.openOutbox(directory)
        #expect { try outbox.enqueue(Fixtures.submission(caseID: caseID)) } throws: { "\($0)".contains(message) }
        #expect(try outbox.items().isEmpty)
    }

    @Test func refusedImagesStoreNothing() throws {
        let directory = Fixtures.temporaryDirectory()
        defer { Fixtures.remove(directory) }
        let outbox = try Fixtures.openOutbox(directory)
        var wrongSize = Fixtures.submission()
        wrongSize.photo = Fixtures.jpeg(width: 800, height: 600)
        #expect { try outbox.enqueue(wrongSize) } throws: { "\($0)".contains("photo is 800×600; allowed: 1244×1600, 622×800") }
        var notJPEG = Fixtures.submission()
        notJPEG.signature = Array("PNG".utf8) + Array(repeating: 0, count: 100)
        #expect { try outbox.enqueue(notJPEG) } throws: { "\($0)".contains("signature is not a JPEG file") }
        var badReport = Fixtures.submission()
        badReport.report = Array(#"{"checks": []}"#.utf8)
        #expect { try outbox.enqueue(badReport) } throws: { "\($0)".contains("'compliant' is missing") }
        #expect(try outbox.items().isEmpty)
    }

    @Test func noPlaintextUnderTheOutboxPath() throws {
        let directory = Fixtures.temporaryDirectory()
        defer { Fixtures.remove(directory) }
        let outbox = try Fixtures.openOutbox(directory)
        for _ in 0..<3 { try outbox.enqueue(Fixtures.submission()) }
        let probe = Fixtures.photo[2000..<2064]
        for name in try FileSystem.listDirectory(directory + "/outbox") {
            let bytes = try FileSystem.readFile(directory + "/outbox/" + name)
            // Bound first, so a failure does not print megabytes; the JPEG header is checked on its first
            // 10 bytes (SOI + JFIF APP0): 3 or 4 bytes turn up by chance in a megabyte of ciphertext.
            let photoBytes = Fixtures.contains(bytes, probe)
            let caseID = Fixtures.contains(bytes, Array("ABCD-1234".utf8)[...])
            let jpegHeader = Fixtures.contains(bytes, Fixtures.photo.prefix(10))
            #expect(!photoBytes, "photo bytes readable in \(name)")
            #expect(!caseID, "case ID readable in \(name)")
            #expect(!jpegHeader, "a JPEG header in \(name)")
        }
    }

    @Test func databaseFilesAreOwnerOnly() throws {
        let directory = Fixtures.temporaryDirectory()
        defer { Fixtures.remove(directory) }
        let outbox = try Fixtures.openOutbox(directory)
        try outbox.enqueue(Fixtures.submission())
        for name in try FileSystem.listDirectory(directory + "/outbox") {
            let mode = try FileSystem.status(directory + "/outbox/" + name).st_mode & 0o777
            #expect(mode & 0o077 == 0, "\(name) has mode \(String(mode, radix: 8))")
        }
    }

    @Test func wrongKeyIsRefusedAtOpen() throws {
        let directory = Fixtures.temporaryDirectory()
        defer { Fixtures.remove(directory) }
        _ = try Fixtures.openOutbox(directory)
        #expect { try Fixtures.openOutbox(directory, key: try OutboxKey.random()) } throws: { error in
            if case OutboxError.wrongKey = error { return true }
            return false
        }
    }

    /// Issue 16, item 7: a FIFO where the key belongs is refused at once (its plain open would wait for a
    /// writer forever and block fotoboxd and fotoboxctl at start).
    @Test(.timeLimit(.minutes(1))) func aFIFOAsKeyFileIsRefusedWithoutBlocking() throws {
        let directory = Fixtures.temporaryDirectory()
        defer { Fixtures.remove(directory) }
        let path = directory + "/outbox.key"
        #expect(mkfifo(path, 0o600) == 0)
        #expect { try OutboxKey.load(path: path) } throws: { "\($0)".contains("not a regular file") }
        #expect(throws: SystemError.self) { try FileSystem.readFile(path) }
    }

    @Test func keyFileReadableByOthersIsRefused() throws {
        let directory = Fixtures.temporaryDirectory()
        defer { Fixtures.remove(directory) }
        let path = directory + "/outbox.key"
        try FileSystem.writeNewFile(path, Array((try OutboxKey.random()).hexadecimal.utf8), mode: 0o640)
        #expect { try OutboxKey.load(path: path) } throws: { "\($0)".contains("refusing to start") }
        _ = chmod(path, 0o600)
        _ = try OutboxKey.load(path: path)
    }

    @Test func overdueItemsRaiseTheRetentionAlert() throws {
        let directory = Fixtures.temporaryDirectory()
        defer { Fixtures.remove(directory) }
        let outbox = try Fixtures.openOutbox(directory)
        try outbox.enqueue(Fixtures.submission(), now: Date().addingTimeInterval(-15 * 86_400))
        try outbox.enqueue(Fixtures.submission())
        let status = try outbox.status()
        #expect(status.pending == 2)
        #expect(status.overdue == 1)
        #expect(status.summary.hasPrefix("ALERT"))
    }

    @Test func purgeDeletesOnlyOlderItems() throws {
        let directory = Fixtures.temporaryDirectory()
        defer { Fixtures.remove(directory) }
        let outbox = try Fixtures.openOutbox(directory)
        try outbox.enqueue(Fixtures.submission(), now: Date().addingTimeInterval(-30 * 86_400))
        try outbox.enqueue(Fixtures.submission())
        let cutoff = Date().addingTimeInterval(-7 * 86_400)
        #expect(try outbox.purgeCandidates(createdBefore: cutoff).count == 1)
        #expect(try outbox.purge(createdBefore: cutoff) == 1)
        #expect(try outbox.items().count == 1)
    }

    /// Disk full, by SQLite's own limit on the file size: the write fails with a clear error, what was
    /// stored before is intact.
    @Test func diskFullIsAClearErrorAndNothingIsCorrupted() throws {
        let directory = Fixtures.temporaryDirectory()
        defer { Fixtures.remove(directory) }
        let outbox = try Fixtures.openOutbox(directory)
        try outbox.enqueue(Fixtures.submission())
        try outbox.limitSizeForTesting(pages: try outbox.pageCountForTesting() + 2)
        #expect { try outbox.enqueue(Fixtures.submission()) } throws: { "\($0)".contains("disk is full") }
        #expect(try outbox.items().count == 1)
        #expect(try outbox.integrityCheck() == "ok")
        let claimed = try #require(try outbox.claimNext())
        #expect(try SubmissionWire.decode(claimed.body, contentType: claimed.contentType) == Fixtures.submission())
    }
}
