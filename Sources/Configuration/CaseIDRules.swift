/// The one definition of which case IDs a station accepts (config `visit.case-id-pattern` and
/// `visit.case-id-check-digit`), and of which identifiers may name a folder or a station: the config check,
/// the kiosk and the outbox all apply these, so a setting `config check` accepts is one the station can run.
public struct CaseIDRules: Sendable {
    /// How the last character checks the rest.
    public enum CheckDigit: String, Sendable, CaseIterable {
        case none
        /// Luhn (mod 10) over the ID's digits; the last digit is the check digit. Letters are ignored.
        case luhn
        /// ICAO 9303 (weights 7, 3, 1; digits as themselves, A = 10 … Z = 35) over the letters and digits
        /// before the last character, which is the check digit. Other characters are skipped.
        case icao9303 = "icao-9303"
    }

    /// Why an ID is refused.
    public enum Rejection: Sendable, Equatable, CaseIterable {
        /// Not 1-64 ASCII letters, digits, '-' or '_' (or starting with '-').
        case format
        /// Does not match the configured pattern.
        case pattern
        /// The check digit is wrong.
        case checkDigit
    }

    public let pattern: CaseIDPattern
    public let checkDigit: CheckDigit

    public init(pattern: CaseIDPattern, checkDigit: CheckDigit = .none) {
        self.pattern = pattern
        self.checkDigit = checkDigit
    }

    /// Compiles `pattern` (see `CaseIDPattern` for the language); a pattern that cannot be compiled throws.
    public init(pattern: String, checkDigit: CheckDigit = .none) throws(CaseIDPattern.Error) {
        self.init(pattern: try CaseIDPattern(pattern), checkDigit: checkDigit)
    }

    /// nil when `caseID` is accepted, else why not. Linear in the ID's length (at most 64 bytes are looked at).
    public func rejection(of caseID: String) -> Rejection? {
        guard Self.isSafeIdentifier(caseID) else { return .format }
        guard pattern.matches(caseID) else { return .pattern }
        guard checkDigit.verifies(caseID) else { return .checkDigit }
        return nil
    }

    /// 1-64 ASCII letters, digits, '-' or '_', not starting with '-' (it could read as an option). A case
    /// ID names a folder in the office's inbox and a station ID is sent with every submission, so nothing
    /// like "../x", "a/b", ".." or a control character ever gets that far.
    public static func isSafeIdentifier(_ text: String) -> Bool {
        let bytes = Array(text.utf8.prefix(65))
        guard (1...64).contains(bytes.count), bytes[0] != UInt8(ascii: "-") else { return false }
        return bytes.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"): true
            default: false
            }
        }
    }
}

extension CaseIDRules.CheckDigit {
    /// True when `caseID`'s check digit is right (always for `.none`).
    public func verifies(_ caseID: String) -> Bool {
        switch self {
        case .none:
            return true
        case .luhn:
            let digits = caseID.utf8.filter { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }.map { Int($0 - UInt8(ascii: "0")) }
            guard digits.count >= 2, caseID.utf8.last.map({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) == true else { return false }
            var sum = 0
            for (position, digit) in digits.reversed().enumerated() {
                if position % 2 == 1 {
                    let doubled = digit * 2
                    sum += doubled > 9 ? doubled - 9 : doubled
                } else {
                    sum += digit
                }
            }
            return sum % 10 == 0
        case .icao9303:
            let characters = caseID.utf8.filter { ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) }
            guard characters.count >= 2, let last = characters.last, last >= 48, last <= 57 else { return false }
            let weights = [7, 3, 1]
            var sum = 0
            for (position, character) in characters.dropLast().enumerated() {
                let value: Int
                switch character {
                case 48...57: value = Int(character - 48)
                case 65...90: value = Int(character - 65) + 10
                default: value = Int(character - 97) + 10
                }
                sum += value * weights[position % 3]
            }
            return sum % 10 == Int(last - 48)
        }
    }
}

/// A case-ID pattern: a regular expression in a small language that a Thompson NFA runs in time linear in
/// the ID (no backtracking, so `^(A+)+$` cannot hang a station), matched against the whole ID.
///
/// The language: literal ASCII characters; `.`; classes `[A-Z0-9_-]` and `[^…]`; escapes `\d \D \w \W \s \S`
/// and `\` before any punctuation; groups `(…)` and `(?:…)`; alternation `|`; quantifiers `* + ?` and
/// `{n}`, `{n,}`, `{n,m}` with n, m ≤ 64 (an ID has at most 64 characters), a trailing `?` (lazy) accepted
/// as it does not change what a whole ID matches; anchors `^` and `$`. Refused, with the position:
/// back-references, look-around, named groups, flags, possessive quantifiers, non-ASCII characters, and
/// patterns that compile to more than 4096 states.
public struct CaseIDPattern: Sendable, CustomStringConvertible {
    /// A pattern that cannot be compiled: what and where (1-based character position).
    public struct Error: Swift.Error, Sendable, Equatable, CustomStringConvertible {
        public let position: Int
        public let message: String
        public var description: String { "\(message) at character \(position)" }
    }

    /// The pattern as written.
    public let source: String
    private let program: [Instruction]
    private let start: Int

    public var description: String { source }

    /// The largest repetition count: a case ID has at most 64 characters.
    public static let maximumRepetition = 64
    /// The largest compiled program; larger patterns are refused rather than slowing every check.
    public static let maximumStates = 4096

    public init(_ source: String) throws(Error) {
        var parser = CaseIDPatternParser(Array(source.utf8))
        let fragment = try parser.parseWhole()
        var program = parser.program
        let matchState = program.count
        program.append(.match)
        for hole in fragment.holes { program[hole].patch(matchState) }
        self.source = source
        self.program = program
        self.start = fragment.start
    }

    /// True when the whole of `text` matches. Runs the NFA over the bytes: O(bytes × states), no backtracking.
    public func matches(_ text: String) -> Bool {
        let input = Array(text.utf8)
        var current = StateSet(capacity: program.count)
        var next = StateSet(capacity: program.count)
        addClosure(start, at: 0, count: input.count, into: &current)
        for (position, byte) in input.enumerated() {
            next.clear()
            for state in current.members {
                if case .byte(let set, let target) = program[state], set.contains(byte) {
                    addClosure(target, at: position + 1, count: input.count, into: &next)
                }
            }
            swap(&current, &next)
            if current.members.isEmpty { return false }
        }
        return current.members.contains { if case .match = program[$0] { true } else { false } }
    }

    /// Adds `state` and everything reachable from it without reading a byte (iteratively: no deep recursion).
    private func addClosure(_ state: Int, at position: Int, count: Int, into set: inout StateSet) {
        var stack = [state]
        while let state = stack.popLast() {
            guard set.insert(state) else { continue }
            switch program[state] {
            case .split(let first, let second): stack.append(second); stack.append(first)
            case .jump(let target): stack.append(target)
            case .lineStart(let target): if position == 0 { stack.append(target) }
            case .lineEnd(let target): if position == count { stack.append(target) }
            case .byte, .match: break
            }
        }
    }
}

// MARK: - The compiled program

/// A set of ASCII bytes (128 bits).
fileprivate struct ByteSet: Sendable, Equatable {
    var low: UInt64 = 0
    var high: UInt64 = 0

    static let all: ByteSet = { var set = ByteSet(); for byte in UInt8(0)...127 { set.insert(byte) }; return set }()

    mutating func insert(_ byte: UInt8) {
        if byte < 64 { low |= 1 << UInt64(byte) } else if byte < 128 { high |= 1 << UInt64(byte - 64) }
    }

    func contains(_ byte: UInt8) -> Bool {
        byte < 64 ? low & (1 << UInt64(byte)) != 0 : byte < 128 ? high & (1 << UInt64(byte - 64)) != 0 : false
    }

    mutating func formUnion(_ other: ByteSet) { low |= other.low; high |= other.high }
    var inverted: ByteSet { ByteSet(low: ~low, high: ~high) }

    static func range(_ from: UInt8, _ to: UInt8) -> ByteSet {
        var set = ByteSet()
        for byte in from...to { set.insert(byte) }
        return set
    }

    static let digits = range(48, 57)
    static let word: ByteSet = { var set = range(65, 90); set.formUnion(range(97, 122)); set.formUnion(digits); set.insert(95); return set }()
    static let space: ByteSet = { var set = ByteSet(); for byte: UInt8 in [9, 10, 11, 12, 13, 32] { set.insert(byte) }; return set }()
}

fileprivate enum Instruction: Sendable {
    case byte(ByteSet, Int)
    case split(Int, Int)
    case jump(Int)
    case lineStart(Int)
    case lineEnd(Int)
    case match

    /// Points a dangling exit (`-1`) at `target`.
    mutating func patch(_ target: Int) {
        switch self {
        case .byte(let set, -1): self = .byte(set, target)
        case .split(-1, let second): self = .split(target, second)
        case .split(let first, -1): self = .split(first, target)
        case .jump(-1): self = .jump(target)
        case .lineStart(-1): self = .lineStart(target)
        case .lineEnd(-1): self = .lineEnd(target)
        default: break
        }
    }
}

/// Membership with O(1) insert and clear, in insertion order (the NFA's current states).
fileprivate struct StateSet {
    private var generation: [UInt32]
    private var current: UInt32 = 1
    private(set) var members: [Int] = []

    init(capacity: Int) { generation = [UInt32](repeating: 0, count: capacity) }

    /// False when `state` was already in the set.
    mutating func insert(_ state: Int) -> Bool {
        if generation[state] == current { return false }
        generation[state] = current
        members.append(state)
        return true
    }

    mutating func clear() {
        members.removeAll(keepingCapacity: true)
        current &+= 1
        if current == 0 {
            for index in generation.indices { generation[index] = 0 }
            current = 1
        }
    }
}

/// A piece of program with one entry and dangling exits (each a state whose exit is still `-1`).
fileprivate struct Fragment {
    var start: Int
    var holes: [Int]
}

/// A syntax tree first (so that a repetition can copy its operand), then a Thompson construction.
fileprivate indirect enum PatternNode {
    case set(ByteSet)
    case lineStart
    case lineEnd
    case empty
    case sequence([PatternNode])
    case alternatives([PatternNode])
    case repeated(PatternNode, minimum: Int, maximum: Int?)
}

fileprivate struct CaseIDPatternParser {
    let bytes: [UInt8]
    var index = 0
    var program: [Instruction] = []

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    func error(_ message: String, at position: Int? = nil) -> CaseIDPattern.Error {
        CaseIDPattern.Error(position: (position ?? index) + 1, message: message)
    }

    mutating func parseWhole() throws(CaseIDPattern.Error) -> Fragment {
        guard !bytes.isEmpty else { throw error("an empty pattern") }
        if let bad = bytes.firstIndex(where: { $0 >= 128 || $0 < 32 }) {
            throw error("only printable ASCII characters may appear in a case-ID pattern", at: bad)
        }
        let tree = try parseAlternatives()
        if index < bytes.count { throw error(bytes[index] == UInt8(ascii: ")") ? "an unmatched ')'" : "unexpected '\(Character(UnicodeScalar(bytes[index])))'") }
        return try emit(tree)
    }

    var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

    mutating func parseAlternatives() throws(CaseIDPattern.Error) -> PatternNode {
        var branches = [try parseSequence()]
        while peek == UInt8(ascii: "|") {
            index += 1
            branches.append(try parseSequence())
        }
        return branches.count == 1 ? branches[0] : .alternatives(branches)
    }

    mutating func parseSequence() throws(CaseIDPattern.Error) -> PatternNode {
        var items: [PatternNode] = []
        while let byte = peek, byte != UInt8(ascii: "|"), byte != UInt8(ascii: ")") {
            var atom = try parseAtom()
            while let quantifier = try parseQuantifier() {
                if case .lineStart = atom { throw error("a quantifier after an anchor") }
                if case .lineEnd = atom { throw error("a quantifier after an anchor") }
                atom = .repeated(atom, minimum: quantifier.minimum, maximum: quantifier.maximum)
            }
            items.append(atom)
        }
        return items.count == 1 ? items[0] : items.isEmpty ? .empty : .sequence(items)
    }

    mutating func parseQuantifier() throws(CaseIDPattern.Error) -> (minimum: Int, maximum: Int?)? {
        guard let byte = peek else { return nil }
        var result: (minimum: Int, maximum: Int?)
        switch byte {
        case UInt8(ascii: "*"): result = (0, nil); index += 1
        case UInt8(ascii: "+"): result = (1, nil); index += 1
        case UInt8(ascii: "?"): result = (0, 1); index += 1
        case UInt8(ascii: "{"):
            let open = index
            index += 1
            let minimum = try parseCount()
            var maximum: Int? = minimum
            if peek == UInt8(ascii: ",") {
                index += 1
                maximum = peek == UInt8(ascii: "}") ? nil : try parseCount()
            }
            guard peek == UInt8(ascii: "}") else { throw error("a repetition looks like {n}, {n,} or {n,m}", at: open) }
            index += 1
            if let maximum, maximum < minimum { throw error("{\(minimum),\(maximum)}: the maximum is below the minimum", at: open) }
            result = (minimum, maximum)
        default: return nil
        }
        if peek == UInt8(ascii: "?") { index += 1 }  // lazy: the same whole-ID matches
        if peek == UInt8(ascii: "+") { throw error("possessive quantifiers are not supported") }
        return result
    }

    mutating func parseCount() throws(CaseIDPattern.Error) -> Int {
        let begin = index
        var value = 0
        while let byte = peek, byte >= 48, byte <= 57 {
            value = value * 10 + Int(byte - 48)
            index += 1
            if value > CaseIDPattern.maximumRepetition {
                throw error("a repetition count above \(CaseIDPattern.maximumRepetition) (a case ID has at most 64 characters)", at: begin)
            }
        }
        guard index > begin else { throw error("a repetition looks like {n}, {n,} or {n,m}", at: begin) }
        return value
    }

    mutating func parseAtom() throws(CaseIDPattern.Error) -> PatternNode {
        let byte = bytes[index]
        let position = index
        index += 1
        switch byte {
        case UInt8(ascii: "("):
            if peek == UInt8(ascii: "?") {
                guard index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: ":") else {
                    throw error("look-around, named groups and flags are not supported (only (…) and (?:…))", at: position)
                }
                index += 2
            }
            let inner = try parseAlternatives()
            guard peek == UInt8(ascii: ")") else { throw error("a '(' without its ')'", at: position) }
            index += 1
            return inner
        case UInt8(ascii: "["): return .set(try parseClass(openedAt: position))
        case UInt8(ascii: "."): return .set(ByteSet.all)
        case UInt8(ascii: "^"): return .lineStart
        case UInt8(ascii: "$"): return .lineEnd
        case UInt8(ascii: "\\"): return .set(try parseEscape(inClass: false))
        case UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "?"), UInt8(ascii: "{"):
            throw error("a quantifier with nothing before it", at: position)
        case UInt8(ascii: "]"), UInt8(ascii: "}"):
            throw error("'\(Character(UnicodeScalar(byte)))' must be escaped as a literal", at: position)
        default:
            var set = ByteSet()
            set.insert(byte)
            return .set(set)
        }
    }

    mutating func parseEscape(inClass: Bool) throws(CaseIDPattern.Error) -> ByteSet {
        guard let byte = peek else { throw error("a '\\' at the end of the pattern", at: index - 1) }
        index += 1
        switch byte {
        case UInt8(ascii: "d"): return .digits
        case UInt8(ascii: "D"): return ByteSet.digits.inverted
        case UInt8(ascii: "w"): return .word
        case UInt8(ascii: "W"): return ByteSet.word.inverted
        case UInt8(ascii: "s"): return .space
        case UInt8(ascii: "S"): return ByteSet.space.inverted
        default:
            let isPunctuation = (33...47).contains(byte) || (58...64).contains(byte) || (91...96).contains(byte) || (123...126).contains(byte)
            guard isPunctuation else {
                throw error("'\\\(Character(UnicodeScalar(byte)))' is not supported (back-references, \\b and other escapes; use \\d \\w \\s or escape punctuation)", at: index - 2)
            }
            var set = ByteSet()
            set.insert(byte)
            return set
        }
    }

    mutating func parseClass(openedAt open: Int) throws(CaseIDPattern.Error) -> ByteSet {
        var set = ByteSet()
        var negated = false
        if peek == UInt8(ascii: "^") { negated = true; index += 1 }
        var first = true
        while true {
            guard let byte = peek else { throw error("a '[' without its ']'", at: open) }
            if byte == UInt8(ascii: "]") && !first { index += 1; break }
            first = false
            if byte == UInt8(ascii: "[") { throw error("nested classes ([:alpha:], [a-z&&…]) are not supported") }
            let low: UInt8
            if byte == UInt8(ascii: "\\") {
                index += 1
                let escaped = try parseEscape(inClass: true)
                // A class escape (\d, \w, \s) is a set, not a range end.
                if escaped.low.nonzeroBitCount + escaped.high.nonzeroBitCount != 1 { set.formUnion(escaped); continue }
                low = UInt8((0..<128).first { escaped.contains(UInt8($0)) }!)
            } else {
                low = byte
                index += 1
            }
            if peek == UInt8(ascii: "-"), index + 1 < bytes.count, bytes[index + 1] != UInt8(ascii: "]") {
                index += 1
                var high = bytes[index]
                if high == UInt8(ascii: "\\") {
                    index += 1
                    let escaped = try parseEscape(inClass: true)
                    guard escaped.low.nonzeroBitCount + escaped.high.nonzeroBitCount == 1 else { throw error("a class escape cannot end a range") }
                    high = UInt8((0..<128).first { escaped.contains(UInt8($0)) }!)
                } else {
                    index += 1
                }
                guard low <= high else { throw error("the range \(Character(UnicodeScalar(low)))-\(Character(UnicodeScalar(high))) is backwards") }
                set.formUnion(.range(low, high))
            } else {
                set.insert(low)
            }
        }
        return negated ? set.inverted : set
    }

    // MARK: Thompson construction

    mutating func add(_ instruction: Instruction) throws(CaseIDPattern.Error) -> Int {
        guard program.count < CaseIDPattern.maximumStates else {
            throw CaseIDPattern.Error(position: bytes.count, message: "the pattern is too large (more than \(CaseIDPattern.maximumStates) states)")
        }
        program.append(instruction)
        return program.count - 1
    }

    mutating func patch(_ holes: [Int], _ target: Int) {
        for hole in holes { program[hole].patch(target) }
    }

    mutating func emit(_ node: PatternNode) throws(CaseIDPattern.Error) -> Fragment {
        switch node {
        case .set(let set):
            let state = try add(.byte(set, -1))
            return Fragment(start: state, holes: [state])
        case .lineStart:
            let state = try add(.lineStart(-1))
            return Fragment(start: state, holes: [state])
        case .lineEnd:
            let state = try add(.lineEnd(-1))
            return Fragment(start: state, holes: [state])
        case .empty:
            let state = try add(.jump(-1))
            return Fragment(start: state, holes: [state])
        case .sequence(let items):
            var result = try emit(items[0])
            for item in items.dropFirst() {
                let next = try emit(item)
                patch(result.holes, next.start)
                result.holes = next.holes
            }
            return result
        case .alternatives(let branches):
            var fragments: [Fragment] = []
            for branch in branches { fragments.append(try emit(branch)) }
            var result = fragments[fragments.count - 1]
            for fragment in fragments.dropLast().reversed() {
                let split = try add(.split(fragment.start, result.start))
                result = Fragment(start: split, holes: fragment.holes + result.holes)
            }
            return result
        case .repeated(let inner, let minimum, let maximum):
            // Mandatory copies, then either a loop (no maximum) or optional copies.
            var pieces: [Fragment] = []
            for _ in 0..<minimum { pieces.append(try emit(inner)) }
            if let maximum {
                for _ in minimum..<maximum {
                    let body = try emit(inner)
                    let split = try add(.split(body.start, -1))
                    pieces.append(Fragment(start: split, holes: body.holes + [split]))
                }
            } else {
                let body = try emit(inner)
                let split = try add(.split(body.start, -1))
                patch(body.holes, split)
                pieces.append(Fragment(start: split, holes: [split]))
            }
            if pieces.isEmpty {
                let state = try add(.jump(-1))
                return Fragment(start: state, holes: [state])
            }
            var result = pieces[0]
            for piece in pieces.dropFirst() {
                patch(result.holes, piece.start)
                result.holes = piece.holes
            }
            return result
        }
    }
}

/// A case ID carried by an error or a reason. It keeps the value for the code that needs it, but every way
/// of turning it into text — `description`, `debugDescription`, reflection — shows only its shape
/// (`<case ID AAAA-9999>`: letters as A, digits as 9), so an error that reaches a log, a terminal, an HTTP
/// answer or `items.last_error` never carries a citizen's case number. Redacted by type, not by convention.
public struct CaseIDText: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable, ExpressibleByStringLiteral {
    /// The case ID itself: never interpolate it into a message.
    public let value: String

    public init(_ value: String) { self.value = value }
    public init(stringLiteral value: String) { self.value = value }

    /// Letters as A, digits as 9, '-' and '_' kept, anything else as '?'; at most 64 characters.
    public var shape: String {
        String(value.unicodeScalars.prefix(64).map { scalar -> Character in
            switch scalar {
            case "A"..."Z", "a"..."z": "A"
            case "0"..."9": "9"
            case "-", "_": Character(scalar)
            default: "?"
            }
        }) + (value.unicodeScalars.count > 64 ? "…" : "")
    }

    public var description: String { "<case ID \(shape)>" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["shape": shape]) }

    /// `text` with every occurrence of `caseID` (any letter case) replaced by its redacted form — for
    /// free text from outside, such as an office's reason for refusing an item, which may quote it.
    public static func redact(_ text: String, caseID: String) -> String {
        func folded(_ byte: UInt8) -> UInt8 { byte >= 65 && byte <= 90 ? byte + 32 : byte }
        let needle = caseID.utf8.map(folded)
        let bytes = Array(text.utf8)
        guard !needle.isEmpty, bytes.count >= needle.count else { return text }
        let redacted = Array(CaseIDText(caseID).description.utf8)
        var result: [UInt8] = []
        var index = 0
        // Byte-wise: an ASCII needle can never match inside a multi-byte UTF-8 character (those bytes are ≥ 0x80).
        while index < bytes.count {
            if index + needle.count <= bytes.count, (0..<needle.count).allSatisfy({ folded(bytes[index + $0]) == needle[$0] }) {
                result += redacted
                index += needle.count
            } else {
                result.append(bytes[index])
                index += 1
            }
        }
        return String(decoding: result, as: UTF8.self)
    }
}
