import Submission
import VisitCore
import Testing
import Foundation
import Kiosk
import enum Configuration.CheckID
import struct Configuration.CaseIDRules

/// The UI folder of this checkout (tests run from the package root).
let uiDirectory = FileManager.default.currentDirectoryPath + "/ui"

func catalogue(_ language: String) throws -> [String: String] {
    let data = try Data(contentsOf: URL(fileURLWithPath: "\(uiDirectory)/i18n/\(language).json"))
    return try #require(try JSONSerialization.jsonObject(with: data) as? [String: String], "\(language).json is not a flat object of strings")
}

/// Every key the UI asks for: static ones from the HTML and the script, dynamic ones from the codes the
/// server sends.
func keysTheUIUses() throws -> Set<String> {
    let html = try String(contentsOfFile: uiDirectory + "/index.html", encoding: .utf8)
    let script = try String(contentsOfFile: uiDirectory + "/app.js", encoding: .utf8)
    var keys = Set<String>()
    for pattern in [#"data-i18n(?:-label|-alt)?="([^"]+)""#] {
        let regex = try NSRegularExpression(pattern: pattern)
        for match in regex.matches(in: html, range: NSRange(html.startIndex..., in: html)) {
            keys.insert(String(html[Range(match.range(at: 1), in: html)!]))
        }
    }
    let call = try NSRegularExpression(pattern: #"\bt\('([a-zA-Z.\-]+)'"#)
    for match in call.matches(in: script, range: NSRange(script.startIndex..., in: script)) {
        let key = String(script[Range(match.range(at: 1), in: script)!])
        // `t('guidance.' + code)`: a prefix, completed by the code lists below.
        if !key.hasSuffix(".") { keys.insert(key) }
    }
    for code in GuidanceCode.allCases { keys.insert("guidance." + code.rawValue) }
    for prompt in ChallengePrompt.allCases { keys.insert("challenge." + prompt.rawValue) }
    for code in VisitProblem.allCodes + ["connection"] { keys.insert("problem." + code) }
    for code in PhotoAdvice.ownCodes { keys.insert("advice." + code) }
    // Every check id of the compliance report has its reason (`check.<id>`); `check.other` for new ones.
    for id in ["other"] + CheckID.allCases.map(\.rawValue) { keys.insert("check." + id) }
    for reason in CaseIDRules.Rejection.allCases.map(\.code) { keys.insert("caseNumber.refused." + reason) }
    return keys
}

/// Keys `used` that `catalogue` lacks or leaves empty.
func missingKeys(_ catalogue: [String: String], used: Set<String>) -> [String] {
    used.filter { (catalogue[$0] ?? "").trimmingCharacters(in: .whitespaces).isEmpty }.sorted()
}

func placeholders(_ text: String) -> Set<String> {
    let regex = try! NSRegularExpression(pattern: #"\{[a-z]+\}"#)
    return Set(regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).map { String(text[Range($0.range, in: text)!]) })
}

/// WCAG 2 contrast ratio of two #rrggbb colours.
func contrast(_ a: String, _ b: String) -> Double {
    func luminance(_ hex: String) -> Double {
        let value = Int(hex.dropFirst(), radix: 16)!
        func linear(_ shift: Int) -> Double {
            let channel = Double((value >> shift) & 255) / 255
            return channel <= 0.03928 ? channel / 12.92 : pow((channel + 0.055) / 1.055, 2.4)
        }
        let red: Double = 0.2126 * linear(16)
        let green: Double = 0.7152 * linear(8)
        let blue: Double = 0.0722 * linear(0)
        return red + green + blue
    }
    let (x, y) = (luminance(a), luminance(b))
    return (max(x, y) + 0.05) / (min(x, y) + 0.05)
}

@Suite("Kiosk UI files")
struct UITests {
    @Test(arguments: Language.allCases)
    func catalogueHasEveryString(language: Language) throws {
        let used = try keysTheUIUses()
        let strings = try catalogue(language.rawValue)
        #expect(missingKeys(strings, used: used) == [], "missing in \(language.rawValue).json")
        let reference = try catalogue("en")
        #expect(Set(strings.keys) == Set(reference.keys), "\(language.rawValue).json and en.json differ in keys: \(Set(strings.keys).symmetricDifference(reference.keys).sorted())")
        for (key, text) in reference {
            #expect(placeholders(strings[key] ?? "") == placeholders(text), "\(language.rawValue): \(key) placeholders")
        }
    }

    @Test func aMissingStringIsCaught() throws {
        var strings = try catalogue("de")
        strings.removeValue(forKey: "review.retake")
        strings["timeout.continue"] = " "
        #expect(missingKeys(strings, used: try keysTheUIUses()) == ["review.retake", "timeout.continue"])
    }

    @Test func paletteMeetsWCAGAA() throws {
        let css = try String(contentsOfFile: uiDirectory + "/style.css", encoding: .utf8)
        var colours: [String: String] = ["white": "#ffffff"]
        let regex = try NSRegularExpression(pattern: #"--([a-z-]+):\s*(#[0-9a-fA-F]{6})"#)
        for match in regex.matches(in: css, range: NSRange(css.startIndex..., in: css)) {
            colours[String(css[Range(match.range(at: 1), in: css)!])] = String(css[Range(match.range(at: 2), in: css)!])
        }
        let pairs = [("ink", "paper"), ("muted", "paper"), ("white", "primary"), ("white", "primary-pressed"), ("primary", "paper"),
                     ("problem-ink", "problem-bg"), ("info-ink", "info-bg"), ("good-ink", "paper"), ("line", "paper"),
                     ("warning-ink", "warning-bg"), ("white", "danger")]
        for (foreground, background) in pairs {
            let ratio = contrast(try #require(colours[foreground]), try #require(colours[background]))
            // Text 4.5:1 (AA); borders and focus marks 3:1 (AA for non-text).
            #expect(ratio >= (foreground == "line" ? 3 : 4.5), "\(foreground) on \(background): \(ratio)")
        }
    }

    @Test func touchTargetsAndLabels() throws {
        let css = try String(contentsOfFile: uiDirectory + "/style.css", encoding: .utf8)
        let regex = try NSRegularExpression(pattern: #"min-height:\s*(\d+)px"#)
        let heights = regex.matches(in: css, range: NSRange(css.startIndex..., in: css)).map { Int(css[Range($0.range(at: 1), in: css)!])! }
        #expect(!heights.isEmpty && heights.allSatisfy { $0 >= 48 }, "touch targets: \(heights)")
        let html = try String(contentsOfFile: uiDirectory + "/index.html", encoding: .utf8)
        // Every image, canvas and dialog has a text alternative or a label.
        for tag in ["<img ", "<canvas ", "role=\"alertdialog\""] {
            for piece in html.components(separatedBy: tag).dropFirst() {
                let element = piece.prefix { $0 != ">" }
                #expect(element.contains("data-i18n-alt") || element.contains("data-i18n-label") || element.contains("aria-labelledby"), "\(tag)\(element)")
            }
        }
        // Only this server: no absolute URLs to anywhere in the UI.
        let script = try String(contentsOfFile: uiDirectory + "/app.js", encoding: .utf8)
        for text in [html, script, css] { #expect(!text.contains("http://") && !text.contains("https://") && !text.contains("//cdn")) }
    }
}

/// The snapshot carries typed advice; its JSON is the codes the catalogues translate (`guidance.<code>`,
/// `advice.<code>`), as before it was typed (issue 18).
@Test func snapshotAdviceEncodesAsItsCode() throws {
    let advice: [PhotoAdvice] = [.guidance(.tooNear), .remedy(.clearBackground), .remedy(.uncoverFace), .remedy(.askStaff)]
    let text = String(decoding: try JSONEncoder().encode(advice), as: UTF8.self)
    #expect(text == #"["too-near","clear-background","uncover-face","ask-staff"]"#)
    #expect(String(decoding: try JSONEncoder().encode([GuidanceCode.lookStraight]), as: UTF8.self) == #"["look-straight"]"#)
}
