import FotoboxTestSupport
import Foundation
import Outbox
import Platform
import Testing

/// `fotoboxctl queue …` as a technician runs it (the real binary; no office needed).
@Suite("fotoboxctl queue (real binary)", .serialized, .needsOutboxRig)
struct OutboxQueueCommandTests {
    struct Station {
        let directory = OutboxRig.temporaryDirectory()
        let files: StationFiles
        let photo: String
        let signature: String

        init() throws {
            let pki = TestPKI.placeholder(directory: directory)
            files = try StationFiles(directory: directory, pki: pki, officeURL: "https://127.0.0.1:9")
            photo = directory + "/photo.jpg"
            signature = directory + "/signature.jpg"
            try FileSystem.writeNewFile(photo, OutboxRig.jpeg(width: 1244, height: 1600, seed: 9, noiseBits: 1))
            try FileSystem.writeNewFile(signature, OutboxRig.signature)
        }

        func ctl(_ arguments: [String]) -> OutboxRig.Result {
            OutboxRig.fotoboxctl(["queue"] + arguments + ["--config", files.configPath])
        }
    }

    @Test func addListShowRetryPurge() throws {
        let station = try Station()
        defer { try? FileSystem.removeTree(station.directory) }

        let added = station.ctl(["add", "--case-id", "ABCD-1234", "--photo", station.photo, "--signature", station.signature])
        #expect(added.status == 0, "\(added.standardError)")
        #expect(added.standardOutput.contains("queued as item 1"))

        let list = station.ctl(["list"])
        #expect(list.status == 0)
        #expect(list.standardOutput.contains("1 pending"))
        #expect(list.standardOutput.contains("ABCD-1234"))
        let json = station.ctl(["list", "--json"])
        let parsed = try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [String: Any]
        #expect((parsed?["items"] as? [[String: Any]])?.first?["state"] as? String == "pending")

        let show = station.ctl(["show", "1"])
        #expect(show.status == 0)
        #expect(show.standardOutput.contains("encrypted"))
        #expect(station.ctl(["show", "7"]).status == 1)
        #expect(station.ctl(["show", "x"]).status == 2)

        #expect(station.ctl(["retry"]).standardOutput.hasPrefix("1 item(s) due now"))

        // The [backend] files do not exist: a config error (2) before any upload, the item is kept.
        let once = station.ctl(["deliver", "--once"])
        #expect(once.status == 2)
        #expect(once.standardError.contains("does not exist"))
        #expect(try station.files.outbox().items().first?.state == .pending)

        let dryRun = station.ctl(["purge", "--older-than", "0"])
        #expect(dryRun.status == 1)
        #expect(dryRun.standardOutput.contains("1 of them never delivered"))
        #expect(dryRun.standardOutput.contains("Nothing was deleted"))
        #expect(try station.files.outbox().items().count == 1)
        Thread.sleep(forTimeInterval: 1.1)  // created_at has one-second resolution
        let purged = station.ctl(["purge", "--older-than", "0", "--yes"])
        #expect(purged.status == 0)
        #expect(try station.files.outbox().items().isEmpty)
    }

    @Test func refusedInputStoresNothingAndSaysWhy() throws {
        let station = try Station()
        defer { try? FileSystem.removeTree(station.directory) }
        let badCase = station.ctl(["add", "--case-id", "abcd", "--photo", station.photo, "--signature", station.signature])
        #expect(badCase.status == 1)
        #expect(badCase.standardError.contains("does not match the pattern"))
        let swapped = station.ctl(["add", "--case-id", "ABCD-1234", "--photo", station.signature, "--signature", station.photo])
        #expect(swapped.status == 1)
        #expect(swapped.standardError.contains("photo is 900×132"))
        let missing = station.ctl(["add", "--case-id", "ABCD-1234", "--photo", "/nonexistent.jpg", "--signature", station.signature])
        #expect(missing.status == 1)
        #expect(missing.standardError.contains("/nonexistent.jpg"))
        #expect(try station.files.outbox().items().isEmpty)
    }

    @Test(.timeLimit(.minutes(1))) func brokenConfigAndLooseKeyFile() throws {
        let station = try Station()
        defer { try? FileSystem.removeTree(station.directory) }
        let broken = station.directory + "/broken.conf"
        try FileSystem.writeNewFile(broken, Array("[outbox]\npath = /tmp/x\nspeed = fast\n".utf8))
        let result = OutboxRig.fotoboxctl(["queue", "list", "--config", broken])
        #expect(result.status == 2)
        #expect(result.standardError.contains("broken.conf:3"))
        _ = chmod(station.directory + "/station-outbox.key", 0o644)
        let loose = station.ctl(["list"])
        #expect(loose.status == 1)
        #expect(loose.standardError.contains("refusing to start"))
        // Issue 16, item 7: a FIFO as key file is refused, not waited on (the time limit turns a hang into a failure).
        unlink(station.directory + "/station-outbox.key")
        #expect(mkfifo(station.directory + "/station-outbox.key", 0o600) == 0)
        let fifo = station.ctl(["list"])
        #expect(fifo.status == 1)
        #expect(fifo.standardError.contains("not a regular file"), "\(fifo.standardError)")
    }
}

extension TestPKI {
    /// Paths only, for tests that never connect.
    static func placeholder(directory: String) -> TestPKI { TestPKI(unmadeIn: directory) }
}
