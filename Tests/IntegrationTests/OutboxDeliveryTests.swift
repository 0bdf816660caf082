import OfficeReceiver
import Submission
import FotoboxTestSupport
import Configuration
import Foundation
import Outbox
import Platform
import Testing

/// Delivery through crashes, outages and full disks, with the real `fotobox-office` and real processes.
@Suite("Outbox delivery (real processes)", .serialized, .needsOutboxRig)
struct OutboxDeliveryTests {
    static func submission(caseID: String, photo: [UInt8]) -> Submission {
        Submission(caseID: caseID, photo: photo, signature: OutboxRig.signature,
                   report: Array(#"{"compliant":true,"checks":[{"id":"backgroundUniformity","pass":true}]}"#.utf8),
                   metadata: CaptureMetadata(stationID: "station-1", capturedAt: "2026-11-25T10:00:00Z",
                                             queuedAt: "2026-11-25T10:00:05Z", camera: "integration-test"))
    }

    /// Reads a case folder's `submission.json`.
    static func record(_ folder: String) throws -> SubmissionReceipt {
        try JSONDecoder().decode(SubmissionReceipt.self, from: Data(try FileSystem.readFile(folder + "/submission.json")))
    }

    /// No file under the outbox holds the start of a JPEG or a slice of any photo.
    static func expectNoPlaintext(under path: String, photos: [[UInt8]]) throws {
        for file in OutboxRig.files(under: path) {
            let bytes = try FileSystem.readFile(file)
            // The JFIF start of every photo (10 bytes: a 3-byte magic alone turns up by chance in megabytes
            // of ciphertext) and a slice from inside each photo.
            let jfif = OutboxRig.contains(bytes, photos[0].prefix(10))
            #expect(!jfif, "a JPEG header in \(file)")
            for photo in photos {
                let found = OutboxRig.contains(bytes, photo[4096..<4160])
                #expect(!found, "photo bytes readable in \(file)")
            }
        }
    }

    @Test func receiverDownThenBackIsDeliveredByTheBackgroundDeliverer() throws {
        let directory = OutboxRig.temporaryDirectory()
        defer { try? FileSystem.removeTree(directory) }
        let pki = try TestPKI(directory: directory)
        // Learn a free port, then take the office down: the station's URL points at nothing.
        let probe = try OfficeProcess(pki: pki, inbox: directory + "/inbox", logDirectory: directory)
        let port = probe.port
        probe.stop()
        let station = try StationFiles(directory: directory, pki: pki, officeURL: "https://127.0.0.1:\(port)")
        let config = try StationConfig.load(path: station.configPath)
        let outbox = try Outbox(config: config)
        let deliverer = try OutboxDeliverer(outbox: outbox, settings: UploaderSettings(config: config),
                                            retry: RetryPolicy(initialDelay: 0.2, multiplier: 2, maximumDelay: 0.5), pollInterval: 0.2)
        deliverer.start()
        defer { deliverer.stop() }
        let photos = (0..<3).map { OutboxRig.jpeg(width: 1244, height: 1600, seed: 50 + UInt64($0)) }
        for (index, photo) in photos.enumerated() { try outbox.enqueue(Self.submission(caseID: "DOWN-000\(index)", photo: photo)) }
        deliverer.wake()
        Thread.sleep(forTimeInterval: 1.5)
        let waiting = try outbox.status()
        #expect(waiting.pending + waiting.sending == 3)
        #expect(waiting.lastError?.contains("connect") == true, "\(waiting.lastError ?? "no error")")

        let office = try OfficeProcess(pki: pki, inbox: directory + "/inbox", port: port, logDirectory: directory)
        defer { office.stop() }
        let deadline = Date().addingTimeInterval(30)
        while try outbox.status().erased < 3, Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
        #expect(try outbox.status().erased == 3)
        for (index, photo) in photos.enumerated() {
            let same = try FileSystem.readFile(office.submissionFolder("DOWN-000\(index)") + "/photo.jpg") == photo
            #expect(same, "DOWN-000\(index) photo differs")
        }
    }

    /// The delivering process — the service itself, and the technician's `queue deliver` — is killed with
    /// SIGKILL at random moments while delivering 40 submissions; after restarts every submission has
    /// arrived exactly once (one 201 per idempotency key), byte-identical.
    @Test(arguments: ["fotoboxd", "fotoboxctl"])
    func sigkillWhileDeliveringLosesAndDuplicatesNothing(deliverer: String) throws {
        let directory = OutboxRig.temporaryDirectory()
        defer { try? FileSystem.removeTree(directory) }
        let pki = try TestPKI(directory: directory)
        let office = try OfficeProcess(pki: pki, inbox: directory + "/inbox", logDirectory: directory)
        defer { office.stop() }
        let station = try StationFiles(directory: directory, pki: pki, officeURL: office.url)
        let count = 40
        let photos = (0..<count).map { OutboxRig.jpeg(width: 1244, height: 1600, seed: 100 + UInt64($0)) }
        let caseIDs = (1...count).map { "KILL-" + String(repeating: "0", count: 4 - String($0).count) + String($0) }
        do {
            let outbox = try station.outbox()
            for (caseID, photo) in zip(caseIDs, photos) { try outbox.enqueue(Self.submission(caseID: caseID, photo: photo)) }
        }
        try Self.expectNoPlaintext(under: station.outboxPath, photos: Array(photos.prefix(5)))

        // fotoboxd delivers in the background from its start; it needs a camera, models and a kiosk port.
        let serviceConfig = directory + "/service.conf"
        try FileSystem.createDirectory(directory + "/frames")
        try FileSystem.writeNewFile(directory + "/frames/a.jpg", OutboxRig.jpeg(width: 320, height: 240, seed: 9))
        try FileSystem.writeNewFile(serviceConfig, try FileSystem.readFile(station.configPath) + Array("""
            [camera]
            device = replay:\(directory)/frames
            [models]
            directory = \(OutboxRig.packageRoot)/models
            [kiosk]
            listen = 127.0.0.1:\(Int.random(in: 20000...40000))

            """.utf8))
        let program = deliverer == "fotoboxd"
            ? (OutboxRig.binary("fotoboxd"), ["--config", serviceConfig])
            : (OutboxRig.binary("fotoboxctl"), ["queue", "deliver", "--config", station.configPath])
        func start() throws -> Process {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: program.0)
            process.arguments = program.1
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            return process
        }

        var kills = 0
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let status = try station.outbox().status()
            if status.erased == count { break }
            let process = try start()
            // Short enough that several kills land even when a quiet machine delivers all 40 in about a second.
            usleep(UInt32.random(in: 5_000...120_000, using: &generator))
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                kills += 1
            }
            process.waitUntilExit()
        }
        // Then one run to the end.
        if deliverer == "fotoboxd" {
            let service = try start()
            let deadline = Date().addingTimeInterval(60)
            while try station.outbox().status().erased < count, Date() < deadline { usleep(100_000) }
            service.terminate()
            service.waitUntilExit()
            #expect(service.terminationStatus == 0)
        } else {
            let final = OutboxRig.fotoboxctl(["queue", "deliver", "--config", station.configPath])
            #expect(final.status == 0, "\(final.standardError)")
        }
        #expect(kills >= 3, "only \(kills) kills landed; the test did not interrupt delivery")
        print("outbox SIGKILL test (\(deliverer)): \(kills) deliveries killed")

        let items = try station.outbox().items()
        #expect(items.count == count)
        #expect(items.allSatisfy { $0.state == .erased && $0.receiptID != nil })
        let receiptsByKey = Dictionary(uniqueKeysWithValues: items.map { ($0.idempotencyKey, $0.receiptID!) })
        for (caseID, photo) in zip(caseIDs, photos) {
            let folder = office.submissionFolder(caseID)
            #expect(((try? FileSystem.listDirectory(office.inbox + "/" + caseID)) ?? []).count == 1, "\(caseID): not exactly one submission")
            let samePhoto = try FileSystem.readFile(folder + "/photo.jpg") == photo
            let sameSignature = try FileSystem.readFile(folder + "/signature.jpg") == OutboxRig.signature
            #expect(samePhoto, "\(caseID) photo differs")
            #expect(sameSignature, "\(caseID) signature differs")
            let record = try Self.record(folder)
            #expect(receiptsByKey[record.idempotencyKey] == record.receiptId, "\(caseID): the station's receipt is not the office's")
        }
        // Exactly once: one 201 per submission; repeats after a kill were answered 200 with the same receipt.
        let created = office.log.split(separator: "\n").filter { $0.contains("201 POST /v1/submissions") }.count
        #expect(created == count)
        let folders = try FileSystem.listDirectory(office.inbox).filter { !$0.hasPrefix(".fotobox-office") }
        #expect(folders.sorted() == caseIDs)
        try Self.expectNoPlaintext(under: station.outboxPath, photos: Array(photos.prefix(5)))
    }

    /// A tmpfs too small for the submissions: the office answers 507 and keeps no half case; the station
    /// keeps the item; an outbox on a full disk says so and keeps what it had.
    @Test func diskFullIsAClearErrorWithoutCorruption() throws {
        let directory = OutboxRig.temporaryDirectory()
        defer { try? FileSystem.removeTree(directory) }
        let officeDisk = directory + "/office-disk", stationDisk = directory + "/station-disk"
        try FileSystem.createDirectory(officeDisk)
        try FileSystem.createDirectory(stationDisk)
        guard OutboxRig.run("/bin/mount", ["-t", "tmpfs", "-o", "size=3m", "tmpfs", officeDisk]).status == 0 else {
            // Not a data prerequisite but a privilege (root in a container that may mount): reported as cancelled.
            try Test.cancel("mounting a tmpfs is not permitted here; OutboxStoreTests.diskFullIsAClearErrorAndNothingIsCorrupted covers the station side by fault injection")
        }
        defer { OutboxRig.run("/bin/umount", [officeDisk]) }
        guard OutboxRig.run("/bin/mount", ["-t", "tmpfs", "-o", "size=4m", "tmpfs", stationDisk]).status == 0 else {
            OutboxRig.run("/bin/umount", [officeDisk])
            try Test.cancel("the second tmpfs could not be mounted")
        }
        defer { OutboxRig.run("/bin/umount", [stationDisk]) }

        let pki = try TestPKI(directory: directory)
        let office = try OfficeProcess(pki: pki, inbox: officeDisk + "/inbox", logDirectory: directory)
        defer { office.stop() }

        // Station: fill its outbox until the disk is full.
        let station = try StationFiles(directory: stationDisk, pki: pki, officeURL: office.url)
        let outbox = try station.outbox()
        var stored: [[UInt8]] = []
        var diskFullError: String?
        for seed in 0..<10 {
            let photo = OutboxRig.jpeg(width: 1244, height: 1600, seed: 300 + UInt64(seed))
            do {
                try outbox.enqueue(Self.submission(caseID: "FULL-000\(seed)", photo: photo))
                stored.append(photo)
            } catch {
                diskFullError = "\(error)"
                break
            }
        }
        #expect(diskFullError?.contains("disk is full") == true, "\(diskFullError ?? "the disk never filled")")
        #expect(stored.count >= 1)
        #expect(try outbox.integrityCheck() == "ok")
        #expect(try outbox.items().count == stored.count)

        // Office: its 3 MB inbox takes a few of these, then answers 507. (A station on a normal disk: a
        // station whose own disk is full cannot record the receipts either, and keeps the items `sending`
        // until its next start, when they are sent again and answered with the same receipts.)
        let sender = try StationFiles(directory: directory, pki: pki, officeURL: office.url, name: "sender")
        let senderOutbox = try sender.outbox()
        var sent: [[UInt8]] = []
        for seed in 0..<8 {
            let photo = OutboxRig.jpeg(width: 1244, height: 1600, seed: 400 + UInt64(seed))
            try senderOutbox.enqueue(Self.submission(caseID: "SEND-000\(seed)", photo: photo))
            sent.append(photo)
        }
        let result = OutboxRig.fotoboxctl(["queue", "deliver", "--once", "--config", sender.configPath])
        #expect(result.status == 1)
        let status = try senderOutbox.status()
        #expect(status.erased >= 1)
        #expect(status.pending >= 1)
        #expect(status.lastError?.contains("507") == true, "\(status.lastError ?? "")")
        #expect(office.log.contains("507 POST /v1/submissions"))
        // Every case folder there is whole, nothing half-written is left behind.
        let names = try FileSystem.listDirectory(office.inbox)
        #expect(!names.contains { $0.hasPrefix(".incoming-") })
        for name in names where !name.hasPrefix(".") {
            let index = Int(name.suffix(1))!
            let folder = office.submissionFolder(name)
            let whole = try FileSystem.readFile(folder + "/photo.jpg") == sent[index]
            #expect(whole, "\(name)/photo.jpg differs")
            #expect(FileSystem.exists(folder + "/submission.json"))
        }
        #expect(office.process.isRunning)
    }
}
