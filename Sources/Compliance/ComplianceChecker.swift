import FaceAnalysis
import Imaging
import Configuration

/// How open each eye is: the widest middle lid gap ÷ the eye's width (open ≈ 0.3–0.4; below 0.2 the upper lid
/// covers the pupil's centre). `imageLeft` is the person's right eye.
public struct EyeOpenness: Sendable, Equatable {
    public var imageLeft: Double
    public var imageRight: Double

    public init(imageLeft: Double, imageRight: Double) {
        self.imageLeft = imageLeft
        self.imageRight = imageRight
    }

    /// The less open eye: a wink or one closed eye must fail.
    public var lessOpen: Double { min(imageLeft, imageRight) }
}

/// A face as the checks see it: its landmarks and, when the face model ran, how open eyes and mouth are.
public struct ObservedFace: Sendable, Equatable {
    public var geometry: FaceGeometry
    /// Each eye's openness; nil when not measured.
    public var eyes: EyeOpenness?
    /// Whether the iris model read the eyes (its eye contour gives the lids). A photo whose eyes it could not
    /// read is "not measured" for `eyesOpen`, never a pass; the live guidance uses the mesh's lids regardless.
    public var eyesReadByIrisModel: Bool
    /// Inner-lip gap ÷ mouth width (closed ≈ 0–0.03).
    public var mouthOpenness: Double?
    /// The face model's 468 points, when it ran (nil for hand-given landmarks): what `faceOcclusion` samples around.
    public var mesh: [MeshPoint]?
    /// Every palm the hand models found in the photo (`FaceAnalyzer.palms`), confirmed or not; nil when they did not run
    /// (hand-given landmarks, preview frames): `handAtFace` then cannot be judged.
    public var palms: [PalmDetection]?

    /// The less open eye's openness.
    public var eyeOpenness: Double? { eyes?.lessOpen }

    /// `eyeOpenness` stands for both eyes.
    public init(geometry: FaceGeometry, eyeOpenness: Double? = nil, mouthOpenness: Double? = nil) {
        self.init(geometry: geometry, eyes: eyeOpenness.map { EyeOpenness(imageLeft: $0, imageRight: $0) }, mouthOpenness: mouthOpenness)
    }

    public init(geometry: FaceGeometry, eyes: EyeOpenness?, eyesReadByIrisModel: Bool = true, mouthOpenness: Double? = nil,
                mesh: [MeshPoint]? = nil, palms: [PalmDetection]? = nil) {
        self.geometry = geometry
        self.eyes = eyes
        self.eyesReadByIrisModel = eyesReadByIrisModel
        self.mouthOpenness = mouthOpenness
        self.mesh = mesh
        self.palms = palms
    }
}

/// The limits of the quality checks (the geometry limits are the profile's). Defaults and their
/// sources are in docs/compliance.md; a station may set them in its config.
public struct QualityThresholds: Sendable, Equatable {
    /// Each eye: the upper lid must not cover the pupil's centre (iris radius ≈ 0.20 of the eye's width).
    public var minimumEyeOpenness = 0.20
    public var maximumMouthOpenness = 0.12
    /// Under-eye ÷ cheek light, each eye: below it a lens of sunglass category 2 or darker covers the eye (ISO 12312-1:
    /// T ≤ 0.43, light through it twice ≤ 0.185).
    public var minimumUnderEyeLight = EyesVisibleFinding.minimumRatio
    /// Per eye, the largest share of its surroundings darker than a quarter of the skin's light (`OcclusionFinding`).
    public var maximumHiddenEyeFraction = OcclusionFinding.maximumHiddenFraction
    /// How far (inter-eye distances) a confirmed hand's nearest point must stay from the face oval (`HandFinding`).
    public var minimumHandClearance = HandFinding.maximumDistance
    /// Wall texture (mean luma step between neighbouring wall pixels at 256 px width), and the largest
    /// fraction of the background covered by objects (neither wall nor person).
    public var maximumBackgroundTexture = 2.5
    public var maximumBackgroundObjects = 0.03
    /// TR-03121: neutral grey between #A1A1A1 and #E1E1E1; channels within this many levels of each other.
    public var backgroundLuma: ClosedRange<Double> = 161...225
    public var maximumBackgroundCast = 12.0
    /// ICAO: darkest of four face regions ≥ 50 % of the brightest.
    public var minimumIlluminationRatio = 0.5
    /// Near-clipped colourless skin (specular reflection), in inter-eye distances squared: 0.01 IED² is a patch
    /// about 6 mm across on an adult face (`LightFindings`).
    public var maximumHotSpotArea = 0.01
    /// Near-clipped area around an eye above twice the largest corneal catchlight: glare of glasses (`LightFindings`).
    public var maximumEyeGlareArea = LightFindings.maximumEyeGlareArea
    /// A pupil's linear red ÷ green when it is brighter in red than its iris: the retina's red reflex.
    public var maximumRedReflex = LightFindings.redReflexRatio
    /// Wall next to the head ÷ wall further out, on the darker side: below this a shadow falls on it.
    public var minimumBackgroundShadowRatio = 0.8
    /// Face mean luma, and at most this fraction of face pixels clipped to black or white.
    public var faceLuma: ClosedRange<Double> = 70...210
    public var maximumClippedFraction = 0.05
    /// A background median at or above this is burnt out (the wall was light grey, not white).
    public var burntBackgroundLuma = 250.0
    /// Face luma p1–p99 in levels (TR-03121 "grey-level density": enough tonal range on the face).
    public var minimumDynamicRange = 60.0
    /// Laplacian standard deviation at a 64 px eye distance.
    public var minimumSharpness = 4.0
    /// Skin chroma box (BT.601 Cb/Cr), which holds every skin tone under neutral light.
    public var skinCb: ClosedRange<Double> = 77...127
    public var skinCr: ClosedRange<Double> = 133...173

    public init() {}

    /// The defaults with a station's `[checks]` overrides applied (the config has already refused values out
    /// of each name's range). Every `ThresholdName` is handled here: no `default`, so a new one cannot be ignored.
    public init(overrides: [ThresholdName: Double]) {
        self.init()
        for (name, value) in overrides {
            switch name {
            case .minimumEyeOpenness: minimumEyeOpenness = value
            case .maximumMouthOpenness: maximumMouthOpenness = value
            case .maximumBackgroundTexture: maximumBackgroundTexture = value
            case .maximumBackgroundObjects: maximumBackgroundObjects = value
            case .minimumBackgroundLuma: backgroundLuma = min(value, backgroundLuma.upperBound)...backgroundLuma.upperBound
            case .maximumBackgroundLuma: backgroundLuma = backgroundLuma.lowerBound...max(value, backgroundLuma.lowerBound)
            case .maximumBackgroundCast: maximumBackgroundCast = value
            case .minimumIlluminationRatio: minimumIlluminationRatio = value
            case .minimumFaceLuma: faceLuma = min(value, faceLuma.upperBound)...faceLuma.upperBound
            case .maximumFaceLuma: faceLuma = faceLuma.lowerBound...max(value, faceLuma.lowerBound)
            case .maximumClippedFraction: maximumClippedFraction = value
            case .minimumDynamicRange: minimumDynamicRange = value
            case .minimumSharpness: minimumSharpness = value
            case .minimumUnderEyeLight: minimumUnderEyeLight = value
            case .maximumEyeGlareArea: maximumEyeGlareArea = value
            case .maximumHotSpotArea: maximumHotSpotArea = value
            case .maximumRedReflex: maximumRedReflex = value
            case .minimumBackgroundShadowRatio: minimumBackgroundShadowRatio = value
            case .maximumHiddenEyeFraction: maximumHiddenEyeFraction = value
            case .minimumHandClearance: minimumHandClearance = value
            }
        }
    }
}

/// Runs every ICAO/BSI check on an image and the faces found in it.
///
/// Geometry is measured on the whole image given: on an uncropped frame the geometry checks tell how
/// the crop would have to move; on a processed photo they must all pass.
public struct ComplianceChecker: Sendable {
    public var profile: PhotoProfile
    public var thresholds: QualityThresholds
    /// Whether `image` is meant to be the finished photo (size and colour space are then checked).
    public var isFinishedPhoto: Bool

    public init(profile: PhotoProfile, thresholds: QualityThresholds = QualityThresholds(), isFinishedPhoto: Bool = true) {
        self.profile = profile
        self.thresholds = thresholds
        self.isFinishedPhoto = isFinishedPhoto
    }

    /// Judges `image` and its faces. `source` is how the file the image was decoded from stored its colours
    /// (`JPEG.decodeWithHeader`); nil for an image the station rendered itself (24-bit sRGB by construction),
    /// whose pixels are then the only evidence.
    public func check(_ image: RGBImage, faces: [ObservedFace], source: JPEGColourEncoding? = nil) -> ComplianceReport {
        let colour = ColourEvidence(image: image, source: source)
        var checks: [CheckResult] = []
        checks.append(result(.singleFacePresent, Double(faces.count), "= 1", faces.count == 1, mandatory: true,
                             faces.isEmpty ? Advice(de: "Kein Gesicht erkannt. Bitte schauen Sie in die Kamera.", en: "No face found. Please look into the camera.")
                                : Advice(de: "Bitte nur eine Person vor der Kamera.", en: "Only one person in front of the camera, please.")))
        // The geometry and quality of the most prominent face (the largest), even when there are several.
        // Landmarks that are not numbers (a damaged model's output) are measured as no face at all.
        guard let face = faces.filter({ $0.geometry.hasMeasurableLandmarks })
                .max(by: { $0.geometry.interEyeDistance < $1.geometry.interEyeDistance }) else {
            return ComplianceReport(checks: checks + imageChecks(image, colour: colour))
        }
        let g = face.geometry
        let W = Double(image.width), H = Double(image.height)
        let m = g.eyeMidpoint
        let headWidth = g.headWidth ?? CropPlanner.estimatedHeadWidthPerInterEyeDistance * g.interEyeDistance
        checks.append(result(.interEyeDistance, g.interEyeDistance, "≥ \(format(profile.minimumInterEyeDistance))",
                             g.interEyeDistance >= profile.minimumInterEyeDistance, mandatory: true,
                             Advice(de: "Bitte näher an die Kamera kommen.", en: "Please come closer to the camera.")))
        // Head width is a rule only when the face model measured it; an estimate from the eye distance
        // is reported as advice, never as the reason to refuse a photo.
        var widthCheck = ratio(.headWidthRatio, headWidth / W, profile.headWidthRatio,
                               tooSmall: Advice(de: "Bitte näher an die Kamera kommen.", en: "Please come closer to the camera."),
                               tooLarge: Advice(de: "Bitte etwas weiter weg von der Kamera.", en: "Please move a little further from the camera."))
        if g.headWidth == nil { widthCheck.mandatory = false }
        checks.append(widthCheck)
        checks.append(ratio(.headHeightRatio, g.headHeight / H, profile.headHeightRatio,
                            tooSmall: Advice(de: "Bitte näher an die Kamera kommen.", en: "Please come closer to the camera."),
                            tooLarge: Advice(de: "Bitte etwas weiter weg von der Kamera.", en: "Please move a little further from the camera.")))
        checks.append(ratio(.eyeLinePosition, m.y / H, profile.eyeLinePosition,
                            tooSmall: Advice(de: "Bitte etwas tiefer – der Kopf ist zu weit oben im Bild.", en: "Please go a little lower: your head is too high in the picture."),
                            tooLarge: Advice(de: "Bitte etwas höher – der Kopf ist zu weit unten im Bild.", en: "Please go a little higher: your head is too low in the picture.")))
        checks.append(ratio(.horizontalCentring, m.x / W, profile.horizontalCentring,
                            // Left in the picture is the person's right (see GuidanceCode): they move to their left.
                            tooSmall: GuidanceCode.moveLeft.advice, tooLarge: GuidanceCode.moveRight.advice))
        // TR-03121-3 vol. 2 table 5.3 and ICAO limit roll to ±8°, yaw and pitch to ±5°, and forbid correcting yaw
        // and pitch afterwards. Yaw is mandatory: the rigid fit to the canonical face measures it to about a degree
        // (photo vs mirror image 1.2° RMS; 33 of 34 frontal FRLL portraits within ±5°). Pitch stays optional: the
        // same fit reads facial proportions as pitch (SD 4.4° over frontal portraits, 11 of 34 beyond ±5°;
        // docs/face-analysis.md, "Head pose"), so refusing on it would refuse a third of frontal faces.
        checks.append(angle(.headRoll, g.rollDegrees, profile.maximumRoll, mandatory: true,
                            Advice(de: "Bitte den Kopf gerade halten, nicht zur Seite neigen.", en: "Please hold your head straight, do not tilt it.")))
        checks.append(angle(.headYaw, g.yaw, profile.maximumYaw, mandatory: true,
                            Advice(de: "Bitte direkt in die Kamera schauen, den Kopf nicht drehen.", en: "Please look straight into the camera; do not turn your head.")))
        checks.append(angle(.headPitch, g.pitch, profile.maximumPitch, mandatory: false,
                            Advice(de: "Bitte das Kinn weder heben noch senken.", en: "Please neither raise nor lower your chin.")))
        checks.append(eyesOpen(face))
        checks.append(eyesVisible(image, g))
        checks.append(faceOcclusion(image, face))
        checks.append(handAtFace(face))
        checks.append(measured(.mouthClosed, face.mouthOpenness, "≤ \(format(thresholds.maximumMouthOpenness))", mandatory: true,
                               { $0 <= thresholds.maximumMouthOpenness },
                               Advice(de: "Bitte den Mund schließen.", en: "Please close your mouth.")))

        let reduced = QualityMeasures.reducedCopy(image)
        let q = QualityMeasures.measure(image, face: g, reduced: reduced)
        let t = thresholds
        checks.append(result(.backgroundUniformity, q.backgroundObjects,
                             "objects ≤ \(format(t.maximumBackgroundObjects)) of the background, wall texture ≤ \(format(t.maximumBackgroundTexture))",
                             q.backgroundObjects <= t.maximumBackgroundObjects && q.backgroundTexture <= t.maximumBackgroundTexture,
                             mandatory: true,
                             Advice(de: "Der Hintergrund ist nicht einfarbig. Bitte Personal informieren.", en: "The background is not plain. Please inform the staff.")))
        let cast = max(q.backgroundRed, q.backgroundGreen, q.backgroundBlue) - min(q.backgroundRed, q.backgroundGreen, q.backgroundBlue)
        let backgroundLimit = "\(format(t.backgroundLuma.lowerBound))–\(format(t.backgroundLuma.upperBound)) neutral (R, G, B within \(format(t.maximumBackgroundCast)))"
        // Colours can only be judged in sRGB with colour present: a grey or CMYK source is "cannot judge".
        if let problem = colour.problem {
            checks.append(cannotJudge(.backgroundColour, backgroundLimit, mandatory: true, because: problem))
        } else {
            checks.append(result(.backgroundColour, q.backgroundLuma, backgroundLimit,
                                 t.backgroundLuma.contains(q.backgroundLuma) && cast <= t.maximumBackgroundCast, mandatory: true,
                                 Advice(de: "Der Hintergrund ist nicht hellgrau. Bitte Personal informieren.", en: "The background is not light grey. Please inform the staff.")))
        }
        checks.append(result(.illuminationUniformity, q.illuminationRatio, "≥ \(format(t.minimumIlluminationRatio))",
                             q.illuminationRatio >= t.minimumIlluminationRatio, mandatory: false,
                             Advice(de: "Das Gesicht ist ungleichmäßig beleuchtet. Bitte mittig vor die Kamera stellen.", en: "Your face is unevenly lit. Please stand centred in front of the camera.")))
        checks += lightChecks(LightFindings.measure(image, face: g, reduced: reduced), colour: colour)
        // Over-exposure shows on the face (clipped skin) or, for dark skin, first on the light background,
        // which then burns out to white.
        let clipped = max(q.faceOverExposed, q.faceUnderExposed)
        let backgroundBurnt = q.backgroundLuma >= t.burntBackgroundLuma
        checks.append(result(.exposure, q.faceLuma,
                             "face luma \(format(t.faceLuma.lowerBound))–\(format(t.faceLuma.upperBound)), clipped ≤ \(format(t.maximumClippedFraction)), background < \(format(t.burntBackgroundLuma))",
                             t.faceLuma.contains(q.faceLuma) && clipped <= t.maximumClippedFraction && !backgroundBurnt, mandatory: true,
                             q.faceLuma > t.faceLuma.upperBound || q.faceOverExposed > t.maximumClippedFraction || backgroundBurnt
                                ? Advice(de: "Das Bild ist überbelichtet. Bitte Personal informieren.", en: "The picture is overexposed. Please inform the staff.")
                                : Advice(de: "Das Bild ist zu dunkel. Bitte Personal informieren.", en: "The picture is too dark. Please inform the staff.")))
        checks.append(result(.dynamicRange, q.faceDynamicRange, "≥ \(format(t.minimumDynamicRange))",
                             q.faceDynamicRange >= t.minimumDynamicRange, mandatory: true,
                             Advice(de: "Das Bild ist zu kontrastarm. Bitte Personal informieren.", en: "The picture has too little contrast. Please inform the staff.")))
        checks.append(result(.sharpness, q.sharpness, "≥ \(format(t.minimumSharpness))", q.sharpness >= t.minimumSharpness, mandatory: true,
                             Advice(de: "Das Bild ist unscharf. Bitte still halten.", en: "The picture is blurred. Please hold still.")))
        let natural = t.skinCb.contains(q.faceCb) && t.skinCr.contains(q.faceCr)
        let naturalLimit = "0 (Cb \(format(t.skinCb.lowerBound))–\(format(t.skinCb.upperBound)), Cr \(format(t.skinCr.lowerBound))–\(format(t.skinCr.upperBound)))"
        if let problem = colour.problem {
            checks.append(cannotJudge(.naturalColour, naturalLimit, mandatory: false, because: problem))
        } else {
            checks.append(result(.naturalColour, colourCastDistance(q), naturalLimit, natural, mandatory: false,
                                 Advice(de: "Die Hautfarbe wirkt unnatürlich. Bitte Personal informieren.", en: "Skin colour looks unnatural. Please inform the staff.")))
        }
        return ComplianceReport(checks: checks + imageChecks(image, colour: colour))
    }

    /// Both eyes open, each judged on its own; the advice names the eye that is closed (the person's own right
    /// or left). Eyes the iris model could not read are "not measured": a fail, never a pass by default.
    private func eyesOpen(_ face: ObservedFace) -> CheckResult {
        let limit = "each eye ≥ \(format(thresholds.minimumEyeOpenness))"
        guard let eyes = face.eyes, eyes.imageLeft.isFinite, eyes.imageRight.isFinite else {
            return measured(.eyesOpen, nil, limit, mandatory: true, { _ in false }, .none)
        }
        guard face.eyesReadByIrisModel else {
            return CheckResult(id: .eyesOpen, value: nil, limit: limit, pass: false, mandatory: true,
                               advice: Advice(de: "Nicht beurteilbar: die Augen waren nicht zu erkennen.", en: "Cannot judge: the eyes could not be read."))
        }
        let rightClosed = eyes.imageLeft < thresholds.minimumEyeOpenness, leftClosed = eyes.imageRight < thresholds.minimumEyeOpenness
        let code: GuidanceCode = rightClosed && leftClosed ? .openEyes : (rightClosed ? .openRightEye : .openLeftEye)
        return result(.eyesOpen, eyes.lessOpen, limit, !rightClosed && !leftClosed, mandatory: true, code.advice)
    }

    /// Hot spots, red eyes, shadows on the background (issue 14): optional, as TR-03121 lists only exposure, focus,
    /// colour space, grey-level density and geometry as mandatory. A finding that cannot be measured fails as
    /// "cannot judge".
    private func lightChecks(_ light: LightFindings, colour: ColourEvidence) -> [CheckResult] {
        let t = thresholds
        var checks: [CheckResult] = []
        let hotLimit = "near-clipped skin ≤ \(format(t.maximumHotSpotArea)) IED²"
        if let area = light.hotSpotArea {
            checks.append(result(.hotSpots, area, hotLimit, area <= t.maximumHotSpotArea, mandatory: false,
                                 Advice(de: "Helle Lichtreflexe auf der Haut. Bitte das Gesicht abtupfen oder Personal informieren.",
                                        en: "Bright reflections of light on the skin. Please dab your face or inform the staff.")))
        } else {
            checks.append(cannotJudge(.hotSpots, hotLimit, mandatory: false,
                                      because: Advice(de: "zu wenig Haut im Bild.", en: "too little skin in the picture.")))
        }
        let glareLimit = "near-clipped area within 0.3 IED of each pupil ≤ \(format(t.maximumEyeGlareArea)) IED²"
        if let glare = light.eyeGlareArea {
            checks.append(result(.eyeGlare, glare, glareLimit, glare <= t.maximumEyeGlareArea, mandatory: false,
                                 Advice(de: "Lichtreflexe auf der Brille verdecken die Augen. Bitte die Brille abnehmen oder den Kopf leicht neigen.",
                                        en: "Reflections on your glasses cover your eyes. Please take off your glasses or tilt your head slightly.")))
        } else {
            checks.append(cannotJudge(.eyeGlare, glareLimit, mandatory: false,
                                      because: Advice(de: "die Augen sind nicht ganz im Bild.", en: "the eyes are not wholly in the picture.")))
        }
        let redLimit = "each pupil: red ÷ green (linear) < \(format(t.maximumRedReflex)) or no brighter in red than the iris"
        if let problem = colour.problem {
            checks.append(cannotJudge(.redEyes, redLimit, mandatory: false, because: problem))
        } else if let left = light.redReflex.imageLeft, let right = light.redReflex.imageRight {
            let worst = max(left, right)
            checks.append(result(.redEyes, worst, redLimit, worst < t.maximumRedReflex, mandatory: false,
                                 Advice(de: "Die Augen wirken rot (Blitzreflexion). Bitte Personal informieren.",
                                        en: "The eyes look red (flash reflection). Please inform the staff.")))
        } else {
            checks.append(cannotJudge(.redEyes, redLimit, mandatory: false,
                                      because: Advice(de: "die Pupillen sind zu klein oder nicht im Bild.", en: "the pupils are too small or not in the picture.")))
        }
        let shadowLimit = "wall next to the head ÷ wall further out (darker side, linear) ≥ \(format(t.minimumBackgroundShadowRatio))"
        if let ratio = light.backgroundShadowRatio {
            checks.append(result(.backgroundShadows, ratio, shadowLimit, ratio >= t.minimumBackgroundShadowRatio, mandatory: false,
                                 Advice(de: "Ein Schatten fällt auf den Hintergrund. Bitte Personal informieren.",
                                        en: "A shadow falls on the background. Please inform the staff.")))
        } else {
            checks.append(cannotJudge(.backgroundShadows, shadowLimit, mandatory: false,
                                      because: Advice(de: "zu wenig Hintergrund neben dem Kopf.", en: "too little background beside the head.")))
        }
        return checks
    }

    /// No tinted lenses over the eyes (issue 14). Mandatory by our choice, as `eyesOpen`: an unattended station must not
    /// accept sunglasses; the limit is the lens physics (`EyesVisibleFinding`), and no real face of the data comes near it.
    private func eyesVisible(_ image: RGBImage, _ g: FaceGeometry) -> CheckResult {
        let limit = "each eye: under-eye ÷ cheek light (linear) ≥ \(format(thresholds.minimumUnderEyeLight))"
        let ratios = EyesVisibleFinding.measure(image, face: g)
        guard let left = ratios.imageLeft, let right = ratios.imageRight else {
            return cannotJudge(.eyesVisible, limit, mandatory: true,
                               because: Advice(de: "Augen und Wangen sind nicht ganz im Bild.", en: "the eyes and cheeks are not wholly in the picture."))
        }
        let worst = min(left, right)
        return result(.eyesVisible, worst, limit, worst >= thresholds.minimumUnderEyeLight, mandatory: true,
                      Advice(de: "Die Augen sind verdeckt (Sonnenbrille oder getönte Brille?). Bitte abnehmen.",
                             en: "Your eyes are covered (sunglasses or tinted glasses?). Please take them off."))
    }

    /// Hair or a dark object over an eye (issue 14): optional, as ISO/IEC 29794-5 lists face occlusion among the quality
    /// measures and TR-03121 does not make it mandatory; the limit is ICAO's light (`OcclusionFinding`). Without the face
    /// model's mesh, or with an eye outside the picture, it cannot be judged (a fail, never a pass by default).
    private func faceOcclusion(_ image: RGBImage, _ face: ObservedFace) -> CheckResult {
        let limit = "each eye: share of its surroundings darker than \(format(OcclusionFinding.darkLevel)) of the skin's light ≤ \(format(thresholds.maximumHiddenEyeFraction))"
        let hidden = face.mesh.map { OcclusionFinding.measure(image, mesh: $0, interEyeDistance: face.geometry.interEyeDistance) }
        guard let left = hidden?.imageLeft, let right = hidden?.imageRight else {
            return cannotJudge(.faceOcclusion, limit, mandatory: false,
                               because: Advice(de: "die Umgebung der Augen ist nicht ganz im Bild oder nicht vermessen.",
                                               en: "the surroundings of the eyes are not wholly in the picture or not measured."))
        }
        let worst = max(left, right)
        return result(.faceOcclusion, worst, limit, worst <= thresholds.maximumHiddenEyeFraction, mandatory: false,
                      Advice(de: "Haare oder etwas anderes verdecken ein Auge. Bitte die Augen frei machen.",
                             en: "Hair or something else covers an eye. Please keep your eyes uncovered."))
    }

    /// A hand on the face or its outline (issue 14): mandatory, as ICAO 9303-3 and TR-03121 want the face fully visible
    /// and nothing in front of it; both scores are MediaPipe's defaults, the distance half a finger's breadth
    /// (`HandFinding`), and no FRLL portrait is refused by it (docs/compliance.md). The value is the number of hands at
    /// the face. Without the hand models' result or the face's mesh it cannot be judged (a fail, never a pass by default).
    private func handAtFace(_ face: ObservedFace) -> CheckResult {
        let limit = "= 0 hands (palm and hand presence ≥ 0.5) within \(format(thresholds.minimumHandClearance)) IED of the face oval"
        guard let palms = face.palms, let mesh = face.mesh, let outline = HandFinding.faceOutline(mesh) else {
            return cannotJudge(.handAtFace, limit, mandatory: true,
                               because: Advice(de: "Hände oder Gesichtsumriss nicht vermessen.", en: "hands or face outline not measured."))
        }
        let atFace = HandFinding.measure(palms: palms, faceOutline: outline, interEyeDistance: face.geometry.interEyeDistance)
            .filter { $0.distanceToFace <= thresholds.minimumHandClearance }
        return result(.handAtFace, Double(atFace.count), limit, atFace.isEmpty, mandatory: true,
                      Advice(de: "Eine Hand ist am Gesicht. Bitte die Hände vom Gesicht nehmen.",
                             en: "A hand is at your face. Please take your hands away from your face."))
    }

    /// Levels by which the face's mean chroma lies outside the skin box (0 inside).
    private func colourCastDistance(_ q: QualityMeasures) -> Double {
        func outside(_ v: Double, _ r: ClosedRange<Double>) -> Double { v < r.lowerBound ? r.lowerBound - v : max(0, v - r.upperBound) }
        let dx = outside(q.faceCb, thresholds.skinCb), dy = outside(q.faceCr, thresholds.skinCr)
        return (dx * dx + dy * dy).squareRoot()
    }

    /// Size (finished photos only) and colour space (always: it is a property of the source as well).
    private func imageChecks(_ image: RGBImage, colour: ColourEvidence) -> [CheckResult] {
        var checks: [CheckResult] = []
        if isFinishedPhoto {
            let sizeOK = image.width == profile.width && image.height == profile.height
            checks.append(CheckResult(id: .imageSize, value: Double(image.width * image.height), limit: "exactly \(profile.width)×\(profile.height)",
                                      pass: sizeOK, mandatory: true,
                                      advice: sizeOK ? .none : Advice(de: "Falsche Bildgröße (\(image.width)×\(image.height)).", en: "Wrong image size (\(image.width)×\(image.height)).")))
        }
        // TR-03121: 24-bit sRGB. The source's encoding (grey, CMYK/YCCK, a profile that is not sRGB; 12- and
        // 16-bit files are refused by the decoder) and the pixels themselves (a grey picture saved as colour
        // has no colour at all) must both say so.
        let limit = "24-bit sRGB, colour present (≥ \(format(ColourEvidence.minimumColouredFraction)) of pixels with channels > \(ColourEvidence.neutralSpread) levels apart)"
        if let problem = colour.problem {
            checks.append(CheckResult(id: .colourSpace, value: colour.colouredFraction, limit: limit, pass: false, mandatory: true,
                                      advice: Advice(de: "Das Bild ist kein 24-Bit-sRGB-Farbbild (\(problem.de)). Bitte Personal informieren.",
                                                     en: "The picture is not a 24-bit sRGB colour image (\(problem.en)). Please inform the staff.")))
        } else {
            checks.append(result(.colourSpace, colour.colouredFraction, limit, true, mandatory: true, .none))
        }
        return checks
    }

    /// A check that cannot be judged on this image: a fail (never a pass by default), saying why.
    private func cannotJudge(_ id: CheckID, _ limit: String, mandatory: Bool, because reason: Advice) -> CheckResult {
        CheckResult(id: id, value: nil, limit: limit, pass: false, mandatory: mandatory,
                    advice: Advice(de: "Nicht beurteilbar: \(reason.de)", en: "Cannot judge: \(reason.en)"))
    }

    private func result(_ id: CheckID, _ value: Double?, _ limit: String, _ pass: Bool, mandatory: Bool, _ advice: Advice) -> CheckResult {
        CheckResult(id: id, value: value.map(rounded), limit: limit, pass: pass, mandatory: mandatory, advice: pass ? .none : advice)
    }

    private func ratio(_ id: CheckID, _ value: Double, _ range: ClosedRange<Double>, tooSmall: Advice, tooLarge: Advice) -> CheckResult {
        let pass = range.contains(value)
        return result(id, value, "\(format(range.lowerBound))–\(format(range.upperBound))", pass, mandatory: true,
                      value < range.lowerBound ? tooSmall : tooLarge)
    }

    private func angle(_ id: CheckID, _ degrees: Double?, _ limit: Double, mandatory: Bool, _ advice: Advice) -> CheckResult {
        measured(id, degrees, "|°| ≤ \(format(limit))", mandatory: mandatory, { abs($0) <= limit }, advice)
    }

    /// A check whose value may be missing (the face model did not run): then it fails, saying so,
    /// because a photo is only compliant when every mandatory rule was seen to hold.
    private func measured(_ id: CheckID, _ value: Double?, _ limit: String, mandatory: Bool,
                          _ passes: (Double) -> Bool, _ advice: Advice) -> CheckResult {
        guard let value, value.isFinite else {
            return CheckResult(id: id, value: nil, limit: limit, pass: false, mandatory: mandatory,
                               advice: Advice(de: "Nicht gemessen (kein Gesichtsmodell).", en: "Not measured (no face model)."))
        }
        return result(id, value, limit, passes(value), mandatory: mandatory, advice)
    }

    private func rounded(_ value: Double) -> Double { value.isFinite ? (value * 1000).rounded() / 1000 : 0 }
}

/// "0.5", "300", "0.45": short and exact enough for limits.
func format(_ value: Double) -> String {
    if value == value.rounded(), abs(value) < 1e9 { return String(Int(value)) }
    return String((value * 1000).rounded() / 1000)
}

extension ObservedFace {
    /// What the checks need of a face the model found: its geometry (with the skull-top crown, the
    /// measured head width and pose), the less open eye, and the mouth.
    public init(_ face: DetectedFace) { self.init(face, palms: nil) }

    /// `palms`: what `FaceAnalyzer.palms` found in the same image (nil when it did not run).
    public init(_ face: DetectedFace, palms: [PalmDetection]?) {
        self.init(geometry: face.geometry, eyes: EyeOpenness(imageLeft: face.eyeOpenness.imageLeft, imageRight: face.eyeOpenness.imageRight),
                  eyesReadByIrisModel: face.eyeContourFromIrisModel, mouthOpenness: face.mouthOpenness, mesh: face.landmarks, palms: palms)
    }
}

extension FaceAnalyzer {
    /// The faces of a photo as the checks see them: the face chain, then the hand models once on the whole image
    /// (only when there is a face to judge). For stills; the preview uses `analyze` alone.
    public func observe(_ image: RGBImage) -> [ObservedFace] {
        let faces = analyze(image)
        guard !faces.isEmpty else { return [] }
        let found = palms(image)
        return faces.map { ObservedFace($0, palms: found) }
    }
}

extension FaceGeometry {
    /// Every point a finite number within a sane range, and the eyes apart: what the measures can work with.
    public var hasMeasurableLandmarks: Bool {
        let values = [imageLeftEye.x, imageLeftEye.y, imageRightEye.x, imageRightEye.y, chin.x, chin.y, crown.x, crown.y]
            + [headWidth ?? 0, yaw ?? 0, pitch ?? 0]
        return values.allSatisfy { $0.isFinite && abs($0) < 1e6 } && interEyeDistance >= 2 && headHeight >= 2
    }
}
