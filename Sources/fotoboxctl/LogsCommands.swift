import Arguments
import Foundation
import Platform

// `fotoboxctl logs`: the service's journal through journalctl, which does the filtering, paging-free
// output and following. journalctl writes straight to this process's stdout, so --follow streams.

let logsCommand = Command(
    "logs", summary: "the service's journal, filtered (journalctl -u fotoboxd)",
    discussion: """
        Runs journalctl for the fotoboxd unit with the filters given; its output goes straight to the terminal. \
        The service logs case numbers only as a keyed hash and never biometric data. Reading the journal needs \
        the systemd-journal or adm group (or root). Exit 3 when journalctl is not installed, 2 when it cannot \
        parse --since or --until.
        """,
    examples: ["fotoboxctl logs --since -1h", "fotoboxctl logs --priority warning --since today",
               "fotoboxctl logs --follow", "fotoboxctl logs --since \"2026-11-25 08:00\" --json"],
    options: [.value("since", "TIME", help: "from this time: \"2026-11-25 08:00\", today, yesterday, -1h, \"10 min ago\""),
              .value("until", "TIME", help: "up to this time (same forms)"),
              .value("priority", "LEVEL", help: "this level and more urgent",
                     choices: ["emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"]),
              .value("lines", "N", help: "only the last N entries"),
              .value("unit", "UNIT", help: "the systemd unit (default fotoboxd)"),
              .flag("follow", help: "keep printing new entries until Ctrl-C"),
              .flag("json", help: "one JSON object per entry (journalctl -o json)")],
    action: { arguments, output in
        let lines = try arguments.integer("lines", in: 1...1_000_000)
        guard let journalctl = ChildProcess.findExecutable("journalctl") else {
            throw CommandRunner.Failure(.deviceUnavailable, "journalctl is not available on this machine (no systemd journal); "
                + "where fotoboxd runs by hand, its log is its standard error")
        }
        var command = [journalctl, "--no-pager", "--unit", arguments.value("unit") ?? "fotoboxd",
                       "--output", arguments.flag("json") ? "json" : "short-iso"]
        for name in ["since", "until"] {
            guard let time = arguments.value(name) else { continue }
            // journalctl's own parser decides; a time it refuses is a usage error, not an empty log.
            guard ChildProcess.run([journalctl, "--quiet", "--lines", "0", "--\(name)", time], quiet: true) == 0 else {
                throw UsageError("--\(name): journalctl cannot read the time '\(time)' (try \"2026-11-25 08:00\", today, -1h)",
                                 commandPath: arguments.commandPath)
            }
            command += ["--\(name)", time]
        }
        if let priority = arguments.value("priority") { command += ["--priority", priority] }
        if let lines { command += ["--lines", String(lines)] }
        if arguments.flag("follow") { command.append("--follow") }
        if ProcessEnvironment.value("NO_COLOR") != nil || !output.isTerminal { try? ProcessEnvironment.set("SYSTEMD_COLORS", "0") }
        let status = ChildProcess.run(command, quiet: false)
        guard status == 0 else { throw CommandRunner.Failure(.failure, "journalctl ended with status \(status)") }
        return .success
    })
