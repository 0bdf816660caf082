/// Exit statuses shared by every Fotobox command-line tool (documented in `fotoboxctl --help`).
public enum ExitCode: Int32, Sendable {
    /// Done; every check passed.
    case success = 0
    /// The input was refused or a check failed.
    case failure = 1
    /// Wrong arguments or a broken config file.
    case usage = 2
    /// A device (camera, pad) or the service is unavailable.
    case deviceUnavailable = 3
}

/// One `--name` option of a command.
public struct OptionSpec: Sendable {
    public enum Kind: Sendable, Equatable {
        /// `--json`: present or not.
        case flag
        /// `--out FILE` or `--out=FILE`; the placeholder names the value in help.
        case value(placeholder: String)
    }

    public let name: String
    public let kind: Kind
    public let help: String
    /// For values: the only values accepted (shown in help and completion).
    public let choices: [String]
    public let isRequired: Bool
    /// May be given more than once (all values are kept in order).
    public let isRepeatable: Bool
    /// Takes every following word up to the next option (`--attack a/ b/ c/`, as a shell glob gives them).
    public let takesSeveral: Bool

    public init(_ name: String, _ kind: Kind = .flag, help: String, choices: [String] = [],
                required: Bool = false, repeatable: Bool = false, several: Bool = false) {
        precondition(!name.hasPrefix("-"), "option names are given without dashes")
        self.name = name
        self.kind = kind
        self.help = help
        self.choices = choices
        self.isRequired = required
        self.isRepeatable = repeatable || several
        self.takesSeveral = several
    }

    /// The same option with another help line (a shared option read differently by one command).
    public func withHelp(_ help: String) -> OptionSpec {
        OptionSpec(name, kind, help: help, choices: choices, required: isRequired, repeatable: isRepeatable, several: takesSeveral)
    }

    /// `--attack DIR...`: one or more values, until the next option; may also be repeated.
    public static func values(_ name: String, _ placeholder: String, help: String, required: Bool = false) -> OptionSpec {
        OptionSpec(name, .value(placeholder: placeholder + "..."), help: help, required: required, several: true)
    }

    /// `--json`
    public static func flag(_ name: String, help: String) -> OptionSpec { OptionSpec(name, .flag, help: help) }

    /// `--out FILE`
    public static func value(_ name: String, _ placeholder: String, help: String, choices: [String] = [],
                             required: Bool = false, repeatable: Bool = false) -> OptionSpec {
        OptionSpec(name, .value(placeholder: placeholder), help: help, choices: choices, required: required, repeatable: repeatable)
    }
}

/// One positional argument.
public struct PositionalSpec: Sendable {
    public let name: String
    public let help: String
    public let isOptional: Bool

    public init(_ name: String, help: String, optional: Bool = false) {
        self.name = name
        self.help = help
        self.isOptional = optional
    }
}

/// A command or subcommand: its table of options and positionals, its help, and what it runs.
/// A new subcommand is one value of this type.
public struct Command: Sendable {
    public typealias Action = @Sendable (ParsedArguments, inout CommandOutput) throws -> ExitCode

    public let name: String
    public let summary: String
    public let discussion: String
    public let examples: [String]
    public let options: [OptionSpec]
    public let positionals: [PositionalSpec]
    public let subcommands: [Command]
    public let action: Action?

    public init(_ name: String, summary: String, discussion: String = "", examples: [String] = [],
                options: [OptionSpec] = [], positionals: [PositionalSpec] = [], subcommands: [Command] = [],
                action: Action? = nil) {
        self.name = name
        self.summary = summary
        self.discussion = discussion
        self.examples = examples
        self.options = options
        self.positionals = positionals
        self.subcommands = subcommands
        self.action = action
    }

    /// The subcommand called `name`.
    public func subcommand(_ name: String) -> Command? { subcommands.first { $0.name == name } }
}

/// Where a command writes: collected so tests can run commands in-process and read what they printed.
public struct CommandOutput: Sendable {
    public var standardOutput = ""
    public var standardError = ""
    /// Whether stdout is a terminal (tables, progress bars) rather than a pipe.
    public var isTerminal: Bool
    /// Colour allowed: a terminal and no NO_COLOR.
    public var useColour: Bool

    public init(isTerminal: Bool = false, useColour: Bool = false) {
        self.isTerminal = isTerminal
        self.useColour = useColour
    }

    public mutating func print(_ line: String = "") { standardOutput += line + "\n" }
    /// Each line on its own line of stdout.
    public mutating func print(lines: [String]) { lines.forEach { print($0) } }
    public mutating func printError(_ line: String) { standardError += line + "\n" }
}
