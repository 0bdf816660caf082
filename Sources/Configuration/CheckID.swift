/// Every check of the compliance report, by the identifier the report, the kiosk's texts (`check.<id>`) and
/// docs/compliance.md use. One definition: a new check is a new case here.
///
/// Defined here, at the bottom of the graph, because every part that names checks depends on Configuration and
/// not on each other: Compliance runs them, the config's `[checks]` thresholds each belong to one
/// (`ThresholdName.check`), the visit core carries the failed ones to the review screen, and the submission
/// format and the office read them from a station's report (as `ReportedCheck`, so that a check only a newer
/// station knows is still counted).
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
    /// No tinted lenses over the eyes: the skin under each eye gets the light a lens would take (issue 14).
    case eyesVisible
    /// No glare of glasses over the eyes: a specular patch larger than any corneal catchlight (issue 14).
    case eyeGlare
    /// Hair or a dark object over an eye: its surroundings darker than lit skin can be (issue 14).
    case faceOcclusion
    /// A hand on the face or its outline: a hand MediaPipe's two hand models confirm, within half a finger's breadth of
    /// the face oval (issue 14).
    case handAtFace
    case mouthClosed
    case backgroundUniformity
    case backgroundColour
    /// Shadows the person casts on the wall beside the head (issue 14).
    case backgroundShadows
    case illuminationUniformity
    /// Specular reflections on the skin: near-clipped, colourless light on forehead, nose and cheeks (issue 14).
    case hotSpots
    /// The retina's red reflection in the pupils (issue 14).
    case redEyes
    case exposure
    case dynamicRange
    case sharpness
    case naturalColour
    case imageSize
    case colourSpace
}



/// A check id as a station reported it: one this version knows, or one only a newer station knows (counted by
/// its `label`, never dropped).
public typealias ReportedCheck = Reported<CheckID>
