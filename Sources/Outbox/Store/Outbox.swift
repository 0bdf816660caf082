import Submission
import SQLite
import Configuration
import Foundation
import Platform
import CCrypto

/// One row of the outbox as a technician sees it (no payload, no biometric data).
public struct OutboxItem: Sendable, Equatable {
    public var id: Int64
    public var idempotencyKey: String
    public var state: OutboxState
    /// The case ID, decrypted; nil once the item is erased (it is erased with the payload).
    public var caseID: String?
    public var payloadBytes: Int
    public var createdAt: Date
    public var attempts: Int
    public var nextAttemptAt: Date
    public var lastError: String?
    public var receiptID: String?
    public var acknowledgedAt: Date?
}

/// Counts by state and what needs a technician's attention.
public struct OutboxStatus: Sendable, Equatable {
    public var pending = 0
    public var sending = 0
    public var acknowledged = 0
    public var erased = 0
    /// Items not acknowledged within the retention period: they are kept (never dropped silently), and
    /// this alert stays until they are delivered or a technician purges them.
    public var overdue = 0
    public var oldestUndelivered: Date?
    public var lastError: String?

    /// One line for status displays and logs; mentions the alert first.
    public var summary: String {
        var text = "outbox: \(pending) pending, \(sending) sending, \(acknowledged) acknowledged, \(erased) erased"
        if overdue > 0 { text = "ALERT: \(overdue) submission(s) not delivered within the retention period; " + text }
        if let lastError, pending + sending > 0 { text += "; last error: \(lastError)" }
        return text
    }
}

/// An item taken for delivery: the exact request body to upload.
package struct ClaimedItem: Sendable {
    package var id: Int64
    package var idempotencyKey: String
    package var contentType: String
    package var body: [UInt8]
    package var attempts: Int
}

/// The station's durable, encrypted queue of submissions waiting for the office.
///
/// One SQLite file (`outbox.sqlite` in the outbox directory) in WAL mode with `synchronous=FULL`, so a
/// submission that `enqueue` returned for survives a power cut, and `secure_delete=ON`, so erased rows
/// are overwritten. Payloads and case IDs are sealed with AES-256-GCM under the outbox key; the database
/// never holds a readable JPEG. Several processes may open the same outbox (fotoboxd delivering,
/// fotoboxctl inspecting): SQLite's locking serialises them, and the office's idempotency key makes a
/// second upload of the same item harmless.
public final class Outbox: Sendable {
    public let directory: String
    public let policy: CaseIDPolicy
    public let retentionDays: Int
    /// The connection, touched only under its lock (SQLite connections opened NOMUTEX are not thread-safe).
    private let database: Locked<SQLiteDatabase>
    private let cipher: PayloadCipher

    public static let databaseName = "outbox.sqlite"

    /// Opens (creating) the outbox in `directory` (created with mode 0700).
    public init(directory: String, key: OutboxKey, policy: CaseIDPolicy, retentionDays: Int = 14, keyPath: String = "(memory)") throws(OutboxError) {
        guard retentionDays >= 1 else { throw .invalidSettings("retention must be at least one day") }
        self.directory = directory
        self.policy = policy
        self.retentionDays = retentionDays
        cipher = PayloadCipher(key: key)
        do {
            try FileSystem.createDirectory(directory, mode: 0o700)
            // Created 0600 before SQLite opens it; SQLite gives its -wal and -shm files the same mode.
            let path = directory + "/" + Self.databaseName
            try FileDescriptor.open(path, O_RDWR | O_CREAT, mode: 0o600).close()
        } catch { throw .system(error) }
        let db: SQLiteDatabase
        do {
            db = try SQLiteDatabase(path: directory + "/" + Self.databaseName)
            try db.execute("PRAGMA busy_timeout = 15000")
            _ = try db.rows("PRAGMA journal_mode = WAL")
            try db.execute("""
                PRAGMA synchronous = FULL;
                PRAGMA secure_delete = ON;
                CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);
                CREATE TABLE IF NOT EXISTS items (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    idempotency_key TEXT NOT NULL UNIQUE,
                    state TEXT NOT NULL CHECK (state IN ('pending', 'sending', 'acknowledged', 'erased')),
                    sealed_case_id BLOB,
                    payload BLOB,
                    payload_bytes INTEGER NOT NULL,
                    content_type TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    attempts INTEGER NOT NULL DEFAULT 0,
                    next_attempt_at INTEGER NOT NULL,
                    last_error TEXT,
                    receipt_id TEXT,
                    acknowledged_at INTEGER,
                    erased_at INTEGER);
                CREATE INDEX IF NOT EXISTS items_due ON items (state, next_attempt_at);
                """)
        } catch { throw .database(error) }
        try Self.checkKey(db, cipher: cipher, keyPath: keyPath)
        database = Locked(db)
    }

    /// Opens the outbox the config names: its directory, key file (refused when others can read it),
    /// case-ID rules and retention.
    public convenience init(config: StationConfig) throws(OutboxError) {
        let key = try OutboxKey.load(path: config.outboxKeyFile)
        let policy: CaseIDPolicy
        do { policy = try CaseIDPolicy(pattern: config.caseIDPattern, checkDigit: config.caseIDCheckDigit) } catch { throw .invalidSettings(error.reason) }
        try self.init(directory: config.outboxPath, key: key, policy: policy, retentionDays: config.retentionDays, keyPath: config.outboxKeyFile)
    }

    /// A known value sealed with the key at creation: a later open with another key fails here, at start,
    /// instead of at the first upload.
    private static func checkKey(_ db: SQLiteDatabase, cipher: PayloadCipher, keyPath: String) throws(OutboxError) {
        let label = Array("fotobox-outbox-key-check".utf8)
        do {
            if let stored = try db.rows("SELECT value FROM meta WHERE key = 'key-check'").first?.first?.blob {
                do { _ = try cipher.open(stored, associatedData: label) } catch { throw OutboxError.wrongKey(path: keyPath) }
            } else {
                try db.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('key-check', ?)", [.blob(try cipher.seal(label, associatedData: label))])
            }
        } catch let error as SQLiteError {
            throw .database(error)
        } catch let error as OutboxError {
            throw error
        } catch {
            throw .crypto("\(error)")
        }
    }

    // MARK: Queueing

    /// Validates and stores a submission; returns its item. A refused submission stores nothing.
    @discardableResult
    public func enqueue(_ submission: Submission, now: Date = Date()) throws(OutboxError) -> OutboxItem {
        do { try SubmissionRules.validate(submission, policy: policy) } catch { throw .invalidSubmission(error) }
        let idempotencyKey = SubmissionWire.randomHex(bytes: 16)
        var (body, contentType) = SubmissionWire.encode(submission)
        defer { wipe(&body) }
        let sealedBody = try cipher.seal(body, associatedData: Array(idempotencyKey.utf8))
        let sealedCaseID = try cipher.seal(Array(submission.caseID.utf8), associatedData: Array(("case:" + idempotencyKey).utf8))
        let seconds = Int64(now.timeIntervalSince1970)
        let id: Int64 = try withDatabase { db throws(SQLiteError) in
            try db.transaction { () throws(SQLiteError) in
                try db.execute("""
                    INSERT INTO items (idempotency_key, state, sealed_case_id, payload, payload_bytes, content_type, created_at, next_attempt_at)
                    VALUES (?, 'pending', ?, ?, ?, ?, ?, ?)
                    """, [.text(idempotencyKey), .blob(sealedCaseID), .blob(sealedBody), .integer(Int64(body.count)),
                          .text(contentType), .integer(seconds), .integer(seconds)])
                return db.lastInsertedRowID
            }
        }
        return try item(id: id)
    }

    // MARK: Inspecting

    /// Every item, oldest first.
    public func items() throws(OutboxError) -> [OutboxItem] {
        try withDatabase { db throws(SQLiteError) in try db.rows("SELECT \(Self.columns) FROM items ORDER BY id") }.map(decodeItem)
    }

    /// One item by id.
    public func item(id: Int64) throws(OutboxError) -> OutboxItem {
        guard let row = try withDatabase({ db throws(SQLiteError) in try db.rows("SELECT \(Self.columns) FROM items WHERE id = ?", [.integer(id)]) }).first else {
            throw .noSuchItem(id)
        }
        return decodeItem(row)
    }

    /// The confirmation code on the citizen's receipt for one item, read from its sealed payload (so a
    /// technician can match a citizen's receipt to a queued item); nil when the item was queued from files
    /// or its payload is erased.
    public func confirmationCode(id: Int64) throws(OutboxError) -> ConfirmationCode? {
        let found = try withDatabase { db throws(SQLiteError) in
            try db.rows("SELECT idempotency_key, content_type, payload FROM items WHERE id = ?", [.integer(id)])
        }.first
        guard let row = found else { throw .noSuchItem(id) }
        guard let key = row[0].text, let type = row[1].text, let sealed = row[2].blob else { return nil }
        let body = try cipher.open(sealed, associatedData: Array(key.utf8))
        do { return try SubmissionWire.decode(body, contentType: type).metadata.visit?.confirmationCode } catch { return nil }
    }

    /// Counts by state and the retention alert.
    public func status(now: Date = Date()) throws(OutboxError) -> OutboxStatus {
        let deadline = Int64(now.timeIntervalSince1970) - Int64(retentionDays) * 86_400
        return try withDatabase { db throws(SQLiteError) in
            var status = OutboxStatus()
            for row in try db.rows("SELECT state, count(*) FROM items GROUP BY state") {
                let count = Int(row[1].integer ?? 0)
                switch OutboxState(rawValue: row[0].text ?? "") {
                case .pending: status.pending = count
                case .sending: status.sending = count
                case .acknowledged: status.acknowledged = count
                case .erased: status.erased = count
                case nil: break
                }
            }
            let undelivered = try db.rows("""
                SELECT count(*) FILTER (WHERE created_at < ?), min(created_at) FROM items WHERE state IN ('pending', 'sending')
                """, [.integer(deadline)])
            status.overdue = Int(undelivered.first?[0].integer ?? 0)
            status.oldestUndelivered = undelivered.first?[1].integer.map { Date(timeIntervalSince1970: TimeInterval($0)) }
            status.lastError = try db.rows("""
                SELECT last_error FROM items WHERE last_error IS NOT NULL AND state IN ('pending', 'sending') ORDER BY next_attempt_at DESC LIMIT 1
                """).first?.first?.text
            return status
        }
    }

    /// The earliest time a pending item is due, nil when none is pending.
    public func nextDueDate() throws(OutboxError) -> Date? {
        try withDatabase { db throws(SQLiteError) in
            try db.rows("SELECT min(next_attempt_at) FROM items WHERE state = 'pending'").first?.first?.integer
        }.map { Date(timeIntervalSince1970: TimeInterval($0)) }
    }

    // MARK: Delivery (used by OutboxDeliverer)

    /// Items left `sending` by a process that died mid-upload go back to `pending`; acknowledged items
    /// whose payload was not yet erased are erased. Run once at start, before delivering.
    public func recoverInterrupted() throws(OutboxError) {
        try withDatabase { db throws(SQLiteError) in
            try db.transaction { () throws(SQLiteError) in
                try db.execute("UPDATE items SET state = 'pending' WHERE state = 'sending'")
            }
        }
        try eraseAcknowledged()
    }

    /// Takes the oldest due item for upload (`pending` → `sending`) and opens its payload.
    package func claimNext(now: Date = Date()) throws(OutboxError) -> ClaimedItem? {
        let seconds = Int64(now.timeIntervalSince1970)
        let row: [SQLiteValue]? = try withDatabase { db throws(SQLiteError) in
            // `sending` need not survive a power cut (recovery turns it back into `pending` anyway), so this
            // commit skips the fsync; the next FULL commit makes it durable along with its own.
            try db.execute("PRAGMA synchronous = NORMAL")
            defer { try? db.execute("PRAGMA synchronous = FULL") }
            return try db.transaction { () throws(SQLiteError) -> [SQLiteValue]? in
                guard let row = try db.rows("""
                    SELECT id, idempotency_key, content_type, payload, attempts FROM items
                    WHERE state = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT 1
                    """, [.integer(seconds)]).first, let id = row[0].integer else { return nil }
                try db.execute("UPDATE items SET state = 'sending', attempts = attempts + 1 WHERE id = ?", [.integer(id)])
                return row
            }
        }
        guard let row, let id = row[0].integer, let key = row[1].text, let type = row[2].text, let sealed = row[3].blob else { return nil }
        let body: [UInt8]
        do { body = try cipher.open(sealed, associatedData: Array(key.utf8)) } catch {
            // A payload that does not open is kept (never deleted silently) and reported.
            _ = try? recordFailure(id: id, error: "\(error)", retryAt: now.addingTimeInterval(86_400))
            throw error
        }
        return ClaimedItem(id: id, idempotencyKey: key, contentType: type, body: body, attempts: Int(row[4].integer ?? 0) + 1)
    }

    /// The office acknowledged the item: record the receipt and erase the payload and case ID in one
    /// commit (`sending` → `acknowledged` → `erased`). If the erasure cannot be written (a full disk:
    /// secure_delete overwrites the freed pages), the receipt alone is recorded and the item stays
    /// `acknowledged` until `eraseAcknowledged` succeeds.
    package func markAcknowledged(id: Int64, receiptID: String, now: Date = Date()) throws(OutboxError) {
        let seconds = Int64(now.timeIntervalSince1970)
        let acknowledge = "UPDATE items SET state = 'acknowledged', receipt_id = ?, acknowledged_at = ?, last_error = NULL WHERE id = ? AND state IN ('sending', 'pending')"
        do {
            try withDatabase { db throws(SQLiteError) in
                try db.transaction { () throws(SQLiteError) in
                    try db.execute(acknowledge, [.text(receiptID), .integer(seconds), .integer(id)])
                    try db.execute("UPDATE items SET state = 'erased', payload = NULL, sealed_case_id = NULL, erased_at = ? WHERE id = ? AND state = 'acknowledged'",
                                   [.integer(seconds), .integer(id)])
                }
            }
        } catch {
            try withDatabase { db throws(SQLiteError) in try db.execute(acknowledge, [.text(receiptID), .integer(seconds), .integer(id)]) }
            return
        }
        truncateWriteAheadLog()
    }

    /// Copies the committed pages into the database file and truncates `outbox.sqlite-wal` to zero bytes.
    /// secure_delete zeroes an erased item's pages, but the frames that held its sealed payload and case ID
    /// stay readable in the WAL until it is truncated (or, much later, overwritten); the sealed payload opens
    /// with the key into the whole visit. If a reader (fotoboxctl) holds the WAL, the checkpoint cannot
    /// truncate now: `eraseAcknowledged` at the next start, and the next delivery, try again.
    private func truncateWriteAheadLog() {
        _ = try? withDatabase { db throws(SQLiteError) in try db.rows("PRAGMA wal_checkpoint(TRUNCATE)") }
    }

    /// Erases the payload and case ID of acknowledged items (`acknowledged` → `erased`); with
    /// secure_delete the freed pages are overwritten.
    package func eraseAcknowledged(now: Date = Date()) throws(OutboxError) {
        try withDatabase { db throws(SQLiteError) in
            try db.execute("UPDATE items SET state = 'erased', payload = NULL, sealed_case_id = NULL, erased_at = ? WHERE state = 'acknowledged'",
                           [.integer(Int64(now.timeIntervalSince1970))])
        }
        truncateWriteAheadLog()
    }

    /// The upload failed: back to `pending`, due again at `retryAt`. `error` may come from outside (an
    /// office's reason for refusing) and quote the case ID: it is stored with the item's case ID redacted,
    /// and that redacted text is returned for the log.
    @discardableResult
    package func recordFailure(id: Int64, error: String, retryAt: Date) throws(OutboxError) -> String {
        try withDatabase { db throws(SQLiteError) in
            var reason = error
            if let row = try db.rows("SELECT idempotency_key, sealed_case_id FROM items WHERE id = ?", [.integer(id)]).first,
               let key = row[0].text, let sealed = row[1].blob,
               let caseID = try? cipher.open(sealed, associatedData: Array(("case:" + key).utf8)) {
                reason = CaseIDText.redact(error, caseID: String(decoding: caseID, as: UTF8.self))
            }
            reason = String(reason.prefix(500))
            try db.execute("UPDATE items SET state = 'pending', last_error = ?, next_attempt_at = ? WHERE id = ? AND state IN ('sending', 'pending')",
                           [.text(reason), .integer(Int64(retryAt.timeIntervalSince1970)), .integer(id)])
            return reason
        }
    }

    // MARK: Technician's operations

    /// Makes pending items due now (one item, or all when `id` is nil); returns how many.
    @discardableResult
    public func retry(id: Int64? = nil, now: Date = Date()) throws(OutboxError) -> Int {
        if let id {
            let current = try item(id: id)
            guard current.state == .pending else { throw .wrongState(id: id, state: current.state, operation: "retry") }
        }
        return try withDatabase { db throws(SQLiteError) in
            if let id {
                try db.execute("UPDATE items SET next_attempt_at = ? WHERE id = ? AND state = 'pending'", [.integer(Int64(now.timeIntervalSince1970)), .integer(id)])
            } else {
                try db.execute("UPDATE items SET next_attempt_at = ? WHERE state = 'pending'", [.integer(Int64(now.timeIntervalSince1970))])
            }
            return db.changes
        }
    }

    /// Items created before `cutoff`: what `purge` would delete.
    public func purgeCandidates(createdBefore cutoff: Date) throws(OutboxError) -> [OutboxItem] {
        try items().filter { $0.createdAt < cutoff }
    }

    /// Deletes items created before `cutoff`, delivered or not (the technician confirmed); returns how many.
    @discardableResult
    public func purge(createdBefore cutoff: Date) throws(OutboxError) -> Int {
        try withDatabase { db throws(SQLiteError) in
            try db.execute("DELETE FROM items WHERE created_at < ?", [.integer(Int64(cutoff.timeIntervalSince1970))])
            let count = db.changes
            // Move the overwritten pages out of the WAL into the main file, then shrink.
            _ = try db.rows("PRAGMA wal_checkpoint(TRUNCATE)")
            return count
        }
    }

    /// SQLite's integrity check of the database: "ok", or the problems found (for `fotoboxctl selftest`).
    public func integrityCheck() throws(OutboxError) -> String {
        try withDatabase { db throws(SQLiteError) in
            try db.rows("PRAGMA integrity_check").compactMap { $0.first?.text }.joined(separator: "; ")
        }
    }

    /// Pages in the database file (tests set a page limit just above it to make the "disk" full).
    package func pageCountForTesting() throws(OutboxError) -> Int {
        try withDatabase { db throws(SQLiteError) in Int(try db.rows("PRAGMA page_count").first?.first?.integer ?? 0) }
    }

    /// Caps the database at `pages` pages: writes beyond fail with SQLITE_FULL as on a full disk.
    package func limitSizeForTesting(pages: Int) throws(OutboxError) {
        try withDatabase { db throws(SQLiteError) in _ = try db.rows("PRAGMA max_page_count = \(pages)") }
    }

    // MARK: Internals

    private static let columns = "id, idempotency_key, state, sealed_case_id, payload_bytes, created_at, attempts, next_attempt_at, last_error, receipt_id, acknowledged_at"

    private func decodeItem(_ row: [SQLiteValue]) -> OutboxItem {
        let key = row[1].text ?? ""
        let caseID = row[3].blob.flatMap { try? cipher.open($0, associatedData: Array(("case:" + key).utf8)) }.map { String(decoding: $0, as: UTF8.self) }
        return OutboxItem(
            id: row[0].integer ?? 0, idempotencyKey: key, state: OutboxState(rawValue: row[2].text ?? "") ?? .pending,
            caseID: caseID, payloadBytes: Int(row[4].integer ?? 0),
            createdAt: Date(timeIntervalSince1970: TimeInterval(row[5].integer ?? 0)), attempts: Int(row[6].integer ?? 0),
            nextAttemptAt: Date(timeIntervalSince1970: TimeInterval(row[7].integer ?? 0)), lastError: row[8].text,
            receiptID: row[9].text, acknowledgedAt: row[10].integer.map { Date(timeIntervalSince1970: TimeInterval($0)) })
    }

    private func withDatabase<T>(_ body: (inout sending SQLiteDatabase) throws(SQLiteError) -> sending T) throws(OutboxError) -> sending T {
        do { return try database.withLock(body) } catch { throw .database(error) }
    }
}

/// Overwrites a plaintext buffer before it is freed.
func wipe(_ bytes: inout [UInt8]) {
    bytes.withUnsafeMutableBytes { raw in
        if let base = raw.baseAddress { OPENSSL_cleanse(base, raw.count) }
    }
}
