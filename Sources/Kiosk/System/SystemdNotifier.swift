import Platform
import VisitCore

/// The sd_notify protocol by hand: one datagram to `$NOTIFY_SOCKET` per message. Outside systemd
/// (no `$NOTIFY_SOCKET`) every call does nothing.
public struct SystemdNotifier: Sendable {
    public let socketPath: String?
    /// `$WATCHDOG_USEC` for this process, if systemd enabled the watchdog.
    public let watchdogMicroseconds: UInt64?

    public init(socketPath: String?, watchdogMicroseconds: UInt64?) {
        self.socketPath = socketPath
        self.watchdogMicroseconds = watchdogMicroseconds
    }

    /// From the environment systemd gives a `Type=notify` service.
    public static func fromEnvironment() -> SystemdNotifier {
        let path = ProcessEnvironment.value("NOTIFY_SOCKET")
        var watchdog: UInt64? = nil
        if let usec = ProcessEnvironment.value("WATCHDOG_USEC").flatMap({ UInt64($0) }), usec > 0 {
            // WATCHDOG_PID, when set, must name us (it is not for a child).
            if let pid = ProcessEnvironment.value("WATCHDOG_PID").flatMap({ Int32($0) }), pid != ProcessEnvironment.processID {} else { watchdog = usec }
        }
        return SystemdNotifier(socketPath: path, watchdogMicroseconds: watchdog)
    }

    @discardableResult
    public func notify(_ message: String) -> Bool {
        guard let socketPath, !socketPath.isEmpty else { return false }
        return (try? UnixDatagram.send(Array(message.utf8), to: socketPath)) != nil
    }

    public func ready(status: String) { notify("READY=1\nSTATUS=\(status.replacingNewlines)") }
    public func status(_ text: String) { notify("STATUS=\(text.replacingNewlines)") }
    public func watchdog() { notify("WATCHDOG=1") }
    public func stopping() { notify("STOPPING=1") }
}
