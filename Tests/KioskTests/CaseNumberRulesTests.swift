import Configuration
import VisitCore
import Testing

/// Issue 16, item 6: the kiosk applies the same case-ID rules as the config check and the outbox —
/// icao-9303 included (fotoboxd used to refuse to start with it).
@Suite struct CaseNumberRulesTests {
    @Test func icao9303StartsAndChecks() throws {
        let validate = try CaseNumberRules.validator(pattern: "^[A-Z0-9]{10}$", checkDigit: .icao9303)
        #expect(validate("L898902C36") == nil)
        #expect(validate("L898902C35") == .checkDigit)
        #expect(validate("L898902C3") == .pattern)
        #expect(validate("L898902C3ä") == .format)
    }

    /// The reason codes the API answers with (`reason`) and the UI translates (`caseNumber.refused.<code>`),
    /// unchanged since the reason was a string.
    @Test func refusalReasonsKeepTheirCodes() {
        #expect(CaseIDRules.Rejection.allCases.map(\.code) == ["format", "pattern", "check-digit"])
        #expect(VisitRefusal.caseNumberRefused(reason: .checkDigit).description == "the case number was refused (check-digit)")
        #expect(VisitRefusal.wrongStep(action: .keepAlive, step: .caseNumber).description
                == "'keep-alive' is not possible in the step 'case-number'")
        #expect(VisitAction.allCases.map(\.rawValue)
                == ["language", "case-number", "consent", "capture", "review", "signature", "confirm", "finish", "cancel", "keep-alive"])
    }

    /// Every combination the config check accepts, the kiosk accepts too.
    @Test(arguments: StationConfig.CheckDigit.allCases)
    func everyCheckDigitTheConfigAcceptsTheKioskRuns(_ digit: StationConfig.CheckDigit) throws {
        let config = try StationConfig.parse("[visit]\ncase-id-check-digit = \(digit.rawValue)\n", path: "c.conf")
        _ = try CaseNumberRules.validator(pattern: config.caseIDPattern, checkDigit: config.caseIDCheckDigit)
    }
}
