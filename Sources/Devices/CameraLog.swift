import Platform

/// Where cameras report faults, warnings and recoveries: one line each, never pixels.
/// The service passes its journal writer; tools and tests pass their own (or `.standardError`).
public struct CameraLog: Sendable {
    public let write: @Sendable (String) -> Void

    public init(_ write: @escaping @Sendable (String) -> Void) {
        self.write = write
    }

    /// Lines to stderr, prefixed "camera: ".
    public static let standardError = CameraLog { line in
        StandardStreams.writeError("camera: " + line + "\n")
    }

    /// Discards everything.
    public static let silent = CameraLog { _ in }
}

/// Logs each kind of fault once while it lasts: a camera that stays unplugged for an hour must not fill
/// the journal with one line per retry. `cleared()` (a good frame again) re-arms every kind.
package struct FaultLog {
    private var reported: Set<String> = []
    package let log: CameraLog

    package init(_ log: CameraLog) { self.log = log }

    /// Writes `line` unless a fault of the same `kind` was already written since the last `cleared()`.
    /// Returns whether it was written.
    @discardableResult
    package mutating func once(_ kind: String, _ line: @autoclosure () -> String) -> Bool {
        guard reported.insert(kind).inserted else { return false }
        log.write(line())
        return true
    }

    package var hasFaults: Bool { !reported.isEmpty }

    package mutating func cleared() { reported.removeAll() }
}
