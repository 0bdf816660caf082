/// Every check of the compliance report, by the identifier the report, the kiosk's texts (`check.<id>`) and
/// docs/compliance.md use. One definition: a new check is a new case here.
public enum CheckID: String, Sendable, Equatable, Hashable, CaseIterable, Codable {
    case singleFacePresent
    case interEyeDistance
    case headWidthRatio
    case headHeightRatio
    case eyeLinePosition
    case horizontalCentring
    case headRoll
    case headYaw
    case headPitch
    case eyesOpen
    case mouthClosed
    case backgroundUniformity
    case backgroundColour
    case illuminationUniformity
    case exposure
    case dynamicRange
    case sharpness
    case naturalColour
    case imageSize
    case colourSpace
}

extension ComplianceReport {
    /// The result of one check, if it ran.
    public subscript(check check: CheckID) -> CheckResult? { self[check.rawValue] }
}
