#if canImport(Glibc)
import Glibc
#endif
import Platform
import Testing

@Suite("Platform: a child process with its input and output captured")
struct ChildProcessCapturedTests {
    static let soon = Duration.seconds(60)

    @Test func inputGoesInAndOutputComesOutWholeEvenWhenLargerThanAPipe() throws {
        let input = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let run = try ChildProcess.run(["/bin/cat"], input: input, outputLimit: 2 << 20, deadline: .now + Self.soon)
        #expect(run.termination == .exited(0))
        #expect(run.output == input)
    }

    @Test func exitStatusSignalAndNoInput() throws {
        let failed = try ChildProcess.run(["/bin/sh", "-c", "echo out; echo err >&2; exit 3"], input: [], outputLimit: 100, deadline: .now + Self.soon)
        #expect(failed.termination == .exited(3))
        #expect(failed.output == Array("out\n".utf8))
        let killed = try ChildProcess.run(["/bin/sh", "-c", "kill -TERM $$"], input: [], outputLimit: 100, deadline: .now + Self.soon)
        #expect(killed.termination == .signalled(SIGTERM))
    }

    @Test func aProgramThatIgnoresItsInputDoesNotBreakTheCaller() throws {
        let input = [UInt8](repeating: 65, count: 1 << 20)
        let run = try ChildProcess.run(["/bin/true"], input: input, outputLimit: 100, deadline: .now + Self.soon)
        #expect(run.termination == .exited(0))
    }

    @Test func aHungProgramIsKilledAtTheDeadlineAndAFloodAtTheLimit() throws {
        let hung = try ChildProcess.run(["/bin/sleep", "60"], input: [], outputLimit: 100, deadline: .now + .milliseconds(100))
        #expect(hung.termination == .deadlinePassed)
        let flood = try ChildProcess.run(["/usr/bin/yes"], input: [], outputLimit: 1000, deadline: .now + Self.soon)
        #expect(flood.termination == .outputTooLarge)
        #expect(flood.output.count == 1000)
    }

    @Test func aMissingProgramIsATypedError() {
        #expect(throws: SystemError(call: "posix_spawn /nonexistent/program", errno: ENOENT)) {
            try ChildProcess.run(["/nonexistent/program"], input: [1], outputLimit: 100, deadline: .now + Self.soon)
        }
        #expect(ChildProcess.isExecutable("/bin/sh"))
        #expect(!ChildProcess.isExecutable("/nonexistent/program"))
    }
}
