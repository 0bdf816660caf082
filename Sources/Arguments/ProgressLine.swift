import Platform

/// A one-line progress bar on stderr, redrawn in place, only when a person watches a terminal (a pipe or a
/// log gets nothing): `[#########                     ] 30/100`.
public struct ProgressLine {
    public let total: Int
    public let enabled: Bool
    private var done = 0

    /// A bar for `total` steps; `enabled` is usually `CommandOutput.isTerminal`.
    public init(total: Int, enabled: Bool) {
        self.total = max(total, 1)
        self.enabled = enabled
    }

    /// One step done; redraws about 50 times over the whole run, not at every step.
    public mutating func advance() {
        done += 1
        guard enabled, done % max(1, total / 50) == 0 || done == total else { return }
        let filled = done * 30 / total
        StandardStreams.writeError("\r[\(String(repeating: "#", count: filled))\(String(repeating: " ", count: 30 - filled))] \(done)/\(total)")
    }

    /// Clears the bar's line, so what the command prints next starts on a clean line.
    public func finish() {
        if enabled { StandardStreams.writeError("\r\u{1B}[K") }
    }
}
