/// One problem in a config file, with the line it is on (0 when it concerns the whole file).
public struct ConfigIssue: Sendable, Equatable, CustomStringConvertible {
    public let path: String
    public let line: Int
    public let message: String

    public init(path: String, line: Int, message: String) {
        self.path = path
        self.line = line
        self.message = message
    }

    public var description: String { line > 0 ? "\(path):\(line): \(message)" : "\(path): \(message)" }
}

/// A config file that cannot be used: every problem found, each naming its line.
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    public let issues: [ConfigIssue]

    public init(_ issues: [ConfigIssue]) { self.issues = issues }

    public var description: String { issues.map(\.description).joined(separator: "\n") }
}

/// A parsed INI-style file: `[section]` headers, `key = value` lines, `#` or `;` comments.
/// Keeps line numbers so that every later validation error can name the line.
public struct ConfigFile: Sendable {
    public struct Entry: Sendable, Equatable {
        public let section: String
        public let key: String
        public let value: String
        public let line: Int
    }

    public let path: String
    public let entries: [Entry]

    /// Parses `text`; syntax errors (a line that is neither a section, a key = value, a comment nor
    /// blank; a key given twice) are collected, and all are thrown together.
    public static func parse(_ text: String, path: String) throws(ConfigError) -> ConfigFile {
        var issues: [ConfigIssue] = []
        var entries: [Entry] = []
        var section = ""
        var seen: [String: Int] = [:]
        for (index, rawLine) in lines(text).enumerated() {
            let number = index + 1
            let line = rawLine.trimmedString
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") {
                guard line.hasSuffix("]"), line.count > 2 else {
                    issues.append(ConfigIssue(path: path, line: number, message: "a section header looks like [name], not '\(line)'"))
                    continue
                }
                section = String(line.dropFirst().dropLast()).trimmedString
                continue
            }
            guard let equals = line.firstIndex(of: "=") else {
                issues.append(ConfigIssue(path: path, line: number, message: "expected 'key = value', found '\(line)'"))
                continue
            }
            let key = line[..<equals].trimmedString
            let value = line[line.index(after: equals)...].trimmedString
            guard !key.isEmpty else {
                issues.append(ConfigIssue(path: path, line: number, message: "a line with no key before '='"))
                continue
            }
            let qualified = section.isEmpty ? key : "\(section).\(key)"
            if let first = seen[qualified] {
                issues.append(ConfigIssue(path: path, line: number, message: "'\(qualified)' is already set on line \(first)"))
                continue
            }
            seen[qualified] = number
            entries.append(Entry(section: section, key: key, value: value, line: number))
        }
        if !issues.isEmpty { throw ConfigError(issues) }
        return ConfigFile(path: path, entries: entries)
    }
}

extension ConfigFile {
    /// The file's lines, ended by LF, CRLF or a lone CR (an editor on Windows or an old Mac writes those; as
    /// a Swift `Character`, "\r\n" is one grapheme and never equals "\n", so splitting on "\n" alone made
    /// a CRLF file one long comment line).
    static func lines(_ text: String) -> [Substring] {
        var lines: [Substring] = []
        var start = text.unicodeScalars.startIndex
        var index = start
        let scalars = text.unicodeScalars
        while index < scalars.endIndex {
            let scalar = scalars[index]
            if scalar == "\n" || scalar == "\r" {
                lines.append(Substring(scalars[start..<index]))
                var next = scalars.index(after: index)
                if scalar == "\r", next < scalars.endIndex, scalars[next] == "\n" { next = scalars.index(after: next) }
                start = next
                index = next
            } else {
                index = scalars.index(after: index)
            }
        }
        lines.append(Substring(scalars[start..<scalars.endIndex]))
        return lines
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces, tabs and carriage returns.
    var trimmedString: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}
