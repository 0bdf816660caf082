import Compliance
import Configuration
import Testing

/// The config's [checks] ranges and the checker's defaults are one fact: the lenient end of every range is
/// the default, so a station can make a check stricter but never switch it off (issue 14).
@Suite struct ThresholdConfigTests {
    @Test func theLenientEndOfEveryConfigRangeIsTheDefault() {
        for name in ThresholdName.allCases {
            #expect(QualityThresholds(overrides: [name: name.lenientEnd]) == QualityThresholds(), "\(name): \(name.lenientEnd) is not the default")
            #expect(QualityThresholds(overrides: [name: name.strictEnd]) != QualityThresholds(), "\(name) is not read by QualityThresholds")
        }
    }
}
