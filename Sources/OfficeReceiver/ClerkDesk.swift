import Foundation
import Submission
import Platform

/// One line of the office's audit log: what happened to which submission, by whom. Never image data
/// and never the case number (logs carry none); the receipt ID leads to the case through the office's
/// index while the receipt is kept, and through `metadata.json` in the import folder.
public struct OfficeAuditEntry: Codable, Sendable, Equatable {
    public enum Action: String, Codable, Sendable {
        /// A clerk exported the submission into the import folder; the office's copy is deleted.
        case takeOver
        /// A clerk rejected the submission with a reason; the office's copy is deleted.
        case reject
        /// Closed with the take-over of another submission of the same case; the office's copy is deleted.
        case discard
        /// Nobody took it over within the retention period; the office's copy is deleted.
        case expire
    }
    public var time: String
    public var action: Action
    public var receiptId: String
    public var stationId: String
    /// The clerk's certificate name (CN); "retention" for expiry.
    public var actor: String
    public var reason: String?
}

/// The audit log: JSON lines appended to one file (`--audit-log`, default `INBOX/.audit.jsonl`), each
/// written with one write(2) and fsynced before the action is reported done.
public final class OfficeAuditLog: Sendable {
    public let path: String
    private let lock = Locked(())

    public init(path: String) throws(OfficeError) {
        self.path = path
        do { try FileDescriptor.open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, mode: 0o640).close() } catch {
            throw .settings("--audit-log \(path): \(error)")
        }
    }

    public func append(_ entry: OfficeAuditEntry) throws(SystemError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let line = Array((try? encoder.encode(entry)) ?? Data()) + [0x0A]
        try lock.withLock { _ throws(SystemError) in
            let file = try FileDescriptor.open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, mode: 0o640)
            let written: Result<Void, SystemError> = line.withUnsafeBytes { raw in Result { () throws(SystemError) in try file.writeAll(raw) } }
            try written.get()
            try file.synchronize(path)
            try file.close()
        }
    }

    /// Every entry so far (for tests and `fotobox-office --help` examples; the file is small).
    public func entries() -> [OfficeAuditEntry] {
        guard let bytes = try? FileSystem.readFile(path, limit: 64 << 20) else { return [] }
        return bytes.split(separator: 0x0A).compactMap { try? JSONDecoder().decode(OfficeAuditEntry.self, from: Data($0)) }
    }
}

/// Why the clerk's action could not be done.
public enum ClerkDeskError: Error, Sendable, Equatable, CustomStringConvertible {
    case noSuchSubmission
    case alreadyClosed(OfficeCaseState)
    /// The import folder still holds this case from an earlier take-over (the registry has not picked it up).
    case importFolderOccupied
    case reasonRequired
    case storage(String)

    public var description: String {
        switch self {
        case .noSuchSubmission: "no such submission"
        case .alreadyClosed(let state): "this submission is already closed (\(state.rawValue))"
        case .importFolderOccupied: "the import folder still holds this case from an earlier take-over; the registry software has not picked it up yet"
        case .reasonRequired: "a reason is required (1-500 characters)"
        case .storage(let message): message
        }
    }
}

/// The clerk's desk on top of the inbox: search, files, take-over into the import folder, rejection.
/// Every action that deletes the office's copy is written to the audit log.
public struct ClerkDesk: Sendable {
    public let inbox: OfficeInbox
    /// Where take-overs are written for the registry software: `IMPORT/<caseId>/` (docs/office.md).
    public let importDirectory: String
    public let audit: OfficeAuditLog

    public init(inbox: OfficeInbox, importDirectory: String, audit: OfficeAuditLog) throws(OfficeError) {
        self.inbox = inbox
        self.importDirectory = importDirectory
        self.audit = audit
        do { try FileSystem.createDirectory(importDirectory, mode: 0o750) } catch {
            throw .settings("--import-dir \(importDirectory): \(error)")
        }
    }

    /// A case number or confirmation code as typed: spaces dropped, letters upper-cased, hyphens ignored.
    static func searchKey(_ typed: String) -> String {
        String(typed.uppercased().unicodeScalars.filter { CharacterSet.alphanumerics.contains($0) && $0.isASCII }.map(Character.init))
    }

    /// Every submission (newest first) whose case number or confirmation code matches what the clerk typed.
    public func search(_ typed: String) throws(OfficeStorageError) -> [OfficeCaseRecord] {
        let key = Self.searchKey(typed)
        guard !key.isEmpty, key.count <= 64 else { return [] }
        return try inbox.state.withLock { state throws(OfficeStorageError) in
            try OfficeInbox.query(state.database, """
                WHERE REPLACE(REPLACE(UPPER(case_id), '-', ''), '_', '') = ? OR (confirmation_code != '' AND REPLACE(UPPER(confirmation_code), '-', '') = ?)
                ORDER BY received_at DESC, rowid DESC LIMIT 50
                """, [.text(key), .text(key)])
        }
    }

    /// A file of an open submission: `photo.jpg`, `signature.jpg` or `report.json`.
    public func file(receiptID: String, name: String) throws(ClerkDeskError) -> [UInt8] {
        guard ["photo.jpg", "signature.jpg", "report.json"].contains(name) else { throw .noSuchSubmission }
        let record = try openRecord(receiptID)
        do { return try FileSystem.readFile(inbox.folder(caseID: record.caseId, receiptID: record.receiptId) + "/" + name, limit: 16 << 20) } catch {
            throw .storage("the office's copy cannot be read: \(error)")
        }
    }

    /// Exports the submission into `IMPORT/<caseId>/` (written whole: `.incoming-<receipt>` then renamed),
    /// deletes the office's copies of this case (the others become `discarded`) and writes the audit log.
    /// Returns the import folder's name.
    public func takeOver(receiptID: String, clerk: String, now: Date = Date()) throws(ClerkDeskError) -> String {
        let record = try openRecord(receiptID)
        let source = inbox.folder(caseID: record.caseId, receiptID: record.receiptId)
        let target = importDirectory + "/" + record.caseId
        let incoming = importDirectory + "/.incoming-" + record.receiptId
        guard !FileSystem.exists(target) else { throw .importFolderOccupied }
        do throws(SystemError) {
            try? FileSystem.removeTree(incoming)
            try FileSystem.createDirectory(incoming, mode: 0o750)
            for name in ["photo.jpg", "signature.jpg", "report.json"] {
                try FileSystem.writeNewFile(incoming + "/" + name, try FileSystem.readFile(source + "/" + name, limit: 16 << 20), mode: 0o640)
            }
            let metadata = (try? FileSystem.readFile(source + "/submission.json", limit: 1 << 16)) ?? []
            try FileSystem.writeNewFile(incoming + "/metadata.json", Self.importMetadata(metadata, clerk: clerk, now: now), mode: 0o640)
            try FileSystem.syncDirectory(incoming)
            try FileSystem.rename(incoming, to: target)
            try FileSystem.syncDirectory(importDirectory)
        } catch {
            try? FileSystem.removeTree(incoming)
            throw .storage("the import folder could not be written: \(error)")
        }
        try close(record, as: .takenOver, action: .takeOver, actor: clerk, reason: nil, now: now)
        // The case is done: the office's other copies of it go too.
        let others = ((try? inbox.submissions(caseID: record.caseId)) ?? []).filter { $0.state == .open }
        for other in others {
            try close(other, as: .discarded, action: .discard, actor: clerk, reason: "another submission of the case was taken over", now: now)
        }
        return record.caseId
    }

    /// Rejects the submission with the clerk's reason, deletes the office's copy and writes the audit log.
    public func reject(receiptID: String, reason: String, clerk: String, now: Date = Date()) throws(ClerkDeskError) {
        let trimmed = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...500).contains(trimmed.count), trimmed.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F }) else {
            throw .reasonRequired
        }
        let record = try openRecord(receiptID)
        try close(record, as: .rejected, action: .reject, actor: clerk, reason: trimmed, now: now)
    }

    private func openRecord(_ receiptID: String) throws(ClerkDeskError) -> OfficeCaseRecord {
        guard CaseIDPolicy.isSafe(receiptID) else { throw .noSuchSubmission }
        let found: OfficeCaseRecord?
        do { found = try inbox.submission(receiptID: receiptID) } catch { throw .storage(error.message) }
        guard let record = found else { throw .noSuchSubmission }
        guard record.state == .open else { throw .alreadyClosed(record.state) }
        return record
    }

    private func close(_ record: OfficeCaseRecord, as state: OfficeCaseState, action: OfficeAuditEntry.Action, actor: String,
                       reason: String?, now: Date) throws(ClerkDeskError) {
        do {
            try inbox.state.withLock { locked throws(OfficeStorageError) in
                try inbox.close(record, as: state, database: locked.database, now: now)
            }
        } catch { throw .storage(error.message) }
        do {
            try audit.append(OfficeAuditEntry(time: CaptureMetadata.timestamp(now), action: action, receiptId: record.receiptId,
                                              stationId: record.stationId, actor: actor, reason: reason))
        } catch { throw .storage("the audit log could not be written: \(error)") }
    }

    /// `metadata.json` in the import folder: the stored submission's fields plus who took it over when (typed, as
    /// Submission's `StoredRecord`).
    static func importMetadata(_ stored: [UInt8], clerk: String, now: Date) -> [UInt8] {
        SubmissionWire.importJSON(record: stored, takenOverBy: clerk, at: CaptureMetadata.timestamp(now))
    }
}
