import Configuration

/// Which case IDs the outbox and the office accept: the station's `CaseIDRules` (Configuration — the one
/// definition that `config check` and the kiosk apply too) with the outbox's typed errors. Whatever the
/// configured pattern allows, an ID is always 1-64 ASCII letters, digits, '-' or '_': it names a folder in
/// the office's inbox, so nothing like "../x", "a/b", ".." or a control character ever gets that far.
public struct CaseIDPolicy: Sendable {
    /// How the last character checks the rest.
    public typealias CheckDigit = CaseIDRules.CheckDigit

    public let rules: CaseIDRules
    public var pattern: String { rules.pattern.source }
    public var checkDigit: CheckDigit { rules.checkDigit }

    public init(rules: CaseIDRules) { self.rules = rules }

    /// The pattern must match the whole ID (it is anchored even without ^ and $); see `CaseIDPattern` for
    /// the language (linear-time: no pattern can make a check hang).
    public init(pattern: String = StationConfig().caseIDPattern, checkDigit: CheckDigit = .none) throws(CaseIDPolicyError) {
        do throws(CaseIDPattern.Error) {
            rules = try CaseIDRules(pattern: pattern, checkDigit: checkDigit)
        } catch {
            throw CaseIDPolicyError("case-id-pattern \(pattern) cannot be used: \(error)")
        }
    }

    /// Accepts anything the safety rule allows (the office's default when no pattern is configured).
    public static var anySafe: CaseIDPolicy { try! CaseIDPolicy(pattern: "^[A-Za-z0-9_-]{1,64}$") }

    /// Throws unless `caseID` is safe, matches the pattern and has a right check digit.
    public func validate(_ caseID: String) throws(SubmissionError) {
        switch rules.rejection(of: caseID) {
        case nil: return
        case .format: throw .caseIDUnsafe(caseID)
        case .pattern: throw .caseIDPattern(caseID: caseID, pattern: pattern)
        case .checkDigit: throw .caseIDCheckDigit(caseID)
        }
    }

    /// 1-64 ASCII letters, digits, '-' or '_', not starting with '-' (it could read as an option).
    package static func isSafe(_ caseID: String) -> Bool { CaseIDRules.isSafeIdentifier(caseID) }
}

/// A case-ID policy that cannot be used (a pattern outside the supported language).
public struct CaseIDPolicyError: Error, Equatable, Sendable, CustomStringConvertible {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}
