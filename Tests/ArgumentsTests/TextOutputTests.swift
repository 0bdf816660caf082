import Arguments
import Platform
import Testing

/// The text helpers every tool prints with (Platform's TextTable and Double.text, Arguments' print(lines:)).
@Suite struct TextOutputTests {
    @Test func tablesPadEveryColumnButTheLast() {
        #expect(TextTable.aligned([["ID", "STATE", "NOTE"], ["12", "pending", "-"], ["3", "erased", "a longer note"]]) == [
            "ID  STATE    NOTE",
            "12  pending  -",
            "3   erased   a longer note",
        ])
        // Rows of different lengths: a short row's last cell is not padded either.
        #expect(TextTable.aligned([["visit", "welcome"], ["x"]]) == ["visit  welcome", "x"])
        #expect(TextTable.aligned([]) == [])
    }

    @Test func decimalsAreFixedAndLocaleFree() {
        #expect(0.5.text(decimals: 2) == "0.50")
        #expect((-12.34).text(decimals: 1) == "-12.3")
        #expect((-0.0004).text(decimals: 3) == "0.000")
        #expect(1234.5.text(decimals: 0) == "1235")
        #expect(0.075.text(decimals: 3) == "0.075")
        #expect(Double.nan.text(decimals: 2) == "nan")
        #expect(3.14159.rounded(decimals: 2) == 3.14)
        #expect(Double.infinity.rounded(decimals: 2) == 0)
    }

    @Test func linesArePrintedEachOnItsOwnLine() {
        var output = CommandOutput()
        output.print(lines: ["a", "b"])
        output.print(lines: [])
        #expect(output.standardOutput == "a\nb\n")
    }
}
