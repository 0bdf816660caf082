import CCrypto
import Submission
import SQLite
import Foundation
import Platform

/// Why the office could not keep or hand over a submission (its own disk, its own database).
public struct OfficeStorageError: Error, Sendable, CustomStringConvertible {
    public var message: String
    /// The disk is full: the client should retry later (HTTP 507).
    public var isDiskFull: Bool
    public var description: String { message }
}

/// Where a submission is in the clerk's flow.
public enum OfficeCaseState: String, Codable, Sendable {
    /// Waiting at the office for a clerk.
    case open
    /// Exported into the import folder by a clerk; the office's copy is deleted.
    case takenOver
    /// Refused by a clerk with a reason; the office's copy is deleted.
    case rejected
    /// Closed without export because a clerk took over another submission of the same case.
    case discarded
    /// Nobody took it over within `--retention-days`; the office's copy is deleted.
    case expired
}

/// One submission as the office keeps it (the photo, signature and report are files in its folder).
public struct OfficeCaseRecord: Codable, Sendable, Equatable {
    public var caseId: String
    public var receiptId: String
    public var receivedAt: String
    public var idempotencyKey: String
    public var stationId: String
    public var capturedAt: String
    public var queuedAt: String
    public var softwareVersion: String
    public var camera: String
    /// The code on the citizen's receipt ("" when the station sent none).
    public var confirmationCode: String
    public var photoBytes: Int
    public var signatureBytes: Int
    public var reportBytes: Int
    public var state: OfficeCaseState
    /// True for the newest submission of its case; an older one was sent before the citizen came back.
    public var newest: Bool
    /// How many submissions the office has for this case in all (open or closed).
    public var submissionCount: Int
}

/// What `OfficeInbox.store` did with a submission.
public enum OfficeStoreOutcome: Sendable, Equatable {
    case created(SubmissionReceipt)
    /// The idempotency key was seen before with the same content: the first receipt, nothing written.
    case repeated(SubmissionReceipt)
    /// The idempotency key was seen before with different content: nothing written (HTTP 409).
    case keyReusedWithOtherContent
}

/// The office's copy of the submissions until a clerk takes them over: `DIR/<caseId>/<receiptId>/`
/// (`photo.jpg`, `signature.jpg`, `report.json`, `submission.json`), so every submission of a case is
/// kept, and an SQLite index (`.fotobox-office.sqlite`) of receipts by idempotency key and case.
///
/// A submission folder appears whole or not at all: its files are written into `.incoming-<receipt>`, each
/// fsynced, the folder fsynced, then renamed into the case folder and both folders fsynced.
public final class OfficeInbox: Sendable {
    public let directory: String
    public let retentionDays: Int
    struct State: ~Copyable {
        let database: SQLiteDatabase
        /// Idempotency keys whose files are being written right now (outside the lock).
        var inFlight: Set<String> = []
    }
    // The database and the renames in the inbox are only touched under this lock; a submission's files
    // are written and fsynced outside it, so several stations' uploads overlap their disk waits.
    let state: Locked<State>
    /// Broadcast when a write leaves `inFlight`: a second request with the same idempotency key waits on it.
    private let writeEnded = ChangeSignal()

    static let databaseName = ".fotobox-office.sqlite"
    static let incomingPrefix = ".incoming-"

    public init(directory: String, retentionDays: Int = 14) throws(OfficeError) {
        guard (1...3650).contains(retentionDays) else { throw .settings("--retention-days must be 1…3650") }
        self.directory = directory
        self.retentionDays = retentionDays
        do {
            try FileSystem.createDirectory(directory, mode: 0o750)
            try FileDescriptor.open(directory + "/" + Self.databaseName, O_RDWR | O_CREAT, mode: 0o600).close()
        } catch { throw .system(error) }
        let database: SQLiteDatabase
        do {
            database = try SQLiteDatabase(path: directory + "/" + Self.databaseName)
            try database.execute("PRAGMA busy_timeout = 15000")
            _ = try database.rows("PRAGMA journal_mode = WAL")
            try database.execute("""
                PRAGMA synchronous = FULL;
                PRAGMA secure_delete = ON;
                CREATE TABLE IF NOT EXISTS receipts (
                    receipt_id TEXT PRIMARY KEY,
                    idempotency_key TEXT NOT NULL UNIQUE,
                    case_id TEXT NOT NULL,
                    received_at INTEGER NOT NULL,
                    station_id TEXT NOT NULL,
                    captured_at TEXT NOT NULL,
                    queued_at TEXT NOT NULL,
                    software_version TEXT NOT NULL,
                    camera TEXT NOT NULL,
                    photo_bytes INTEGER NOT NULL,
                    signature_bytes INTEGER NOT NULL,
                    report_bytes INTEGER NOT NULL);
                CREATE INDEX IF NOT EXISTS receipts_case ON receipts (case_id, received_at);
                """)
            // Columns added after the first release: an older index gets them with defaults.
            let columns = Set(try database.rows("PRAGMA table_info(receipts)").compactMap { $0.count > 1 ? $0[1].text : nil })
            if !columns.contains("content_digest") { try database.execute("ALTER TABLE receipts ADD COLUMN content_digest TEXT NOT NULL DEFAULT ''") }
            if !columns.contains("state") { try database.execute("ALTER TABLE receipts ADD COLUMN state TEXT NOT NULL DEFAULT 'open'") }
            if !columns.contains("closed_at") { try database.execute("ALTER TABLE receipts ADD COLUMN closed_at INTEGER") }
            if !columns.contains("confirmation_code") { try database.execute("ALTER TABLE receipts ADD COLUMN confirmation_code TEXT NOT NULL DEFAULT ''") }
        } catch { throw .database(error) }
        state = Locked(State(database: database))
        recoverInterruptedWrites()
    }

    /// SHA-256 over the submission's fields (length-prefixed), to tell a retry from a reused key.
    static func contentDigest(_ submission: Submission) -> String {
        var bytes: [UInt8] = []
        for field in [Array(submission.caseID.utf8), SubmissionWire.metadataJSON(submission), submission.report, submission.photo, submission.signature] {
            withUnsafeBytes(of: UInt64(field.count).littleEndian) { bytes += $0 }
            bytes += field
        }
        var digest = [UInt8](repeating: 0, count: 32)
        var size: UInt32 = 0
        _ = EVP_Digest(bytes, bytes.count, &digest, &size, EVP_sha256(), nil)
        return digest.map { String($0 >> 4, radix: 16) + String($0 & 15, radix: 16) }.joined()
    }

    /// The code the citizen's receipt shows, by which the clerk can find the visit ("" when the station
    /// sent none: queued from files, or a station from before the code was sent).
    static func confirmationCode(of submission: Submission) -> String { submission.metadata.visit?.confirmationCode?.text ?? "" }

    /// The folder of one submission.
    public func folder(caseID: String, receiptID: String) -> String { directory + "/" + caseID + "/" + receiptID }

    /// Keeps a validated submission next to any earlier ones of its case. A repeated idempotency key
    /// returns the first receipt when the content is the same, and `keyReusedWithOtherContent` otherwise.
    public func store(_ submission: Submission, idempotencyKey: String, now: Date = Date()) throws(OfficeStorageError) -> OfficeStoreOutcome {
        let digest = Self.contentDigest(submission)
        // A second request with the same key (a station retrying while its first attempt is still being
        // written) waits for the first and then gets its answer.
        enum Decision { case wait, answer(OfficeStoreOutcome), write }
        while true {
            let decided: Result<Decision, OfficeStorageError> = state.withLock { state in
                if state.inFlight.contains(idempotencyKey) { return .success(.wait) }
                do throws(SQLiteError) {
                    let rows = try state.database.rows("SELECT receipt_id, case_id, received_at, content_digest FROM receipts WHERE idempotency_key = ?",
                                                       [.text(idempotencyKey)])
                    if let row = rows.first {
                        let storedDigest = row[3].text ?? ""
                        if !storedDigest.isEmpty && storedDigest != digest { return .success(.answer(.keyReusedWithOtherContent)) }
                        let receivedAt = CaptureMetadata.timestamp(Date(timeIntervalSince1970: TimeInterval(row[2].integer ?? 0)))
                        return .success(.answer(.repeated(SubmissionReceipt(receiptId: row[0].text ?? "", caseId: row[1].text ?? "",
                                                                            receivedAt: receivedAt, idempotencyKey: idempotencyKey))))
                    }
                } catch {
                    return .failure(OfficeStorageError(message: "the office's receipt index: \(error)", isDiskFull: error.isDiskFull))
                }
                state.inFlight.insert(idempotencyKey)
                return .success(.write)
            }
            switch decided {
            case .failure(let error): throw error
            case .success(.wait):
                // The same submission is being written by another request: its answer follows from that write.
                writeEnded.wait(until: .now + .seconds(60)) { !state.withLock { $0.inFlight.contains(idempotencyKey) } }
            case .success(.write): return try write(submission, idempotencyKey: idempotencyKey, digest: digest, now: now)
            case .success(.answer(let outcome)): return outcome
            }
        }
    }

    private func write(_ submission: Submission, idempotencyKey: String, digest: String, now: Date) throws(OfficeStorageError) -> OfficeStoreOutcome {
        defer {
            _ = state.withLock { $0.inFlight.remove(idempotencyKey) }
            writeEnded.broadcast()
        }
        let receiptID = SubmissionWire.randomHex(bytes: 10)
        let receivedAt = CaptureMetadata.timestamp(now)
        let receipt = SubmissionReceipt(receiptId: receiptID, caseId: submission.caseID, receivedAt: receivedAt, idempotencyKey: idempotencyKey)
        let incoming = directory + "/" + Self.incomingPrefix + receiptID
        let caseFolder = directory + "/" + submission.caseID
        func failure(_ error: SystemError, _ what: String) -> OfficeStorageError {
            OfficeStorageError(message: "the office could not \(what): \(error)", isDiskFull: error.errno == ENOSPC || error.errno == EDQUOT)
        }
        do {
            let description = SubmissionWire.recordJSON(submission, receipt: receipt)
            try FileSystem.createDirectory(incoming, mode: 0o750)
            try FileSystem.writeNewFile(incoming + "/photo.jpg", submission.photo, mode: 0o640)
            try FileSystem.writeNewFile(incoming + "/signature.jpg", submission.signature, mode: 0o640)
            try FileSystem.writeNewFile(incoming + "/report.json", submission.report, mode: 0o640)
            try FileSystem.writeNewFile(incoming + "/submission.json", description, mode: 0o640)
            try FileSystem.syncDirectory(incoming)
        } catch {
            try? FileSystem.removeTree(incoming)
            throw failure(error, "write the submission folder")
        }
        return try state.withLock { state throws(OfficeStorageError) -> OfficeStoreOutcome in
            do throws(SystemError) {
                if !FileSystem.exists(caseFolder) {
                    try FileSystem.createDirectory(caseFolder, mode: 0o750)
                    try FileSystem.syncDirectory(directory)
                }
                try FileSystem.rename(incoming, to: caseFolder + "/" + receiptID)
                try FileSystem.syncDirectory(caseFolder)
            } catch {
                try? FileSystem.removeTree(incoming)
                if ((try? FileSystem.listDirectory(caseFolder)) ?? ["?"]).isEmpty { try? FileSystem.removeTree(caseFolder) }
                throw failure(error, "put the submission folder in place")
            }
            do throws(SQLiteError) {
                try state.database.execute("""
                    INSERT INTO receipts (receipt_id, idempotency_key, case_id, received_at, station_id, captured_at, queued_at,
                                          software_version, camera, photo_bytes, signature_bytes, report_bytes, content_digest, state, confirmation_code)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?)
                    """, [.text(receiptID), .text(idempotencyKey), .text(submission.caseID), .integer(Int64(now.timeIntervalSince1970)),
                          .text(submission.metadata.stationID), .text(submission.metadata.capturedAt), .text(submission.metadata.queuedAt),
                          .text(submission.metadata.softwareVersion), .text(submission.metadata.camera),
                          .integer(Int64(submission.photo.count)), .integer(Int64(submission.signature.count)),
                          .integer(Int64(submission.report.count)), .text(digest), .text(Self.confirmationCode(of: submission))])
            } catch {
                // The folder is in place but unrecorded: the station gets a 5xx and retries with the same key;
                // the unrecorded folder is removed so the retry writes it once.
                try? FileSystem.removeTree(caseFolder + "/" + receiptID)
                throw OfficeStorageError(message: "the office could not record the receipt: \(error)", isDiskFull: error.isDiskFull)
            }
            return .created(receipt)
        }
    }

    /// The newest submission for a case (open or closed), nil when there is none (or it was purged).
    public func latest(caseID: String) throws(OfficeStorageError) -> OfficeCaseRecord? {
        try submissions(caseID: caseID).first
    }

    /// Every submission the office has for a case, newest first.
    public func submissions(caseID: String) throws(OfficeStorageError) -> [OfficeCaseRecord] {
        try state.withLock { state throws(OfficeStorageError) in
            try Self.query(state.database, "WHERE case_id = ? ORDER BY received_at DESC, rowid DESC", [.text(caseID)])
        }
    }

    /// How many submissions wait for a clerk.
    public func openCount() throws(OfficeStorageError) -> Int {
        try state.withLock { state throws(OfficeStorageError) in
            do throws(SQLiteError) { return Int(try state.database.rows("SELECT COUNT(*) FROM receipts WHERE state = 'open'").first?.first?.integer ?? 0) } catch {
                throw OfficeStorageError(message: "the office's receipt index: \(error)", isDiskFull: error.isDiskFull)
            }
        }
    }

    /// One submission by its receipt.
    public func submission(receiptID: String) throws(OfficeStorageError) -> OfficeCaseRecord? {
        try state.withLock { state throws(OfficeStorageError) in
            try Self.query(state.database, "WHERE receipt_id = ?", [.text(receiptID)]).first
        }
    }

    /// Marks a submission closed and deletes its folder (and the case folder when it was the last).
    func close(_ record: OfficeCaseRecord, as newState: OfficeCaseState, database: SQLiteDatabase, now: Date) throws(OfficeStorageError) {
        let folder = folder(caseID: record.caseId, receiptID: record.receiptId)
        do {
            if FileSystem.exists(folder) { try FileSystem.removeTree(folder) }
            let caseFolder = directory + "/" + record.caseId
            if ((try? FileSystem.listDirectory(caseFolder)) ?? ["?"]).isEmpty { try FileSystem.removeTree(caseFolder) }
            try FileSystem.syncDirectory(directory)
        } catch {
            throw OfficeStorageError(message: "the office could not delete its copy: \(error)", isDiskFull: false)
        }
        do {
            try database.execute("UPDATE receipts SET state = ?, closed_at = ? WHERE receipt_id = ?",
                                 [.text(newState.rawValue), .integer(Int64(now.timeIntervalSince1970)), .text(record.receiptId)])
        } catch {
            throw OfficeStorageError(message: "the office's receipt index: \(error)", isDiskFull: error.isDiskFull)
        }
    }

    /// Deletes the office's copy of submissions nobody took over within the retention period (they become
    /// `expired`, reported to `audit`), and forgets receipts closed longer than that. Returns how many expired.
    @discardableResult
    public func purge(now: Date = Date(), audit: (OfficeCaseRecord) -> Void = { _ in }) throws(OfficeStorageError) -> Int {
        let cutoff = Int64(now.timeIntervalSince1970) - Int64(retentionDays) * 86_400
        return try state.withLock { state throws(OfficeStorageError) -> Int in
            let expired = try Self.query(state.database, "WHERE state = 'open' AND received_at < ?", [.integer(cutoff)])
            for record in expired where CaseIDPolicy.isSafe(record.caseId) {
                try close(record, as: .expired, database: state.database, now: now)
                audit(record)
            }
            do throws(SQLiteError) {
                try state.database.execute("DELETE FROM receipts WHERE state != 'open' AND COALESCE(closed_at, received_at) < ?", [.integer(cutoff)])
            } catch {
                throw OfficeStorageError(message: "purge: \(error)", isDiskFull: error.isDiskFull)
            }
            return expired.count
        }
    }

    static let selectColumns = """
        SELECT case_id, receipt_id, received_at, idempotency_key, station_id, captured_at, queued_at, software_version,
               camera, photo_bytes, signature_bytes, report_bytes, state,
               (SELECT COUNT(*) FROM receipts n WHERE n.case_id = r.case_id),
               NOT EXISTS (SELECT 1 FROM receipts n WHERE n.case_id = r.case_id AND (n.received_at > r.received_at OR (n.received_at = r.received_at AND n.rowid > r.rowid))),
               confirmation_code
        FROM receipts r
        """

    static func query(_ database: SQLiteDatabase, _ condition: String, _ parameters: [SQLiteValue]) throws(OfficeStorageError) -> [OfficeCaseRecord] {
        do {
            return try database.rows(selectColumns + " " + condition, parameters).map { row in
                OfficeCaseRecord(
                    caseId: row[0].text ?? "", receiptId: row[1].text ?? "",
                    receivedAt: CaptureMetadata.timestamp(Date(timeIntervalSince1970: TimeInterval(row[2].integer ?? 0))),
                    idempotencyKey: row[3].text ?? "", stationId: row[4].text ?? "", capturedAt: row[5].text ?? "",
                    queuedAt: row[6].text ?? "", softwareVersion: row[7].text ?? "", camera: row[8].text ?? "",
                    confirmationCode: row[15].text ?? "",
                    photoBytes: Int(row[9].integer ?? 0), signatureBytes: Int(row[10].integer ?? 0), reportBytes: Int(row[11].integer ?? 0),
                    state: OfficeCaseState(rawValue: row[12].text ?? "") ?? .open, newest: (row[14].integer ?? 0) != 0,
                    submissionCount: Int(row[13].integer ?? 0))
            }
        } catch {
            throw OfficeStorageError(message: "the office's receipt index: \(error)", isDiskFull: error.isDiskFull)
        }
    }

    /// After a crash mid-write, half-written `.incoming-` folders go. A case folder from before
    /// submissions were kept side by side (files directly in `DIR/<caseId>/`) moves into `DIR/<caseId>/<receiptId>/`.
    private func recoverInterruptedWrites() {
        guard let names = try? FileSystem.listDirectory(directory) else { return }
        for name in names where name.hasPrefix(Self.incomingPrefix) || name.hasPrefix(".replaced-") {
            try? FileSystem.removeTree(directory + "/" + name)
        }
        for name in names where !name.hasPrefix(".") && FileSystem.exists(directory + "/" + name + "/submission.json") {
            let old = directory + "/" + name
            guard let bytes = try? FileSystem.readFile(old + "/submission.json", limit: 1 << 16),
                  let receipt = try? JSONDecoder().decode(SubmissionReceipt.self, from: Data(bytes)),
                  CaseIDPolicy.isSafe(receipt.receiptId) else { continue }
            let moving = directory + "/.moving-" + receipt.receiptId
            try? FileSystem.rename(old, to: moving)
            try? FileSystem.createDirectory(old, mode: 0o750)
            try? FileSystem.rename(moving, to: old + "/" + receipt.receiptId)
        }
        for name in names where name.hasPrefix(".moving-") {
            // Interrupted between the two renames above: the case folder name is in submission.json.
            let moving = directory + "/" + name
            guard let bytes = try? FileSystem.readFile(moving + "/submission.json", limit: 1 << 16),
                  let receipt = try? JSONDecoder().decode(SubmissionReceipt.self, from: Data(bytes)),
                  CaseIDPolicy.isSafe(receipt.caseId) else { continue }
            try? FileSystem.createDirectory(directory + "/" + receipt.caseId, mode: 0o750)
            try? FileSystem.rename(moving, to: directory + "/" + receipt.caseId + "/" + String(name.dropFirst(".moving-".count)))
        }
        try? FileSystem.syncDirectory(directory)
    }
}
