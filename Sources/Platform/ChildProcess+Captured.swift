#if canImport(Glibc)
import Glibc
#endif
import CPlatform

extension ChildProcess {
    /// How a captured run ended.
    public enum Termination: Equatable, Sendable {
        /// The program exited with this status.
        case exited(Int32)
        /// A signal (not ours) ended it.
        case signalled(Int32)
        /// Still running at the deadline: killed (SIGKILL).
        case deadlinePassed
        /// Wrote more than the output limit: killed (SIGKILL).
        case outputTooLarge
    }

    /// What a captured run gave: how it ended and what it wrote to stdout (up to the limit).
    public struct Captured: Sendable {
        public var termination: Termination
        public var output: [UInt8]
    }

    /// Runs `command` (a full path, then its arguments) with `input` on its stdin and its stdout collected,
    /// stderr on /dev/null; a program still running at `deadline` (monotonic) or writing more than
    /// `outputLimit` bytes is killed. One thread, no polling: poll(2) waits on the two pipes and a pidfd.
    /// Throws only when the program could not be started (or a pipe could not be made).
    public static func run(_ command: [String], input: [UInt8], outputLimit: Int,
                           deadline: ContinuousClock.Instant) throws(SystemError) -> Captured {
        // A program that exits without reading its input would make our write raise SIGPIPE: blocked in
        // this thread while we write, and any pending one taken before the mask is restored.
        var brokenPipe = sigset_t(), previousMask = sigset_t()
        sigemptyset(&brokenPipe)
        sigaddset(&brokenPipe, SIGPIPE)
        pthread_sigmask(SIG_BLOCK, &brokenPipe, &previousMask)
        defer {
            var none = timespec()
            while sigtimedwait(&brokenPipe, nil, &none) == SIGPIPE {}
            pthread_sigmask(SIG_SETMASK, &previousMask, nil)
        }

        let stdin = try makePipe()
        let stdout: (read: Int32, write: Int32)
        do { stdout = try makePipe() } catch {
            Glibc.close(stdin.read); Glibc.close(stdin.write)
            throw error
        }
        // Our ends stay open until we are done with them; the child's ends close once it has its copies.
        var toChild: Int32? = stdin.write, fromChild: Int32? = stdout.read
        defer { for fd in [toChild, fromChild].compactMap({ $0 }) { Glibc.close(fd) } }
        let pid: pid_t
        do {
            defer { Glibc.close(stdin.read); Glibc.close(stdout.write) }
            pid = try spawn(command, stdin: stdin.read, stdout: stdout.write)
        }
        let pidfd: Int32
        do {
            try setNonBlocking(stdin.write)
            try setNonBlocking(stdout.read)
            pidfd = try SystemCall.retrying("pidfd_open \(command[0])") { pidfd_open(pid, 0) }
        } catch {
            kill(pid, SIGKILL)
            _ = waitForExit(pid)
            throw error
        }
        let process = FileDescriptor(owning: pidfd)
        if input.isEmpty { Glibc.close(stdin.write); toChild = nil }

        var written = 0, output: [UInt8] = [], exited = false
        var killedFor: Termination? = nil
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 1)
        defer { chunk.deallocate() }
        while fromChild != nil || !exited {
            let left = deadline - .now
            guard left > .zero else { killedFor = .deadlinePassed; break }
            var entries = [pollfd(fd: exited ? -1 : process.rawValue, events: Int16(POLLIN), revents: 0),
                           pollfd(fd: fromChild ?? -1, events: Int16(POLLIN), revents: 0),
                           pollfd(fd: toChild ?? -1, events: Int16(POLLOUT), revents: 0)]
            let milliseconds = Int32(min(left.inMilliseconds.rounded(.up), 60_000))
            _ = try SystemCall.retrying("poll \(command[0])") { poll(&entries, 3, milliseconds) }
            if entries[0].revents != 0 { exited = true }
            if entries[1].revents != 0, let fd = fromChild {
                let count = Glibc.read(fd, chunk.baseAddress, chunk.count)
                if count > 0 {
                    output.append(contentsOf: chunk[0..<count])
                    if output.count > outputLimit { killedFor = .outputTooLarge; break }
                } else if count == 0 || (errno != EAGAIN && errno != EINTR) {
                    Glibc.close(fd)
                    fromChild = nil
                }
            }
            if entries[2].revents != 0, let fd = toChild {
                // As much as the pipe takes; a closed pipe (the program stopped reading) ends the input.
                let count = input.withUnsafeBytes { raw in Glibc.write(fd, raw.baseAddress! + written, raw.count - written) }
                if count > 0 { written += count }
                if written == input.count || (count < 0 && errno != EAGAIN && errno != EINTR) {
                    Glibc.close(fd)
                    toChild = nil
                }
            }
        }
        if let killedFor {
            kill(pid, SIGKILL)
            _ = waitForExit(pid)
            return Captured(termination: killedFor, output: Array(output.prefix(outputLimit)))
        }
        let status = waitForExit(pid)
        return Captured(termination: status & 0x7f == 0 ? .exited((status >> 8) & 0xff) : .signalled(status & 0x7f), output: output)
    }

    /// Whether `path` names a file this user may run.
    public static func isExecutable(_ path: String) -> Bool { access(path, X_OK) == 0 }

    /// Both ends of a pipe(2), close-on-exec.
    private static func makePipe() throws(SystemError) -> (read: Int32, write: Int32) {
        var ends: [Int32] = [-1, -1]
        _ = try SystemCall.retrying("pipe2") { pipe2(&ends, O_CLOEXEC) }
        return (ends[0], ends[1])
    }

    private static func setNonBlocking(_ descriptor: Int32) throws(SystemError) {
        let flags = try SystemCall.retrying("fcntl F_GETFL") { fcntl(descriptor, F_GETFL) }
        _ = try SystemCall.retrying("fcntl F_SETFL") { fcntl(descriptor, F_SETFL, flags | O_NONBLOCK) }
    }

    /// posix_spawn with stdin and stdout on the given descriptors and stderr on /dev/null.
    private static func spawn(_ command: [String], stdin: Int32, stdout: Int32) throws(SystemError) -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdin, 0)
        posix_spawn_file_actions_adddup2(&actions, stdout, 1)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        var arguments = command.map { strdup($0) } + [nil]
        defer { arguments.forEach { free($0) } }
        var pid = pid_t()
        // posix_spawn returns the error instead of setting errno.
        let result = withCleanSignals { attributes in posix_spawn(&pid, command[0], &actions, attributes, &arguments, environ) }
        if result != 0 { throw SystemError(call: "posix_spawn \(command[0])", errno: result) }
        return pid
    }

    /// Spawn attributes that give the child the signal state a program expects: nothing blocked (the
    /// services block SIGTERM and SIGINT in every thread, and a mask is inherited) and SIGPIPE, SIGTERM and
    /// SIGINT at their defaults (an ignored signal stays ignored across exec).
    static func withCleanSignals<R>(_ body: (UnsafePointer<posix_spawnattr_t>) -> R) -> R {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t(), defaults = sigset_t()
        sigemptyset(&none)
        sigemptyset(&defaults)
        for number in [SIGPIPE, SIGTERM, SIGINT] { sigaddset(&defaults, number) }
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        return body(&attributes)
    }

    /// waitpid until the child is gone; its raw status.
    static func waitForExit(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        _ = try? SystemCall.retrying("waitpid") { waitpid(pid, &status, 0) }
        return status
    }
}
