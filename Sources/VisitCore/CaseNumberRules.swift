import Configuration
import Submission

/// The station's case-number rules (config `visit.case-id-pattern`, `visit.case-id-check-digit`), applied
/// with the outbox's `CaseIDPolicy` so the kiosk refuses exactly what the outbox would refuse.
public enum CaseNumberRules {
    /// The validator for `VisitMachine`: nil when acceptable, else `format`, `pattern` or `check-digit`.
    public static func validator(pattern: String, checkDigit: StationConfig.CheckDigit) throws(CaseIDPolicyError) -> @Sendable (String) -> String? {
        let policy = try CaseIDPolicy(pattern: pattern, checkDigit: checkDigit)
        return { caseNumber in
            do throws(SubmissionError) {
                try policy.validate(caseNumber)
                return nil
            } catch {
                switch error {
                case .caseIDPattern: return "pattern"
                case .caseIDCheckDigit: return "check-digit"
                default: return "format"
                }
            }
        }
    }
}
