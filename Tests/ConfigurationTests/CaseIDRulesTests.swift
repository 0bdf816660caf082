import FotoboxTestSupport
import Configuration
import Testing

/// Issue 16, items 4-6: line ends, station.id and the case-ID pattern checked at config time with the rules
/// the station applies at use, and a pattern language that cannot hang.
@Suite struct ConfigLineEndTests {
    static let body = ["[station]", "id = rathaus-07", "[visit]", "inactivity-timeout = 90", "profile = scan"]

    /// CRLF (Windows editors) and lone CR (old Mac) end lines like LF; nothing falls back to a default.
    @Test(arguments: ["\n", "\r\n", "\r"])
    func everyLineEndIsALineEnd(_ end: String) throws {
        let config = try StationConfig.parse(Self.body.joined(separator: end) + end, path: "f.conf")
        #expect(config.stationID == "rathaus-07")
        #expect(config.inactivityTimeout == .seconds(90))
        #expect(config.profile == .scan)
    }

    /// Errors still name their line in a CRLF or CR file, and mixed line ends count one line each.
    @Test(arguments: ["\r\n", "\r"])
    func errorsNameTheirLineWhateverTheLineEnd(_ end: String) {
        let text = ["[station]", "id = rathaus-07", "[visit]", "inactivity-timeout = soon"].joined(separator: end)
        #expect { try StationConfig.parse(text, path: "f.conf") } throws: { "\($0)".contains("f.conf:4: visit.inactivity-timeout") }
        let mixed = "[station]\r\nid = a\n[visit]\rinactivity-timeout = soon\r\n"
        #expect { try StationConfig.parse(mixed, path: "m.conf") } throws: { "\($0)".contains("m.conf:4:") }
    }
}

@Suite struct StationIDTests {
    /// A station ID is sent with every submission and the office refuses anything but ASCII letters, digits,
    /// '-' and '_': `config check` refuses the same, on its line.
    @Test(arguments: ["rathaus-ö1", "räthaus", "station 1", "-station", "", String(repeating: "a", count: 65), "a/b", "ｆｕｌｌ"])
    func aStationIDTheOfficeWouldRefuseIsAConfigError(_ id: String) {
        #expect { try StationConfig.parse("[station]\nid = \(id)\n", path: "s.conf") } throws: { "\($0)".contains("s.conf:2: station.id") }
    }

    @Test func theSameRuleAsTheOffice() throws {
        for id in ["rathaus-01", "A", "a_b-c", String(repeating: "z", count: 64)] {
            #expect(try StationConfig.parse("[station]\nid = \(id)\n", path: "s.conf").stationID == id)
            #expect(CaseIDRules.isSafeIdentifier(id))
        }
    }
}

@Suite struct CaseIDPatternConfigTests {
    /// A pattern the station could not use is refused by the config check, naming the line and the place.
    @Test(arguments: [
        ("^[A-Z", "'[' without its ']'"), ("(AB", "'(' without its ')'"), ("AB)", "unmatched ')'"),
        ("^(?=A)B$", "look-around"), ("^(A)\\1$", "not supported"), ("A{65}", "above 64"), ("*A", "nothing before it"),
        ("A{3,1}", "below the minimum"), ("[Z-A]", "backwards"), ("Ä", "ASCII"), ("A++", "possessive"), ("", "empty"),
    ])
    func anUnusablePatternIsAConfigError(_ pattern: String, _ reason: String) {
        #expect { try StationConfig.parse("[visit]\n\ncase-id-pattern = \(pattern)\n", path: "p.conf") } throws: {
            "\($0)".contains("p.conf:3: visit.case-id-pattern") && "\($0)".contains(reason)
        }
    }

    /// The patterns of the docs and of real town halls compile and mean what they say.
    @Test func documentedPatternsWork() throws {
        let cases: [(String, [String], [String])] = [
            ("^[A-Z]{4}-[0-9]{4}$", ["ABCD-1234"], ["ABC-1234", "abcd-1234", "ABCD-12345", "ABCD1234"]),
            ("^[A-Z]{2}[0-9]{6}$", ["AB123456"], ["AB12345", "A1234567"]),
            ("[0-9]{6,10}", ["123456", "1234567890"], ["12345", "12345678901"]),
            ("^(?:ER|AB)-\\d{4}(-[A-Z])?$", ["ER-1234", "AB-0000-X"], ["ER-123", "XY-1234", "ER-1234-"]),
            ("^[^-_]+$", ["abc"], ["a-b", "a_b"]),
            ("A.C", ["ABC", "A-C"], ["AC", "ABBC"]),
            ("^\\w+$", ["a_1"], ["a-1"]),
            ("^(AB|A)(BC|C)$", ["ABC", "ABBC"], ["AB", "ABCC"]),
            ("^a*$", ["a", "aaaa"], ["b"]),
        ]
        for (pattern, accepted, refused) in cases {
            let rules = try CaseIDRules(pattern: pattern)
            for id in accepted { #expect(rules.rejection(of: id) == nil, "\(pattern) should accept \(id)") }
            for id in refused { #expect(rules.rejection(of: id) != nil, "\(pattern) should refuse \(id)") }
        }
        // Whatever the pattern says, unsafe IDs are refused first.
        #expect(try CaseIDRules(pattern: ".*").rejection(of: "../x") == .format)
    }

    /// `^(A+)+$` is the classic catastrophic pattern: a backtracking engine takes ~2^n steps on "AAA…A!".
    /// The NFA runs it in one pass; the time limit only turns a hang into a failure.
    @Test(.timeLimit(.minutes(1)))
    func catastrophicPatternsRunInOnePass() throws {
        for pattern in ["^(A+)+$", "^(A|A)*$", "^(A*)*B$", "^((A+)+)+$", "^(A|AA)+$", "(.*){1,64}B"] {
            let rules = try CaseIDRules(pattern: pattern)
            let hostile = String(repeating: "A", count: 63) + "_"
            #expect(rules.rejection(of: hostile) == .pattern, "\(pattern)")
            _ = try StationConfig.parse("[visit]\ncase-id-pattern = \(pattern)\n", path: "p.conf")
        }
    }

    /// The matcher agrees with Swift's Regex (a backtracking engine, the reference) on random patterns of the
    /// supported language and random short IDs.
    @Test func agreesWithSwiftRegexOnRandomPatterns() throws {
        var random = SplitMix(seed: 16)
        let atoms = ["A", "B", "[AB]", "[^A]", ".", "\\d", "1", "-", "(A|B1)", "(?:AB)", "[0-9]"]
        let quantifiers = ["", "", "", "*", "+", "?", "{2}", "{1,3}", "{0,}"]
        var compared = 0
        for _ in 0..<400 {
            var pattern = ""
            for _ in 0..<(1 + random.below(4)) {
                pattern += atoms[random.below(atoms.count)] + quantifiers[random.below(quantifiers.count)]
            }
            if random.below(4) == 0 { pattern = "(" + pattern + ")|B" }
            let ours = try CaseIDPattern(pattern)
            let reference = try Regex(pattern)
            for _ in 0..<20 {
                let id = String((0..<(1 + random.below(6))).map { _ in Array("AB1-")[random.below(4)] })
                let expected = (try? reference.wholeMatch(in: id)) != nil
                #expect(ours.matches(id) == expected, "\(pattern) on \(id)")
                compared += 1
            }
        }
        #expect(compared == 8000)
    }
}

@Suite struct CheckDigitTests {
    /// ICAO 9303's example document number L898902C3 has check digit 6; Luhn's 12345(5).
    @Test func bothCheckDigitsAreOneDefinition() throws {
        let icao = try CaseIDRules(pattern: "^[A-Z0-9]{10}$", checkDigit: .icao9303)
        #expect(icao.rejection(of: "L898902C36") == nil)
        #expect(icao.rejection(of: "L898902C35") == .checkDigit)
        let luhn = try CaseIDRules(pattern: "^[0-9]{6}$", checkDigit: .luhn)
        #expect(luhn.rejection(of: "123455") == nil)
        #expect(luhn.rejection(of: "123456") == .checkDigit)
        let config = try StationConfig.parse("[visit]\ncase-id-pattern = ^[A-Z0-9]{10}$\ncase-id-check-digit = icao-9303\n", path: "c.conf")
        #expect(try config.caseIDRules().rejection(of: "L898902C36") == nil)
    }
}

