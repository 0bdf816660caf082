/// A command line that does not fit the command's table. Exit status 2.
public struct UsageError: Error, Equatable, Sendable, CustomStringConvertible {
    public let message: String
    /// The command path it happened in, such as ["fotoboxctl", "camera", "capture"], for the help hint.
    public let commandPath: [String]

    public init(_ message: String, commandPath: [String]) {
        self.message = message
        self.commandPath = commandPath
    }

    public var description: String { message }
}

/// The parsed command line: the command chosen and the values given.
public struct ParsedArguments: Sendable {
    public let commandPath: [String]
    public private(set) var values: [String: [String]] = [:]
    public private(set) var flags: Set<String> = []
    public private(set) var positionals: [String: String] = [:]
    /// Arguments after a `--`, passed through untouched.
    public private(set) var passthrough: [String] = []

    init(commandPath: [String]) { self.commandPath = commandPath }

    /// Whether `--name` was given.
    public func flag(_ name: String) -> Bool { flags.contains(name) }

    /// The value of `--name` (the last one if given more than once).
    public func value(_ name: String) -> String? { values[name]?.last }

    /// Every value of a repeatable `--name`, in order.
    public func allValues(_ name: String) -> [String] { values[name] ?? [] }

    /// The positional called `name`.
    public func positional(_ name: String) -> String? { positionals[name] }

    /// `--name` as an integer within `range`, or nil when absent.
    public func integer(_ name: String, in range: ClosedRange<Int> = Int.min...Int.max) throws(UsageError) -> Int? {
        guard let text = value(name) else { return nil }
        guard let number = Int(text), range.contains(number) else {
            throw UsageError("--\(name) needs a whole number in \(range.lowerBound)…\(range.upperBound), not '\(text)'", commandPath: commandPath)
        }
        return number
    }

    /// `--name` as comma-separated numbers, e.g. `--eyes 412,530,688,528`, exactly `count` of them.
    public func numbers(_ name: String, count: Int) throws(UsageError) -> [Double]? {
        guard let text = value(name) else { return nil }
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { Double($0.trimmingSpaces) }
        guard parts.count == count, parts.allSatisfy({ $0 != nil && $0!.isFinite }) else {
            throw UsageError("--\(name) needs \(count) comma-separated numbers, not '\(text)'", commandPath: commandPath)
        }
        return parts.map { $0! }
    }

    mutating func add(value: String, for name: String) { values[name, default: []].append(value) }
    mutating func add(flag name: String) { flags.insert(name) }
    mutating func set(positional name: String, _ value: String) { positionals[name] = value }
    mutating func set(passthrough arguments: [String]) { passthrough = arguments }
}

extension Substring {
    var trimmingSpaces: String { String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed()) }
}

/// The table-driven parser: walks subcommands by name, then reads options and positionals of the
/// command reached. `--help`/`-h` anywhere asks for that command's help.
public enum ArgumentParser {
    /// What the command line asks for.
    public enum Request: Sendable {
        case run(Command, ParsedArguments)
        /// Help for the last command of the chain; `asked` is false when a command group was called
        /// without a subcommand (help is shown, and the status is a usage error).
        case help([Command], asked: Bool)
    }

    /// Parses `arguments` (without the program name) against `root`.
    public static func parse(_ arguments: [String], root: Command) throws(UsageError) -> Request {
        var chain = [root]
        var index = 0
        // Subcommands first: as long as the next word names one.
        while index < arguments.count, let next = chain.last!.subcommand(arguments[index]) {
            chain.append(next)
            index += 1
        }
        let command = chain.last!
        let path = chain.map(\.name)
        var parsed = ParsedArguments(commandPath: path)
        var positionalIndex = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if argument == "--help" || argument == "-h" { return .help(chain, asked: true) }
            if argument == "--" {
                parsed.set(passthrough: Array(arguments[index...]))
                break
            }
            if argument.hasPrefix("--") {
                var name = String(argument.dropFirst(2))
                var inlineValue: String? = nil
                if let equals = name.firstIndex(of: "=") {
                    inlineValue = String(name[name.index(after: equals)...])
                    name = String(name[..<equals])
                }
                guard let option = command.options.first(where: { $0.name == name }) else {
                    throw UsageError("unknown option --\(name) for '\(path.joined(separator: " "))'\(suggestion(name, among: command.options.map(\.name), prefix: "--"))", commandPath: path)
                }
                switch option.kind {
                case .flag:
                    guard inlineValue == nil else { throw UsageError("--\(name) takes no value", commandPath: path) }
                    parsed.add(flag: name)
                case .value(let placeholder):
                    let value: String
                    if let inlineValue {
                        value = inlineValue
                    } else {
                        guard index < arguments.count, !(arguments[index].hasPrefix("--") && arguments[index].count > 2) else {
                            throw UsageError("--\(name) needs a value (\(placeholder))", commandPath: path)
                        }
                        value = arguments[index]
                        index += 1
                    }
                    if !option.choices.isEmpty && !option.choices.contains(value) {
                        throw UsageError("--\(name) must be one of \(option.choices.joined(separator: ", ")), not '\(value)'", commandPath: path)
                    }
                    if !option.isRepeatable && parsed.value(name) != nil {
                        throw UsageError("--\(name) given twice", commandPath: path)
                    }
                    parsed.add(value: value, for: name)
                    while option.takesSeveral, inlineValue == nil, index < arguments.count,
                          !(arguments[index].hasPrefix("-") && arguments[index].count > 1) {
                        parsed.add(value: arguments[index], for: name)
                        index += 1
                    }
                }
                continue
            }
            if argument.hasPrefix("-") && argument.count > 1 {
                throw UsageError("unknown option \(argument) (options are spelt --name)", commandPath: path)
            }
            guard positionalIndex < command.positionals.count else {
                if !command.subcommands.isEmpty {
                    throw UsageError("unknown command '\(argument)' for '\(path.joined(separator: " "))'\(suggestion(argument, among: command.subcommands.map(\.name), prefix: ""))", commandPath: path)
                }
                throw UsageError("unexpected argument '\(argument)'", commandPath: path)
            }
            parsed.set(positional: command.positionals[positionalIndex].name, argument)
            positionalIndex += 1
        }
        if command.action == nil { return .help(chain, asked: false) }
        for option in command.options where option.isRequired && parsed.value(option.name) == nil && !parsed.flag(option.name) {
            throw UsageError("missing --\(option.name)", commandPath: path)
        }
        for positional in command.positionals.dropFirst(positionalIndex) where !positional.isOptional {
            throw UsageError("missing \(positional.name)", commandPath: path)
        }
        return .run(command, parsed)
    }

    /// " (did you mean --out?)" for a near miss, else "".
    static func suggestion(_ word: String, among candidates: [String], prefix: String) -> String {
        let best = candidates.map { ($0, editDistance($0, word)) }.min { $0.1 < $1.1 }
        guard let best, best.1 <= max(1, word.count / 3) else { return "" }
        return " (did you mean \(prefix)\(best.0)?)"
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var row = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var previous = row[0]
            row[0] = i
            for j in stride(from: 1, through: b.count, by: 1) {
                let current = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
                previous = current
            }
        }
        return a.isEmpty ? b.count : row[b.count]
    }
}
