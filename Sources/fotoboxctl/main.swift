import Arguments
#if canImport(Glibc)
import Glibc
#endif

// The technician's tool. Each area's commands live in their own file (`<Area>Commands.swift`) as one
// `Command` value; this list is the whole tool, and help, man page and completion are generated from it.
let fotoboxctl = Command(
    "fotoboxctl", summary: "diagnostics and tools for the Fotobox photo station",
    discussion: "Every command takes --help. Machine-readable output with --json.",
    subcommands: [
        processCommand,
    ])

var output = CommandOutput(isTerminal: isatty(1) == 1, useColour: isatty(1) == 1 && getenv("NO_COLOR") == nil)
let status = CommandRunner.run(Array(CommandLine.arguments.dropFirst()), root: fotoboxctl, output: &output)
fputs(output.standardOutput, stdout)
fputs(output.standardError, stderr)
exit(status.rawValue)
