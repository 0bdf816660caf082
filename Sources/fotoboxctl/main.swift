import Arguments
import Platform

// A peer that closes its socket (an office refusing the certificate in the TLS handshake) must make a
// write fail with EPIPE, which the checks report, not kill the tool with SIGPIPE and an empty answer.
Signals.ignoreBrokenPipe()

// The technician's tool. Each area's commands live in their own file (`<Area>Commands.swift`) as one
// `Command` value; this list is the whole tool, and help, man page and completion are generated from it.
let fotoboxctl = Command(
    "fotoboxctl", summary: "diagnostics and tools for the Fotobox photo station",
    discussion: "Every command takes --help. Machine-readable output with --json.",
    subcommands: [
        processCommand,
        benchCommand,
        queueCommand,
        padCommand,
        cameraCommand,
        analyzeCommand,
        livenessCommand,
        configCommand,
        devicesCommand,
        selftestCommand,
        statusCommand,
        logsCommand,
        manCommand,
        completionCommand,
    ])

CommandRunner.main(root: fotoboxctl)
