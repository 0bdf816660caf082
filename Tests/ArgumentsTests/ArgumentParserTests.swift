import Arguments
import Platform
import Testing

private let capture = Command(
    "capture", summary: "capture one still",
    examples: ["tool camera capture --out still.jpg"],
    options: [.value("out", "FILE", help: "where to write", required: true),
              .value("format", "FORMAT", help: "pixel format", choices: ["mjpeg", "yuyv"]),
              .value("size", "WxH", help: "frame size"),
              .value("eyes", "X1,Y1,X2,Y2", help: "pupils"),
              .flag("json", help: "machine-readable")],
    positionals: [PositionalSpec("DEVICE", help: "device node", optional: true)],
    action: { arguments, output in
        output.print("out=\(arguments.value("out")!) json=\(arguments.flag("json")) device=\(arguments.positional("DEVICE") ?? "-")")
        return .success
    })
private let root = Command("tool", summary: "a test tool", subcommands: [
    Command("camera", summary: "cameras", subcommands: [capture]),
    Command("fail", summary: "always fails", action: { _, _ in throw CommandRunner.Failure(.deviceUnavailable, "no camera") }),
])

private func run(_ words: String) -> (ExitCode, CommandOutput) {
    var output = CommandOutput()
    let status = CommandRunner.run(words.split(separator: " ").map(String.init), root: root, output: &output)
    return (status, output)
}

@Test func parsesSubcommandsOptionsAndPositionals() {
    let (status, output) = run("camera capture --out a.jpg --json /dev/video2")
    #expect(status == .success)
    #expect(output.standardOutput == "out=a.jpg json=true device=/dev/video2\n")
    #expect(run("camera capture --out=b.jpg").1.standardOutput.hasPrefix("out=b.jpg json=false"))
}

@Test func wrongArgumentsAreUsageErrorsWithAReason() {
    let cases: [(String, String)] = [
        ("camera capture", "missing --out"),
        ("camera capture --out", "--out needs a value"),
        ("camera capture --out a --format png", "must be one of mjpeg, yuyv"),
        ("camera capture --out a --outt b", "did you mean --out?"),
        ("camera capture --out a --json=yes", "takes no value"),
        ("camera capture --out a --out b", "given twice"),
        ("camera capture --out a x y", "unexpected argument 'y'"),
        ("camera captur", "did you mean capture?"),
        ("camera capture --out a -j", "options are spelt --name"),
    ]
    for (words, reason) in cases {
        let (status, output) = run(words)
        #expect(status == .usage, "\(words)")
        #expect(output.standardError.contains(reason), "\(words): \(output.standardError)")
        #expect(output.standardError.contains("--help' for usage"), "\(words)")
    }
}

@Test func helpListsCommandsOptionsAndExamples() {
    let (status, output) = run("camera capture --help")
    #expect(status == .success)
    for piece in ["Usage: tool camera capture --out FILE [OPTIONS] [DEVICE]", "--format FORMAT", "[mjpeg|yuyv]", "Examples:", "tool camera capture --out still.jpg"] {
        #expect(output.standardOutput.contains(piece), "\(piece)")
    }
    let top = run("--help").1.standardOutput
    #expect(top.contains("camera") && top.contains("Exit status: 0 done"))
    // A group without its subcommand shows help on stderr and is a usage error.
    let group = run("camera")
    #expect(group.0 == .usage && group.1.standardError.contains("capture"))
}

/// `TOOL --version` prints the one version (Platform's FotoboxVersion), which `make deb` names the package after;
/// it is a root option only (after a subcommand it is an unknown option) and listed in the root's help.
@Test func versionPrintsTheOneVersion() {
    let (status, output) = run("--version")
    #expect(status == .success)
    #expect(output.standardOutput == "tool \(FotoboxVersion.number)\n")
    #expect(FotoboxVersion.number.split(separator: ".").count == 3 && FotoboxVersion.number.split(separator: ".").allSatisfy { Int($0) != nil })
    #expect(run("camera capture --out a --version").0 == .usage)
    #expect(run("--help").1.standardOutput.contains("--version"))
    #expect(!run("camera capture --help").1.standardOutput.contains("--version"))
}

@Test func thrownFailuresKeepTheirStatus() {
    let (status, output) = run("fail")
    #expect(status == .deviceUnavailable)
    #expect(output.standardError == "tool: no camera\n")
}

@Test func numberListsAreValidated() throws {
    guard case .run(_, let parsed) = try ArgumentParser.parse(["camera", "capture", "--out", "x", "--eyes", "1, 2,3.5,4"], root: root) else {
        Issue.record("expected a run")
        return
    }
    #expect(try parsed.numbers("eyes", count: 4) == [1, 2, 3.5, 4])
    guard case .run(_, let bad) = try ArgumentParser.parse(["camera", "capture", "--out", "x", "--eyes", "1,2,nan,4"], root: root) else { Issue.record("not parsed as a run"); return }
    #expect(throws: UsageError.self) { try bad.numbers("eyes", count: 4) }
}

@Test func manPageAndCompletionComeFromTheSameTable() {
    let man = HelpFormatter.manPage(root: root, date: "2026-11-25")
    #expect(man.contains(".SS camera capture") && man.contains("\\-\\-format"))
    let completion = HelpFormatter.bashCompletion(root: root)
    #expect(completion.contains("\"camera capture\") words=\"--out --format --size --eyes --json --help\""))
    #expect(completion.contains("\"camera capture --format\") words=\"mjpeg yuyv\""))
    #expect(completion.contains("complete -F _tool tool"))
}
