import Configuration
import Submission

/// The station's case-number rules (config `visit.case-id-pattern`, `visit.case-id-check-digit`), applied
/// with the outbox's `CaseIDPolicy` so the kiosk refuses exactly what the outbox would refuse.
public enum CaseNumberRules {
    /// The validator for `VisitMachine`: nil when acceptable, else why not.
    public static func validator(pattern: String, checkDigit: StationConfig.CheckDigit) throws(CaseIDPolicyError)
        -> @Sendable (String) -> CaseIDRules.Rejection? {
        let rules = try CaseIDPolicy(pattern: pattern, checkDigit: checkDigit).rules
        return { caseNumber in rules.rejection(of: caseNumber) }
    }
}
