/// Runs a command tree: parses, prints help or usage errors, calls the action, maps thrown errors to
/// a one-line reason and an exit status. The executables' `main.swift` is one call to this.
public enum CommandRunner {
    /// An error a command throws to end with a given status and a one-line reason.
    public struct Failure: Error, CustomStringConvertible {
        public let status: ExitCode
        public let message: String
        public init(_ status: ExitCode, _ message: String) {
            self.status = status
            self.message = message
        }
        public var description: String { message }
    }

    /// Parses and runs; returns the exit status and what was printed.
    public static func run(_ arguments: [String], root: Command, output: inout CommandOutput) -> ExitCode {
        // `TOOL --version`: the one version (Platform's FotoboxVersion), which `make deb` names the package after.
        if arguments == ["--version"] {
            output.print("\(root.name) \(FotoboxVersion.number)")
            return .success
        }
        let request: ArgumentParser.Request
        do {
            request = try ArgumentParser.parse(arguments, root: root)
        } catch {
            output.printError("\(root.name): \(error.message)")
            output.printError("Run '\(error.commandPath.joined(separator: " ")) --help' for usage.")
            return .usage
        }
        switch request {
        case .help(let chain, let asked):
            if asked {
                output.standardOutput += HelpFormatter.help(for: chain)
                return .success
            }
            output.standardError += HelpFormatter.help(for: chain)
            return .usage
        case .run(let command, let parsed):
            do {
                return try command.action!(parsed, &output)
            } catch let failure as Failure {
                output.printError("\(root.name): \(failure.message)")
                return failure.status
            } catch let usage as UsageError {
                output.printError("\(root.name): \(usage.message)")
                output.printError("Run '\(usage.commandPath.joined(separator: " ")) --help' for usage.")
                return .usage
            } catch {
                output.printError("\(root.name): \(error)")
                return .failure
            }
        }
    }
}

import Platform

extension CommandRunner {
    /// The whole `main` of a command-line tool: runs the process's arguments against `root`, writes what
    /// the command printed to stdout and stderr, and exits with its status.
    public static func main(root: Command) -> Never {
        let terminal = StandardStreams.isTerminal(1)
        var output = CommandOutput(isTerminal: terminal, useColour: terminal && ProcessEnvironment.value("NO_COLOR") == nil)
        let status = run(Array(CommandLine.arguments.dropFirst()), root: root, output: &output)
        StandardStreams.writeOutput(output.standardOutput)
        StandardStreams.writeError(output.standardError)
        ProcessEnvironment.exit(status.rawValue)
    }
}
