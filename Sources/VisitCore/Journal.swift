import CCrypto
import Platform

/// syslog priorities, as journald files them.
public enum LogPriority: Int32, Sendable {
    case error = 3, warning = 4, notice = 5, info = 6, debug = 7
}

/// The service's log. Under systemd each line goes to journald's native socket with structured fields
/// (`FOTOBOX_EVENT=`, `FOTOBOX_CASE=` ...); elsewhere to stderr as `fotoboxd: <priority>: message k=v`.
///
/// Case numbers never appear: `caseTag` is a keyed hash (HMAC-SHA256 under a key kept in the state
/// directory), so a technician who has the key can find one case's lines, and nobody can read them back.
/// Pixels, landmarks and signatures are never passed here.
public final class Journal: Sendable {
    public typealias Sink = @Sendable (_ priority: LogPriority, _ message: String, _ fields: [(String, String)]) -> Void

    private let caseKey: [UInt8]
    private let sink: Sink

    public init(caseKey: [UInt8], sink: @escaping Sink) {
        self.caseKey = caseKey
        self.sink = sink
    }

    /// journald's native protocol when stderr is connected to the journal (`$JOURNAL_STREAM`), else stderr.
    public static func standard(identifier: String, caseKey: [UInt8]) -> Journal {
        let native = JournalSocket.connectedToJournal() ? JournalSocket(identifier: identifier, path: JournalSocket.systemPath) : nil
        return Journal(caseKey: caseKey) { priority, message, fields in
            if let native, native.send(priority, message, fields) { return }
            var line = "\(identifier): \(priority): \(message)"
            for (key, value) in fields { line += " \(key.lowercased())=\(value)" }
            line += "\n"
            StandardStreams.writeError(line)
        }
    }

    public func log(_ priority: LogPriority, _ message: String, _ fields: [(String, String)] = []) {
        sink(priority, message, fields)
    }

    /// A short keyed hash of a case number, for logs: 16 hex characters.
    public func caseTag(_ caseNumber: String) -> String {
        var out = [UInt8](repeating: 0, count: 32)
        var length = 0
        let data = Array(caseNumber.utf8)
        let ok = caseKey.withUnsafeBytes { key in
            data.withUnsafeBufferPointer { input in
                out.withUnsafeMutableBufferPointer { output in
                    EVP_Q_mac(nil, "HMAC", nil, "SHA256", nil, key.baseAddress, key.count,
                              input.baseAddress, input.count, output.baseAddress, output.count, &length) != nil
                }
            }
        }
        // Without libcrypto's HMAC nothing identifying may be logged at all.
        guard ok, length >= 8 else { return "unavailable" }
        return out[0..<8].map { byte in (byte < 16 ? "0" : "") + String(byte, radix: 16) }.joined()
    }

    /// The key for `caseTag`: read from `path`, or created there (32 random bytes, mode 0600) on first
    /// start. Without a usable path, a random key for this process only.
    public static func caseKey(at path: String?) -> [UInt8] {
        if let path {
            if let existing = try? FileSystem.readFile(path, limit: 4096), existing.count >= 32 { return existing }
            let fresh = randomBytes(32)
            if (try? FileSystem.writeFileAtomically(path, fresh, mode: 0o600)) != nil { return fresh }
        }
        return randomBytes(32)
    }

    static func randomBytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }
}

extension LogPriority: CustomStringConvertible {
    public var description: String {
        switch self {
        case .error: "error"
        case .warning: "warning"
        case .notice: "notice"
        case .info: "info"
        case .debug: "debug"
        }
    }
}

/// journald's native protocol: one datagram of `KEY=value` lines to /run/systemd/journal/socket.
package struct JournalSocket: Sendable {
    let identifier: String
    let path: String
    package static let systemPath = "/run/systemd/journal/socket"

    package init(identifier: String, path: String) {
        self.identifier = identifier
        self.path = path
    }

    /// systemd sets `$JOURNAL_STREAM` to stderr's device:inode when stderr goes to the journal.
    static func connectedToJournal() -> Bool {
        guard let value = ProcessEnvironment.value("JOURNAL_STREAM") else { return false }
        guard let stream = StandardStreams.errorStreamIdentity() else { return false }
        return value == "\(stream.device):\(stream.inode)"
    }

    package func send(_ priority: LogPriority, _ message: String, _ fields: [(String, String)]) -> Bool {
        var text = "MESSAGE=\(message.replacingNewlines)\nPRIORITY=\(priority.rawValue)\nSYSLOG_IDENTIFIER=\(identifier)\n"
        for (key, value) in fields { text += "FOTOBOX_\(key.uppercased())=\(value.replacingNewlines)\n" }
        return (try? UnixDatagram.send(Array(text.utf8), to: path)) != nil
    }
}

extension String {
    package var replacingNewlines: String { split(separator: "\n", omittingEmptySubsequences: false).joined(separator: " ") }
}
