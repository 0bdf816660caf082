// The step of a citizen's visit, defined here below the visit core (which drives it) because the station's status
// on the wire (`StationStatus`, `GET /api/v1/status`) carries it to `fotoboxctl status`, which links no visit
// core. One definition: each step's name exists only here; the kiosk's UI uses the same raw values.

/// The steps of one citizen's visit, in order. `welcome` is also the state between visits.
public enum VisitStep: String, Sendable, Hashable, CaseIterable, Codable {
    case welcome
    case caseNumber = "case-number"
    case consent
    case guidance
    /// The liveness challenge (issue 13): the face held good, the citizen is asked for a small movement.
    case challenge
    case capture
    case review
    /// Signing sends: the screen shows the case number and the photo's state beside the pad's mirror.
    case signature
    /// Only after the outbox could not store the submission: send again, or ask the staff.
    case summary
    case queued
    case receipt
    /// The presentation was not taken for a live person twice (enforce mode): the visit's data is wiped and
    /// the citizen is asked, kindly, to come back during opening hours or to ask the staff.
    case comeBackLater = "come-back-later"
}
