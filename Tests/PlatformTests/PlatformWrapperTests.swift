#if canImport(Glibc)
import Glibc
#endif
import Platform
import Testing

@Suite("Platform: threads and wake-ups")
struct ThreadWakeUpTests {
    @Test func joinWaitsForTheClosureAndASecondJoinReturns() throws {
        let finished = Locked(false)
        let thread = try JoinableThread(name: "test-thread-with-a-long-name") {
            MonotonicClock.sleep(milliseconds: 20)
            finished.withLock { $0 = true }
        }
        thread.join()
        #expect(finished.withLock { $0 })
        thread.join()
    }

    /// Not `Sendable`: only one thread at a time may hold it.
    private final class Tally {
        var values: [Int] = []
    }

    @Test func aThreadTakesOverStateThatIsNotSendable() throws {
        let tally = Tally()
        tally.values.append(1)
        let seen = Locked<[Int]>([])
        // `tally` is sent to the thread: from here only the thread uses it (the compiler refuses a use here).
        let thread = try JoinableThread(name: "owner") {
            tally.values.append(2)
            let values = tally.values
            seen.withLock { $0 = values }
        }
        thread.join()
        #expect(seen.withLock { $0 } == [1, 2])
    }

    @Test func aThreadNobodyJoinsStillRunsItsClosure() throws {
        let ran = ChangeSignal()
        let done = Locked(false)
        do {
            _ = try JoinableThread(name: "detached", stackBytes: 1 << 20) {
                done.withLock { $0 = true }
                ran.broadcast()
            }
        }
        ran.wait(until: .now + .seconds(30)) { done.withLock { $0 } }
        #expect(done.withLock { $0 })
    }

    @Test func aWaitEndsAtItsDeadlineWhenNothingChanges() {
        let signal = ChangeSignal()
        let deadline = ContinuousClock.now + .milliseconds(20)
        signal.wait(until: deadline) { false }
        #expect(ContinuousClock.now >= deadline)
    }

    @Test func aBroadcastEndsTheWaitLongBeforeItsDeadline() throws {
        let signal = ChangeSignal()
        let flag = Locked(false)
        let setter = try JoinableThread(name: "setter") {
            MonotonicClock.sleep(milliseconds: 10)
            flag.withLock { $0 = true }
            signal.broadcast()
        }
        defer { setter.join() }
        let deadline = ContinuousClock.now + .seconds(3600)
        signal.wait(until: deadline) { flag.withLock { $0 } }
        #expect(flag.withLock { $0 })
        #expect(ContinuousClock.now < deadline)
    }

    @Test func theMonotonicClockAdvancesAcrossASleep() {
        let before = MonotonicClock.nanoseconds()
        MonotonicClock.sleep(milliseconds: 5)
        #expect(MonotonicClock.nanoseconds() - before >= 5_000_000)
        MonotonicClock.sleep(milliseconds: -1)
    }
}

@Suite("Platform: signals")
struct SignalsTests {
    /// Synchronous on purpose: the signal is aimed at this thread, blocked in it, and taken by it.
    @Test func aBlockedSignalIsTakenByWaitAndATimeoutGivesNil() {
        var previous = sigset_t()
        pthread_sigmask(SIG_SETMASK, nil, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        Signals.block([SIGUSR1, SIGUSR2])
        #expect(Signals.wait(for: [SIGUSR2], timeout: .milliseconds(10)) == nil)
        pthread_kill(pthread_self(), SIGUSR1)
        #expect(Signals.wait(for: [SIGUSR1], timeout: .seconds(5)) == SIGUSR1)
    }
}

@Suite("Platform: Unix datagrams")
struct UnixDatagramTests {
    /// A bound datagram socket to receive on (test side: raw calls are fine here).
    final class Receiver {
        let fd: Int32
        init(path: String) throws {
            fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            var bytes = Array(path.utf8)
            if bytes.first == UInt8(ascii: "@") { bytes[0] = 0 }
            withUnsafeMutableBytes(of: &address.sun_path) { raw in for (index, byte) in bytes.enumerated() { raw[index] = byte } }
            let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count + (bytes[0] == 0 ? 0 : 1))
            let bound = withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
            }
            if bound != 0 { throw SystemError(call: "bind \(path)", errno: errno) }
        }
        deinit { close(fd) }
        func receive() -> [UInt8] {
            var buffer = [UInt8](repeating: 0, count: 4096)
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            return count > 0 ? Array(buffer[0..<count]) : []
        }
    }

    @Test func aDatagramArrivesWholeAtAPathAndAnAbstractName() throws {
        let path = "/tmp/fotobox-datagram-\(getpid())"
        unlink(path)
        defer { unlink(path) }
        let receiver = try Receiver(path: path)
        try UnixDatagram.send(Array("READY=1\nSTATUS=ok".utf8), to: path)
        #expect(String(decoding: receiver.receive(), as: UTF8.self) == "READY=1\nSTATUS=ok")

        let abstract = "@fotobox-datagram-\(getpid())"
        let abstractReceiver = try Receiver(path: abstract)
        try UnixDatagram.send(Array("WATCHDOG=1".utf8), to: abstract)
        #expect(String(decoding: abstractReceiver.receive(), as: UTF8.self) == "WATCHDOG=1")
    }

    @Test func badPathsAreTypedErrors() {
        #expect(throws: SystemError(call: "sendto ", errno: ENAMETOOLONG)) { try UnixDatagram.send([1], to: "") }
        let long = "/tmp/" + String(repeating: "x", count: 200)
        #expect(throws: SystemError(call: "sendto \(long)", errno: ENAMETOOLONG)) { try UnixDatagram.send([1], to: long) }
        #expect(throws: SystemError(call: "sendto /nonexistent/fotobox.sock", errno: ENOENT)) {
            try UnixDatagram.send([1], to: "/nonexistent/fotobox.sock")
        }
    }
}

@Suite("Platform: process environment, inotify, addresses")
struct ProcessEnvironmentAndInotifyTests {
    /// Reads only (`set` is for a tool before it starts a child: tests run in parallel, and setenv races getenv).
    @Test func environmentValuesAreReadAndAMissingOneIsNil() throws {
        #expect(ProcessEnvironment.value("PATH") == getenv("PATH").map { String(cString: $0) })
        #expect(ProcessEnvironment.value("FOTOBOX_SURELY_UNSET_VARIABLE") == nil)
        #expect(ProcessEnvironment.processID == getpid())
    }

    @Test func inotifyReportsANewFileAndAMissingDirectoryIsATypedError() throws {
        let directory = "/tmp/fotobox-inotify-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileSystem.createDirectory(directory)
        defer { try? FileSystem.removeTree(directory) }
        let inotify = try FileDescriptor.inotify()
        try inotify.addWatch(directory, events: UInt32(IN_CREATE))
        try FileSystem.writeNewFile(directory + "/video9", [1])
        #expect(try inotify.poll(timeoutMilliseconds: 30_000) != 0)
        #expect(throws: SystemError.self) { try inotify.addWatch(directory + "/missing", events: UInt32(IN_CREATE)) }
    }

    @Test func aListeningAddressIsResolvedAndANonsenseHostIsATypedError() throws {
        let address = try Socket.listeningAddress(host: "127.0.0.1", port: 8080)
        #expect(address.family == AF_INET)
        #expect(throws: AddressResolutionError.self) { try Socket.listeningAddress(host: "not an address!", port: 80) }
    }
}
