#if canImport(Glibc)
import Glibc
#endif

/// Running another program in the foreground, as a shell does: the technician's tool hands the terminal to
/// journalctl this way (posix_spawn, then wait; no pipes, so output streams straight through).
public enum ChildProcess {
    /// The full path of `name` on $PATH (executable by this user), or nil.
    public static func findExecutable(_ name: String) -> String? {
        let path = getenv("PATH").map { String(cString: $0) } ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(name)" }.first { access($0, X_OK) == 0 }
    }

    /// Runs `command` (a full path, then its arguments) with this process's stdin, stdout and stderr, or with
    /// stdout and stderr on /dev/null when `quiet`, and returns its exit status: 128 + the signal when it was
    /// killed, 127 when it could not start.
    public static func run(_ command: [String], quiet: Bool) -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if quiet {
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
            posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        }
        var arguments = command.map { strdup($0) } + [nil]
        defer { arguments.forEach { free($0) } }
        var pid = pid_t()
        let spawned = withCleanSignals { attributes in posix_spawn(&pid, command[0], &actions, attributes, &arguments, environ) }
        guard spawned == 0 else { return 127 }
        let status = waitForExit(pid)
        // WIFEXITED / WEXITSTATUS are macros Swift does not import.
        return status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }
}
