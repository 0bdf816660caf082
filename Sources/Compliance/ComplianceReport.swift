import Configuration
import Platform

/// What one rule found: the measured value, the limit, whether it passed, and what the citizen
/// should do about it, in German and English.
public struct CheckResult: Sendable, Equatable, Codable {
    /// Which check; in JSON its stable name (`interEyeDistance`, `sharpness`, …), documented in docs/compliance.md.
    public var id: CheckID
    /// The measured value in the check's unit; nil when it could not be measured.
    public var value: Double?
    /// The limit as text ("≥ 300", "0.50–0.75").
    public var limit: String
    public var pass: Bool
    /// Whether the photo is refused when this check fails.
    public var mandatory: Bool
    public var advice: Advice

    public init(id: CheckID, value: Double?, limit: String, pass: Bool, mandatory: Bool, advice: Advice) {
        self.id = id
        self.value = value
        self.limit = limit
        self.pass = pass
        self.mandatory = mandatory
        self.advice = advice
    }

    private enum CodingKeys: String, CodingKey { case id, value, limit, pass, mandatory, advice }

    /// Writes `"value": null` when nothing was measured, rather than leaving the key out.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(value, forKey: .value)
        try container.encode(limit, forKey: .limit)
        try container.encode(pass, forKey: .pass)
        try container.encode(mandatory, forKey: .mandatory)
        try container.encode(advice, forKey: .advice)
    }
}

/// A sentence for the person in front of the camera, in both languages the station reports in.
public struct Advice: Sendable, Equatable, Codable {
    public var de: String
    public var en: String

    public init(de: String, en: String) {
        self.de = de
        self.en = en
    }

    public static let none = Advice(de: "", en: "")
}

/// Every check run on one image.
public struct ComplianceReport: Sendable, Equatable, Codable {
    public var checks: [CheckResult]
    /// All mandatory checks passed.
    public var compliant: Bool { checks.allSatisfy { $0.pass || !$0.mandatory } }

    public init(checks: [CheckResult]) { self.checks = checks }

    /// The result of one check, if it ran.
    public subscript(check check: CheckID) -> CheckResult? { checks.first { $0.id == check } }

    /// The checks that failed, mandatory first.
    public var failures: [CheckID] {
        checks.filter { !$0.pass && $0.mandatory }.map(\.id) + checks.filter { !$0.pass && !$0.mandatory }.map(\.id)
    }

    public var mandatoryPassed: Int { checks.filter { $0.pass && $0.mandatory }.count }
    public var optionalPassed: Int { checks.filter { $0.pass && !$0.mandatory }.count }

    private enum CodingKeys: String, CodingKey { case checks, compliant }

    public init(from decoder: any Decoder) throws {
        checks = try decoder.container(keyedBy: CodingKeys.self).decode([CheckResult].self, forKey: .checks)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(checks, forKey: .checks)
        try container.encode(compliant, forKey: .compliant)
    }
}

extension ComplianceReport {
    /// The checks as an aligned table for people (status, check, value, limit, advice when it failed), and a
    /// last line saying whether the photo is compliant and, if not, which checks failed.
    public var tableLines: [String] {
        let rows = checks.map { check -> [String] in
            [check.pass ? "ok" : (check.mandatory ? "FAIL" : "warn"), check.id.rawValue,
             check.value.map { $0.text(decimals: 3) } ?? "—", check.limit, check.pass ? "" : check.advice.en]
        }
        return TextTable.aligned(rows) + [compliant ? "compliant: yes" : "compliant: NO (\(failures.map(\.rawValue).joined(separator: ", ")))"]
    }
}
