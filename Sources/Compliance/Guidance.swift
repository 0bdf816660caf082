import FaceAnalysis
import Imaging

/// What the screen asks of the citizen during the live view (TR-03121 self-service profile: too near /
/// too far, left / right, high / low, moving, not frontal, eyes closed, mouth open, several faces).
///
/// Directions are the citizen's own: the camera sees them mirror-wise, so a face near the picture's left
/// edge belongs to someone standing too far to their right, who is asked to move left.
public enum GuidanceCode: String, Sendable, Equatable, CaseIterable, Codable {
    case noFace
    case onlyOnePerson
    case tooNear
    case tooFar
    case moveLeft
    case moveRight
    case higher
    case lower
    case lookStraight
    case openEyes
    case closeMouth
    /// Movement between frames, or everything right: the capture is about to start.
    case holdStill

    public var advice: Advice {
        switch self {
        case .noFace: Advice(de: "Bitte stellen Sie sich vor die Kamera.", en: "Please stand in front of the camera.")
        case .onlyOnePerson: Advice(de: "Bitte nur eine Person vor der Kamera.", en: "Only one person, please.")
        case .tooNear: Advice(de: "Bitte einen Schritt zurück.", en: "Please step back a little.")
        case .tooFar: Advice(de: "Bitte näher kommen.", en: "Please come closer.")
        case .moveLeft: Advice(de: "Bitte etwas nach links.", en: "Please move a little to your left.")
        case .moveRight: Advice(de: "Bitte etwas nach rechts.", en: "Please move a little to your right.")
        case .higher: Advice(de: "Bitte etwas höher – aufrichten oder den Sitz höher stellen.", en: "Please come a little higher: stand up straight or raise the seat.")
        case .lower: Advice(de: "Bitte etwas tiefer – den Sitz tiefer stellen.", en: "Please come a little lower: lower the seat.")
        case .lookStraight: Advice(de: "Bitte gerade in die Kamera schauen.", en: "Please look straight into the camera.")
        case .openEyes: Advice(de: "Bitte die Augen öffnen.", en: "Please open your eyes.")
        case .closeMouth: Advice(de: "Bitte den Mund schließen.", en: "Please close your mouth.")
        case .holdStill: Advice(de: "Bitte stillhalten.", en: "Please hold still.")
        }
    }
}

/// One preview frame's guidance, before debouncing.
public struct GuidanceEvaluation: Sendable, Equatable {
    public var code: GuidanceCode
    /// Everything holds: the burst may start.
    public var ready: Bool
}

/// Tells, from one preview frame's faces, the single most important thing to change.
public struct GuidanceEvaluator: Sendable {
    public var profile: PhotoProfile
    public var thresholds: QualityThresholds
    /// Face-centre movement between consecutive frames, as a fraction of the eye distance, above which
    /// the citizen is asked to hold still.
    public var maximumMovement = 0.08
    /// Pitch the guidance tolerates before asking to look straight: the pose fit reads a face's own
    /// proportions as up to ±11° of pitch on frontal faces (docs/face-analysis.md, "Head pose"), so asking at
    /// the 5° limit would hold some citizens at "look straight" for ever; a real nod shows well beyond this.
    /// Yaw is asked for from the profile's 5° on (a mandatory check, measured to about a degree).
    public var guidancePitchLimit = 12.5

    public init(profile: PhotoProfile, thresholds: QualityThresholds = QualityThresholds()) {
        self.profile = profile
        self.thresholds = thresholds
    }

    /// `faces` are in the pixels of the frame the photo will be cut from (a preview frame's landmarks
    /// scaled up to the still's size); `previous` is the face of the frame before, for movement.
    public func evaluate(faces: [ObservedFace], frameWidth: Int, frameHeight: Int,
                         previous: ObservedFace? = nil) -> GuidanceEvaluation {
        guard let face = faces.first else { return GuidanceEvaluation(code: .noFace, ready: false) }
        guard faces.count == 1 else { return GuidanceEvaluation(code: .onlyOnePerson, ready: false) }
        let g = face.geometry
        do {
            _ = try CropPlanner.plan(face: g, frameWidth: frameWidth, frameHeight: frameHeight, profile: profile)
        } catch {
            return GuidanceEvaluation(code: Self.code(for: error), ready: false)
        }
        if abs(g.rollDegrees) > profile.maximumRoll || abs(g.yaw ?? 0) > profile.maximumYaw || abs(g.pitch ?? 0) > guidancePitchLimit {
            return GuidanceEvaluation(code: .lookStraight, ready: false)
        }
        if let eyes = face.eyeOpenness, eyes < thresholds.minimumEyeOpenness { return GuidanceEvaluation(code: .openEyes, ready: false) }
        if let mouth = face.mouthOpenness, mouth > thresholds.maximumMouthOpenness { return GuidanceEvaluation(code: .closeMouth, ready: false) }
        if let previous {
            let moved = g.eyeMidpoint.distance(to: previous.geometry.eyeMidpoint) / max(g.interEyeDistance, 1)
            if moved > maximumMovement { return GuidanceEvaluation(code: .holdStill, ready: false) }
        }
        return GuidanceEvaluation(code: .holdStill, ready: true)
    }

    /// The crop planner's refusal as something the citizen can do.
    public static func code(for refusal: CropRefusal) -> GuidanceCode {
        switch refusal {
        case .faceTooSmall, .headTooSmall: return .tooFar
        case .tooCloseToCamera: return .tooNear
        // The picture's left edge is the citizen's right (see GuidanceCode).
        case .tooCloseToEdge(.left): return .moveLeft
        case .tooCloseToEdge(.right): return .moveRight
        // Crop above the frame: the head is too high in the picture.
        case .tooCloseToEdge(.top): return .lower
        case .tooCloseToEdge(.bottom): return .higher
        case .implausibleLandmarks: return .lookStraight
        }
    }
}

/// Keeps the message on the screen calm: a new code replaces the shown one only after it was seen in
/// `confirmationFrames` consecutive frames, and a shown message stays at least `minimumDisplayMilliseconds`.
public struct GuidanceDebouncer: Sendable {
    public var confirmationFrames: Int
    public var minimumDisplayMilliseconds: Double
    public private(set) var shown: GuidanceCode?
    private var shownSince = 0.0
    private var candidate: GuidanceCode?
    private var candidateCount = 0

    public init(confirmationFrames: Int = 3, minimumDisplayMilliseconds: Double = 1200) {
        self.confirmationFrames = confirmationFrames
        self.minimumDisplayMilliseconds = minimumDisplayMilliseconds
    }

    /// Feeds one frame's code at time `milliseconds`; returns the code to show.
    public mutating func update(_ code: GuidanceCode, at milliseconds: Double) -> GuidanceCode {
        guard let current = shown else {
            shown = code
            shownSince = milliseconds
            return code
        }
        if code == current {
            candidate = nil
            candidateCount = 0
            return current
        }
        if code == candidate { candidateCount += 1 } else { candidate = code; candidateCount = 1 }
        if candidateCount >= confirmationFrames, milliseconds - shownSince >= minimumDisplayMilliseconds {
            shown = code
            shownSince = milliseconds
            candidate = nil
            candidateCount = 0
        }
        return shown!
    }
}

/// TR-03121's rule for a burst: the frame with the most mandatory checks passed, then the most
/// optional ones, then the most recent.
public enum BestFrameSelector {
    /// The index of the best report in capture order (later = more recent); nil for an empty burst.
    public static func choose(_ reports: [ComplianceReport]) -> Int? {
        guard !reports.isEmpty else { return nil }
        var best = 0
        for i in reports.indices.dropFirst() {
            let r = reports[i], b = reports[best]
            if (r.mandatoryPassed, r.optionalPassed) >= (b.mandatoryPassed, b.optionalPassed) { best = i }
        }
        return best
    }
}
