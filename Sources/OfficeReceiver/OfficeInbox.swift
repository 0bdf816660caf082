import Submission
import SQLite
import Foundation
import Platform

/// Why the office could not keep a submission it accepted as valid (its own disk, its own database).
public struct OfficeStorageError: Error, Sendable, CustomStringConvertible {
    public var message: String
    /// The disk is full: the client should retry later (HTTP 507).
    public var isDiskFull: Bool
    public var description: String { message }
}

/// One accepted submission as the clerk's endpoint reports it.
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
    public var photoBytes: Int
    public var signatureBytes: Int
    public var reportBytes: Int
}

/// The office's inbox: one folder per case ID (`photo.jpg`, `signature.jpg`, `report.json`,
/// `submission.json`), which the registry software picks up, and a small SQLite index
/// (`.fotobox-office.sqlite`) of receipts by idempotency key.
///
/// A case folder appears whole or not at all: the files are written into `.incoming-<receipt>`, each
/// fsynced, the folder fsynced, then renamed to the case ID and the inbox fsynced. A later submission for
/// the same case replaces the folder the same way (the citizen came back for a new photo).
public final class OfficeInbox: @unchecked Sendable {
    public let directory: String
    public let retentionDays: Int
    // The connection, the renames in the inbox and `inFlight` are only touched under `lock`; the case's
    // files are written and fsynced outside it, so several stations' uploads overlap their disk waits.
    private let database: SQLiteDatabase
    private let lock = NSCondition()
    private var inFlight: Set<String> = []

    static let databaseName = ".fotobox-office.sqlite"
    static let incomingPrefix = ".incoming-"
    static let replacedPrefix = ".replaced-"

    public init(directory: String, retentionDays: Int = 14) throws(OfficeError) {
        guard (1...3650).contains(retentionDays) else { throw .settings("--retention-days must be 1…3650") }
        self.directory = directory
        self.retentionDays = retentionDays
        do {
            try FileSystem.createDirectory(directory, mode: 0o750)
            try FileDescriptor.open(directory + "/" + Self.databaseName, O_RDWR | O_CREAT, mode: 0o600).close()
        } catch { throw .system(error) }
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
        } catch { throw .database(error) }
        recoverInterruptedWrites()
    }

    /// Keeps a validated submission; a repeated idempotency key returns the first receipt (`created` false).
    public func store(_ submission: Submission, idempotencyKey: String, now: Date = Date()) throws(OfficeStorageError) -> (receipt: SubmissionReceipt, created: Bool) {
        // A second request with the same key (a station retrying while its first attempt is still being
        // written) waits for the first and then gets its receipt.
        lock.lock()
        while inFlight.contains(idempotencyKey) { lock.wait() }
        let existing: OfficeCaseRecord?
        do { existing = try recordIfPresent(idempotencyKey: idempotencyKey) } catch {
            lock.unlock()
            throw error
        }
        if let existing {
            lock.unlock()
            return (SubmissionReceipt(receiptId: existing.receiptId, caseId: existing.caseId, receivedAt: existing.receivedAt, idempotencyKey: idempotencyKey), false)
        }
        inFlight.insert(idempotencyKey)
        lock.unlock()
        defer {
            lock.lock()
            inFlight.remove(idempotencyKey)
            lock.broadcast()
            lock.unlock()
        }

        let receiptID = SubmissionWire.randomHex(bytes: 10)
        let receivedAt = CaptureMetadata.timestamp(now)
        let record = OfficeCaseRecord(
            caseId: submission.caseID, receiptId: receiptID, receivedAt: receivedAt, idempotencyKey: idempotencyKey,
            stationId: submission.metadata.stationID, capturedAt: submission.metadata.capturedAt, queuedAt: submission.metadata.queuedAt,
            softwareVersion: submission.metadata.softwareVersion, camera: submission.metadata.camera,
            photoBytes: submission.photo.count, signatureBytes: submission.signature.count, reportBytes: submission.report.count)
        let incoming = directory + "/" + Self.incomingPrefix + receiptID
        let target = directory + "/" + submission.caseID
        let replaced = directory + "/" + Self.replacedPrefix + receiptID
        func failure(_ error: SystemError, _ what: String) -> OfficeStorageError {
            OfficeStorageError(message: "the office could not \(what): \(error)", isDiskFull: error.errno == ENOSPC || error.errno == EDQUOT)
        }
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
            let description = Array((try? encoder.encode(record)) ?? Data())
            try FileSystem.createDirectory(incoming, mode: 0o750)
            try FileSystem.writeNewFile(incoming + "/photo.jpg", submission.photo, mode: 0o640)
            try FileSystem.writeNewFile(incoming + "/signature.jpg", submission.signature, mode: 0o640)
            try FileSystem.writeNewFile(incoming + "/report.json", submission.report, mode: 0o640)
            try FileSystem.writeNewFile(incoming + "/submission.json", description, mode: 0o640)
            try FileSystem.syncDirectory(incoming)
        } catch {
            try? FileSystem.removeTree(incoming)
            throw failure(error, "write the case folder")
        }

        lock.lock()
        defer { lock.unlock() }
        do {
            if FileSystem.exists(target) { try FileSystem.rename(target, to: replaced) }
            try FileSystem.rename(incoming, to: target)
            try FileSystem.syncDirectory(directory)
        } catch {
            try? FileSystem.removeTree(incoming)
            if FileSystem.exists(replaced) && !FileSystem.exists(target) { try? FileSystem.rename(replaced, to: target) }
            throw failure(error, "put the case folder in place")
        }
        try? FileSystem.removeTree(replaced)
        do {
            try database.execute("""
                INSERT INTO receipts (receipt_id, idempotency_key, case_id, received_at, station_id, captured_at, queued_at,
                                      software_version, camera, photo_bytes, signature_bytes, report_bytes)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, [.text(receiptID), .text(idempotencyKey), .text(record.caseId), .integer(Int64(now.timeIntervalSince1970)),
                      .text(record.stationId), .text(record.capturedAt), .text(record.queuedAt), .text(record.softwareVersion),
                      .text(record.camera), .integer(Int64(record.photoBytes)), .integer(Int64(record.signatureBytes)),
                      .integer(Int64(record.reportBytes))])
        } catch {
            // The folder is in place but unrecorded: the station gets a 5xx, retries with the same key and
            // the folder is written again. Nothing is lost either way.
            throw OfficeStorageError(message: "the office could not record the receipt: \(error)", isDiskFull: error.isDiskFull)
        }
        return (SubmissionReceipt(receiptId: receiptID, caseId: record.caseId, receivedAt: receivedAt, idempotencyKey: idempotencyKey), true)
    }

    /// The latest submission for a case, nil when there is none (or it was purged).
    public func latest(caseID: String) throws(OfficeStorageError) -> OfficeCaseRecord? {
        lock.lock()
        defer { lock.unlock() }
        return try query("WHERE case_id = ? ORDER BY received_at DESC, rowid DESC LIMIT 1", [.text(caseID)]).first
    }

    /// Deletes case folders and receipts older than the retention period; returns how many receipts.
    @discardableResult
    public func purge(now: Date = Date()) throws(OfficeStorageError) -> Int {
        lock.lock()
        defer { lock.unlock() }
        let cutoff = Int64(now.timeIntervalSince1970) - Int64(retentionDays) * 86_400
        do {
            // A folder goes only when no newer receipt for its case is still within the retention period.
            let expiredCases = try database.rows("""
                SELECT DISTINCT case_id FROM receipts r WHERE received_at < ?
                AND NOT EXISTS (SELECT 1 FROM receipts n WHERE n.case_id = r.case_id AND n.received_at >= ?)
                """, [.integer(cutoff), .integer(cutoff)]).compactMap { $0.first?.text }
            for caseID in expiredCases where CaseIDPolicy.isSafe(caseID) && FileSystem.exists(directory + "/" + caseID) {
                try FileSystem.removeTree(directory + "/" + caseID)
            }
            if !expiredCases.isEmpty { try FileSystem.syncDirectory(directory) }
            try database.execute("DELETE FROM receipts WHERE received_at < ?", [.integer(cutoff)])
            return database.changes
        } catch let error as SQLiteError {
            throw OfficeStorageError(message: "purge: \(error)", isDiskFull: error.isDiskFull)
        } catch {
            throw OfficeStorageError(message: "purge: \(error)", isDiskFull: false)
        }
    }

    private func recordIfPresent(idempotencyKey: String) throws(OfficeStorageError) -> OfficeCaseRecord? {
        try query("WHERE idempotency_key = ?", [.text(idempotencyKey)]).first
    }

    private func query(_ condition: String, _ parameters: [SQLiteValue]) throws(OfficeStorageError) -> [OfficeCaseRecord] {
        do {
            return try database.rows("""
                SELECT case_id, receipt_id, received_at, idempotency_key, station_id, captured_at, queued_at, software_version,
                       camera, photo_bytes, signature_bytes, report_bytes FROM receipts \(condition)
                """, parameters).map { row in
                OfficeCaseRecord(
                    caseId: row[0].text ?? "", receiptId: row[1].text ?? "",
                    receivedAt: CaptureMetadata.timestamp(Date(timeIntervalSince1970: TimeInterval(row[2].integer ?? 0))),
                    idempotencyKey: row[3].text ?? "", stationId: row[4].text ?? "", capturedAt: row[5].text ?? "",
                    queuedAt: row[6].text ?? "", softwareVersion: row[7].text ?? "", camera: row[8].text ?? "",
                    photoBytes: Int(row[9].integer ?? 0), signatureBytes: Int(row[10].integer ?? 0), reportBytes: Int(row[11].integer ?? 0))
            }
        } catch {
            throw OfficeStorageError(message: "the office's receipt index: \(error)", isDiskFull: error.isDiskFull)
        }
    }

    /// After a crash mid-write: half-written `.incoming-` folders go; a `.replaced-` folder whose
    /// replacement never arrived is put back.
    private func recoverInterruptedWrites() {
        guard let names = try? FileSystem.listDirectory(directory) else { return }
        for name in names where name.hasPrefix(Self.incomingPrefix) { try? FileSystem.removeTree(directory + "/" + name) }
        for name in names where name.hasPrefix(Self.replacedPrefix) {
            let path = directory + "/" + name
            guard let bytes = try? FileSystem.readFile(path + "/submission.json", limit: 1 << 16),
                  let record = try? JSONDecoder().decode(OfficeCaseRecord.self, from: Data(bytes)),
                  CaseIDPolicy.isSafe(record.caseId) else { continue }
            if FileSystem.exists(directory + "/" + record.caseId) {
                try? FileSystem.removeTree(path)
            } else {
                try? FileSystem.rename(path, to: directory + "/" + record.caseId)
            }
        }
        try? FileSystem.syncDirectory(directory)
    }
}
