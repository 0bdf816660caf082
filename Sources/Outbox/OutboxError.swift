import Submission
import SQLite
import Platform

/// Why the outbox cannot do what was asked. Each case says what a technician should look at.
public enum OutboxError: Error, Equatable, Sendable, CustomStringConvertible {
    case database(SQLiteError)
    case system(SystemError)
    case keyUnreadable(path: String, SystemError)
    case keyReadableByOthers(path: String, mode: UInt32)
    case keyMalformed(path: String, reason: String)
    /// The key does not open what this outbox sealed before: the wrong key file is configured.
    case wrongKey(path: String)
    case payloadCorrupt(String)
    case crypto(String)
    case invalidSubmission(SubmissionError)
    case noSuchItem(Int64)
    /// The operation does not apply to an item in this state (e.g. retrying an acknowledged item).
    case wrongState(id: Int64, state: OutboxState, operation: String)
    case invalidSettings(String)
    /// `fotobox-office` cannot start: address, TLS material, inbox.
    case officeSettings(String)

    public var description: String {
        switch self {
        case .database(let error):
            error.isDiskFull ? "outbox database: the disk is full; nothing was changed (\(error))" : "outbox database: \(error)"
        case .system(let error): "outbox: \(error)"
        case .keyUnreadable(let path, let error): "outbox key file \(path) cannot be read: \(error)"
        case .keyReadableByOthers(let path, let mode):
            "outbox key file \(path) has mode \(String(mode, radix: 8)): refusing to start; make it readable by the service only (chmod 600 or a systemd credential)"
        case .keyMalformed(let path, let reason): "outbox key file \(path): \(reason)"
        case .wrongKey(let path): "the outbox key \(path) does not open this outbox's items; is the right key file configured?"
        case .payloadCorrupt(let reason): "outbox payload cannot be opened: \(reason)"
        case .crypto(let reason): "outbox encryption: \(reason)"
        case .invalidSubmission(let error): "submission refused: \(error)"
        case .noSuchItem(let id): "no outbox item \(id)"
        case .wrongState(let id, let state, let operation): "outbox item \(id) is \(state.rawValue); cannot \(operation) it"
        case .invalidSettings(let reason): "outbox settings: \(reason)"
        case .officeSettings(let reason): reason
        }
    }
}
