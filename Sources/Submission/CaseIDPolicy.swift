/// Which case IDs are accepted. Whatever the configured pattern allows, an ID is always 1-64 ASCII
/// letters, digits, '-' or '_': it names a folder in the office's inbox, so nothing like "../x", "a/b",
/// ".." or a control character ever gets that far.
public struct CaseIDPolicy: Sendable {
    /// How the last character(s) check the rest.
    public enum CheckDigit: String, Sendable, CaseIterable {
        /// Luhn (mod 10) over the ID's digits; the last digit is the check digit. Letters are ignored.
        case luhn
        /// ICAO 9303 (weights 7, 3, 1; digits as themselves, A = 10 … Z = 35) over the letters and digits
        /// before the last character, which is the check digit. Other characters are skipped.
        case icao9303 = "icao-9303"
    }

    public let pattern: String
    public let checkDigit: CheckDigit?
    // Regex is not Sendable; it is compiled once here to reject a bad pattern at start-up and only read
    // afterwards, never mutated.
    nonisolated(unsafe) private let regex: Regex<AnyRegexOutput>

    /// The pattern must match the whole ID (it is anchored even without ^ and $).
    public init(pattern: String = "^[A-Z]{4}-[0-9]{4}$", checkDigit: CheckDigit? = nil) throws(CaseIDPolicyError) {
        do { regex = try Regex(pattern) } catch { throw CaseIDPolicyError("case-id-pattern \(pattern) is not a regular expression: \(error)") }
        self.pattern = pattern
        self.checkDigit = checkDigit
    }

    /// Accepts anything the safety rule allows (the office's default when no pattern is configured).
    public static var anySafe: CaseIDPolicy { try! CaseIDPolicy(pattern: "^[A-Za-z0-9_-]{1,64}$") }

    /// Throws unless `caseID` is safe, matches the pattern and has a right check digit.
    public func validate(_ caseID: String) throws(SubmissionError) {
        guard Self.isSafe(caseID) else { throw .caseIDUnsafe(caseID) }
        guard (try? regex.wholeMatch(in: caseID)) != nil else { throw .caseIDPattern(caseID: caseID, pattern: pattern) }
        if let checkDigit, !checkDigit.verifies(caseID) { throw .caseIDCheckDigit(caseID) }
    }

    /// 1-64 ASCII letters, digits, '-' or '_', not starting with '-' (it could read as an option).
    package static func isSafe(_ caseID: String) -> Bool {
        let bytes = Array(caseID.utf8)
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

/// A case-ID policy that cannot be used (a pattern that does not compile, a rule not implemented).
public struct CaseIDPolicyError: Error, Equatable, Sendable, CustomStringConvertible {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}

extension CaseIDPolicy.CheckDigit {
    func verifies(_ caseID: String) -> Bool {
        switch self {
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
