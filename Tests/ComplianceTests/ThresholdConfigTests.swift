import Compliance
import Configuration
import Testing

/// The config's [checks] ranges and the checker's defaults are one fact: the lenient end of every range is
/// the default, so a station can make a check stricter but never switch it off (issue 14).
@Suite struct ThresholdConfigTests {
    @Test func theLenientEndOfEveryConfigRangeIsTheDefault() {
        for (name, range) in StationConfig.checkThresholdNames {
            let lenient = name.hasPrefix("minimum-") ? range.lowerBound : range.upperBound
            let strict = name.hasPrefix("minimum-") ? range.upperBound : range.lowerBound
            #expect(QualityThresholds(overrides: [name: lenient]) == QualityThresholds(), "\(name): \(lenient) is not the default")
            #expect(QualityThresholds(overrides: [name: strict]) != QualityThresholds(), "\(name) is not read by QualityThresholds")
        }
    }
}
