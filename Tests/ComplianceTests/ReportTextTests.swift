import Compliance
import Testing

/// `fotoboxctl analyze|process` print the report as this table.
@Suite struct ReportTextTests {
    @Test func tableShowsFailuresWithAdviceAndTheVerdict() {
        let report = ComplianceReport(checks: [
            CheckResult(id: .interEyeDistance, value: 312.25, limit: "≥ 300", pass: true, mandatory: true, advice: .none),
            CheckResult(id: .sharpness, value: nil, limit: "≥ 0.4", pass: false, mandatory: true,
                        advice: Advice(de: "Bitte stillhalten.", en: "Please hold still.")),
            CheckResult(id: .redEyes, value: 0.1, limit: "≤ 1.6", pass: false, mandatory: false, advice: Advice(de: "x", en: "Red eyes.")),
        ])
        #expect(report.tableLines == [
            "ok    interEyeDistance  312.250  ≥ 300  ",
            "FAIL  sharpness         —        ≥ 0.4  Please hold still.",
            "warn  redEyes           0.100    ≤ 1.6  Red eyes.",
            "compliant: NO (sharpness, redEyes)",
        ])
        #expect(ComplianceReport(checks: []).tableLines == ["compliant: yes"])
    }
}
