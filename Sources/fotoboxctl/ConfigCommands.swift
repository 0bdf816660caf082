import Arguments
import Configuration
import Foundation

// `fotoboxctl config check [FILE]`: the station's config validated as fotoboxd validates it at start.

let configCommand = Command(
    "config", summary: "check the station's config file",
    subcommands: [configCheckCommand])

let configCheckCommand = Command(
    "check", summary: "validate a config file: every error with its line number",
    discussion: """
        Parses and validates the file exactly as fotoboxd does at start (StationConfig.load). Every error is \
        printed as FILE:LINE: message. Files the config names (CA, client certificate and key, outbox key, \
        models, camera node) that do not exist here are warnings: they may exist only under systemd \
        (credentials) or on the station. Exit 0 when the file is valid, 2 when it is not.
        """,
    examples: ["fotoboxctl config check", "fotoboxctl config check /tmp/new.conf", "fotoboxctl config check --json station.conf"],
    options: [.flag("json", help: "print one JSON object: file, ok, errors, warnings")],
    positionals: [PositionalSpec("FILE", help: "the config file (default \(StationConfig.defaultPath))", optional: true)],
    action: { arguments, output in
        let path = arguments.positional("FILE") ?? StationConfig.defaultPath
        var errors: [ConfigIssue] = []
        var warnings: [ConfigIssue] = []
        do throws(ConfigError) {
            _ = try StationConfig.load(path: path)
            warnings = StationConfig.missingFiles(path: path)
        } catch {
            errors = error.issues
        }
        if arguments.flag("json") {
            struct Issue: Encodable { let line: Int; let message: String }
            struct Report: Encodable { let file: String; let ok: Bool; let errors: [Issue]; let warnings: [Issue] }
            let issue = { (item: ConfigIssue) in Issue(line: item.line, message: item.message) }
            output.print(try jsonText(Report(file: path, ok: errors.isEmpty, errors: errors.map(issue), warnings: warnings.map(issue))))
        } else {
            for error in errors { output.printError(error.description) }
            for warning in warnings { output.printError("\(warning.description) (warning)") }
            if errors.isEmpty {
                output.print("\(path): ok" + (warnings.isEmpty ? "" : " (\(warnings.count) warning\(warnings.count == 1 ? "" : "s"))"))
            } else {
                output.printError("\(path): \(errors.count) error\(errors.count == 1 ? "" : "s")")
            }
        }
        return errors.isEmpty ? .success : .usage
    })
