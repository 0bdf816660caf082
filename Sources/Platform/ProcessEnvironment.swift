#if canImport(Glibc)
import Glibc
#endif

/// The process's environment, identity and end, in one place (as every other call into the C library).
public enum ProcessEnvironment {
    /// The value of the environment variable `name` (getenv(3)); nil when it is not set.
    public static func value(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }

    /// Sets `name` to `value` for this process and the children it starts afterwards (setenv(3)).
    ///
    /// Only for a command-line tool before it starts a child, while no other thread runs: setenv is not safe
    /// against a concurrent getenv (the daemons never set a variable).
    public static func set(_ name: String, _ value: String) throws(SystemError) {
        _ = try SystemCall.retrying("setenv \(name)") { setenv(name, value, 1) }
    }

    /// This process's id (getpid(2), which cannot fail), e.g. to compare with systemd's `$WATCHDOG_PID`.
    public static var processID: Int32 { getpid() }

    /// Ends the process with `status` (exit(3): atexit handlers run, stdio is flushed).
    public static func exit(_ status: Int32) -> Never {
        Glibc.exit(status)
    }
}
