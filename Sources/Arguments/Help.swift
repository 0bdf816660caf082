/// Help text, man page and bash completion, all generated from the same command table so they
/// cannot drift apart.
public enum HelpFormatter {
    /// `fotoboxctl camera capture --help`.
    public static func help(for chain: [Command]) -> String {
        let command = chain.last!
        let path = chain.map(\.name).joined(separator: " ")
        var lines = ["\(path) — \(command.summary)", ""]
        lines.append("Usage: \(usage(chain))")
        if !command.discussion.isEmpty { lines += ["", command.discussion] }
        if !command.subcommands.isEmpty {
            lines += ["", "Commands:"]
            lines += aligned(command.subcommands.map { ($0.name, $0.summary) })
        }
        if !command.positionals.isEmpty {
            lines += ["", "Arguments:"]
            lines += aligned(command.positionals.map { ($0.name, $0.help + ($0.isOptional ? " (optional)" : "")) })
        }
        let options = command.options.map { option -> (String, String) in
            var left = "--\(option.name)"
            if case .value(let placeholder) = option.kind { left += " \(placeholder)" }
            var right = option.help
            if !option.choices.isEmpty { right += " [\(option.choices.joined(separator: "|"))]" }
            if option.isRequired { right += " (required)" }
            return (left, right)
        } + [("--help", "show this help")] + (chain.count == 1 ? [("--version", "print the software's version")] : [])
        lines += ["", "Options:"]
        lines += aligned(options)
        if !command.examples.isEmpty {
            lines += ["", "Examples:"]
            lines += command.examples.map { "  " + $0 }
        }
        if chain.count == 1 {
            lines += ["", "Exit status: 0 done, 1 refused or check failed, 2 usage or config error, 3 device unavailable."]
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// One-line usage.
    public static func usage(_ chain: [Command]) -> String {
        let command = chain.last!
        var parts = chain.map(\.name)
        if !command.subcommands.isEmpty && command.action == nil { parts.append("COMMAND") }
        for option in command.options where option.isRequired {
            if case .value(let placeholder) = option.kind { parts.append("--\(option.name) \(placeholder)") } else { parts.append("--\(option.name)") }
        }
        if command.options.contains(where: { !$0.isRequired }) { parts.append("[OPTIONS]") }
        for positional in command.positionals { parts.append(positional.isOptional ? "[\(positional.name)]" : positional.name) }
        return parts.joined(separator: " ")
    }

    static func aligned(_ rows: [(String, String)]) -> [String] {
        let width = min(rows.map(\.0.count).max() ?? 0, 28)
        return rows.map { left, right in
            left.count > width
                ? "  \(left)\n  \(String(repeating: " ", count: width))  \(right)"
                : "  \(left)\(String(repeating: " ", count: width - left.count))  \(right)"
        }
    }

    /// A man page (roff) listing every command, option and example.
    public static func manPage(root: Command, section: Int = 1, date: String) -> String {
        func escape(_ text: String) -> String { text.replacingAll("\\", with: "\\\\").replacingAll("-", with: "\\-") }
        var out = [".TH \(root.name.uppercased()) \(section) \"\(date)\" \"Fotobox\" \"Fotobox manual\"",
                   ".SH NAME", "\(escape(root.name)) \\- \(escape(root.summary))",
                   ".SH SYNOPSIS", ".B \(escape(root.name))", "\\fICOMMAND\\fR [\\fIOPTIONS\\fR]"]
        if !root.discussion.isEmpty { out += [".SH DESCRIPTION", escape(root.discussion)] }
        out.append(".SH COMMANDS")
        func walk(_ chain: [Command]) {
            let command = chain.last!
            if command.action != nil {
                out += [".SS \(escape(chain.dropFirst().map(\.name).joined(separator: " ")))", escape(command.summary), ".PP",
                        ".B \(escape(usage(chain)))"]
                for option in command.options {
                    var left = "\\-\\-\(escape(option.name))"
                    if case .value(let placeholder) = option.kind { left += " \\fI\(escape(placeholder))\\fR" }
                    out += [".TP", left, escape(option.help + (option.choices.isEmpty ? "" : " (\(option.choices.joined(separator: "|")))"))]
                }
                for example in command.examples { out += [".PP", ".nf", escape(example), ".fi"] }
            }
            for sub in command.subcommands { walk(chain + [sub]) }
        }
        for sub in root.subcommands { walk([root, sub]) }
        out += [".SH EXIT STATUS", "0 done, 1 refused or check failed, 2 usage or config error, 3 device unavailable."]
        return out.joined(separator: "\n") + "\n"
    }

    /// A bash completion script for `root` (subcommands, options, option choices).
    public static func bashCompletion(root: Command) -> String {
        // Two tables: what may follow a command path, and the values an option with choices takes.
        var commandCases: [String] = []
        var valueCases: [String] = []
        func walk(_ chain: [Command]) {
            let command = chain.last!
            let key = chain.dropFirst().map(\.name).joined(separator: " ")
            let words = command.subcommands.map(\.name) + command.options.map { "--" + $0.name } + ["--help"]
            commandCases.append("        \"\(key)\") words=\"\(words.joined(separator: " "))\" ;;")
            for option in command.options where !option.choices.isEmpty {
                valueCases.append("        \"\(key) --\(option.name)\") words=\"\(option.choices.joined(separator: " "))\" ;;")
            }
            for sub in command.subcommands { walk(chain + [sub]) }
        }
        walk([root])
        let function = "_" + root.name.replacingAll("-", with: "_")
        return """
        # bash completion for \(root.name), generated from its command table
        \(function)() {
            local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} path="" i words=""
            for ((i = 1; i < COMP_CWORD; i++)); do
                case ${COMP_WORDS[i]} in -*) break ;; *) path="${path:+$path }${COMP_WORDS[i]}" ;; esac
            done
            case "$path $prev" in
        \(valueCases.joined(separator: "\n"))
            esac
            if [ -z "$words" ]; then
                case "$path" in
        \(commandCases.joined(separator: "\n"))
                esac
            fi
            COMPREPLY=($(compgen -W "$words" -- "$cur"))
            [ ${#COMPREPLY[@]} -eq 0 ] && COMPREPLY=($(compgen -f -- "$cur"))
        }
        complete -F \(function) \(root.name)

        """
    }
}

extension String {
    func replacingAll(_ target: String, with replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
