import Configuration
import VisitCore
import Testing

/// Issue 16, item 6: the kiosk applies the same case-ID rules as the config check and the outbox —
/// icao-9303 included (fotoboxd used to refuse to start with it).
@Suite struct CaseNumberRulesTests {
    @Test func icao9303StartsAndChecks() throws {
        let validate = try CaseNumberRules.validator(pattern: "^[A-Z0-9]{10}$", checkDigit: .icao9303)
        #expect(validate("L898902C36") == nil)
        #expect(validate("L898902C35") == "check-digit")
        #expect(validate("L898902C3") == "pattern")
        #expect(validate("L898902C3ä") == "format")
    }

    /// Every combination the config check accepts, the kiosk accepts too.
    @Test(arguments: StationConfig.CheckDigit.allCases)
    func everyCheckDigitTheConfigAcceptsTheKioskRuns(_ digit: StationConfig.CheckDigit) throws {
        let config = try StationConfig.parse("[visit]\ncase-id-check-digit = \(digit.rawValue)\n", path: "c.conf")
        _ = try CaseNumberRules.validator(pattern: config.caseIDPattern, checkDigit: config.caseIDCheckDigit)
    }
}
