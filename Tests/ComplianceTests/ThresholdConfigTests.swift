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

    /// `ThresholdName.check` names the check a threshold belongs to: set to its strict end, a threshold changes the
    /// limit of that check's result and of no other.
    @Test func eachThresholdBelongsToTheCheckWhoseLimitItChanges() {
        let (image, face) = LightFindingsTests.plainPortrait()
        let faces = [ObservedFace(geometry: face, eyeOpenness: 0.3, mouthOpenness: 0)]
        func limits(_ thresholds: QualityThresholds) -> [CheckID: String] {
            Dictionary(uniqueKeysWithValues: ComplianceChecker(profile: .scan, thresholds: thresholds).check(image, faces: faces).checks
                .map { ($0.id, $0.limit) })
        }
        let defaults = limits(QualityThresholds())
        for name in ThresholdName.allCases {
            let strict = limits(QualityThresholds(overrides: [name: name.strictEnd]))
            let changed = Set(strict.keys.filter { strict[$0] != defaults[$0] })
            #expect(changed == [name.check], "\(name) changed the limits of \(changed.map(\.rawValue).sorted())")
        }
    }
}
