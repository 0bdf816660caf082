/// A compliance threshold a station may set under `[checks]` (docs/configuration.md), with the range a value
/// must lie in. One definition: the config parser reads the names and ranges from here, and Compliance's
/// `QualityThresholds(overrides:)` switches over every case (no `default`), so a new threshold is a new case here.
///
/// A station may make a check stricter, never more lenient than the default: one end of each range is the
/// default of `QualityThresholds` (the standard's limit, or ours where the standard gives no figure;
/// docs/compliance.md), so `minimum-eye-openness = 0` is refused with its line number. A test keeps the two
/// in step (`ThresholdConfigTests`).
public enum ThresholdName: String, Sendable, Hashable, CaseIterable, Codable {
    case minimumEyeOpenness = "minimum-eye-openness"
    case maximumMouthOpenness = "maximum-mouth-openness"
    case maximumBackgroundTexture = "maximum-background-texture"
    case maximumBackgroundObjects = "maximum-background-objects"
    case minimumBackgroundLuma = "minimum-background-luma"
    case maximumBackgroundLuma = "maximum-background-luma"
    case maximumBackgroundCast = "maximum-background-cast"
    case minimumIlluminationRatio = "minimum-illumination-ratio"
    case minimumFaceLuma = "minimum-face-luma"
    case maximumFaceLuma = "maximum-face-luma"
    case maximumClippedFraction = "maximum-clipped-fraction"
    case minimumDynamicRange = "minimum-dynamic-range"
    case minimumSharpness = "minimum-sharpness"
    case minimumUnderEyeLight = "minimum-under-eye-light"
    case maximumEyeGlareArea = "maximum-eye-glare-area"
    case maximumHotSpotArea = "maximum-hot-spot-area"
    case maximumRedReflex = "maximum-red-reflex"
    case minimumBackgroundShadowRatio = "minimum-background-shadow-ratio"
    case maximumHiddenEyeFraction = "maximum-hidden-eye-fraction"
    case minimumHandClearance = "minimum-hand-clearance"

    /// The values a station may set: from the default (the lenient end) to the strictest meaningful value.
    public var allowedRange: ClosedRange<Double> {
        switch self {
        case .minimumEyeOpenness: 0.2...1
        case .maximumMouthOpenness: 0...0.12
        case .maximumBackgroundTexture: 0...2.5
        case .maximumBackgroundObjects: 0...0.03
        case .minimumBackgroundLuma: 161...255
        case .maximumBackgroundLuma: 0...225
        case .maximumBackgroundCast: 0...12
        case .minimumIlluminationRatio: 0.5...1
        case .minimumFaceLuma: 70...255
        case .maximumFaceLuma: 0...210
        case .maximumClippedFraction: 0...0.05
        case .minimumDynamicRange: 60...255
        case .minimumSharpness: 4...100
        case .minimumUnderEyeLight: 0.185...1
        case .maximumEyeGlareArea: 0...0.011
        case .maximumHotSpotArea: 0...0.01
        case .maximumRedReflex: 1...2
        case .minimumBackgroundShadowRatio: 0.8...1
        case .maximumHiddenEyeFraction: 0...0.5
        case .minimumHandClearance: 0.15...1
        }
    }

    /// The check whose limit this is (its result in the compliance report names the threshold's value).
    public var check: CheckID {
        switch self {
        case .minimumEyeOpenness: .eyesOpen
        case .maximumMouthOpenness: .mouthClosed
        case .maximumBackgroundTexture, .maximumBackgroundObjects: .backgroundUniformity
        case .minimumBackgroundLuma, .maximumBackgroundLuma, .maximumBackgroundCast: .backgroundColour
        case .minimumIlluminationRatio: .illuminationUniformity
        case .minimumFaceLuma, .maximumFaceLuma, .maximumClippedFraction: .exposure
        case .minimumDynamicRange: .dynamicRange
        case .minimumSharpness: .sharpness
        case .minimumUnderEyeLight: .eyesVisible
        case .maximumEyeGlareArea: .eyeGlare
        case .maximumHotSpotArea: .hotSpots
        case .maximumRedReflex: .redEyes
        case .minimumBackgroundShadowRatio: .backgroundShadows
        case .maximumHiddenEyeFraction: .faceOcclusion
        case .minimumHandClearance: .handAtFace
        }
    }

    /// A lower limit (a larger value is stricter) rather than an upper one.
    public var isMinimum: Bool { rawValue.hasPrefix("minimum-") }

    /// The end of the range that is the checker's default: a station cannot go beyond it.
    public var lenientEnd: Double { isMinimum ? allowedRange.lowerBound : allowedRange.upperBound }
    /// The other end: the strictest value a station may set.
    public var strictEnd: Double { isMinimum ? allowedRange.upperBound : allowedRange.lowerBound }
}
