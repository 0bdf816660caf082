import Platform
import SQLite

/// Why `fotobox-office` cannot start or keep its inbox. Each case says what a technician should look at.
public enum OfficeError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Address, TLS material, retention: the command line or the files it names.
    case settings(String)
    /// The inbox index (SQLite).
    case database(SQLiteError)
    /// Any other failed call (the inbox directory, a file in it).
    case system(SystemError)

    public var description: String {
        switch self {
        case .settings(let reason): reason
        case .database(let error):
            error.isDiskFull ? "office inbox index: the disk is full; nothing was changed (\(error))" : "office inbox index: \(error)"
        case .system(let error): "office inbox: \(error)"
        }
    }
}
