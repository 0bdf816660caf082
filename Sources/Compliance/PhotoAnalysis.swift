import FaceAnalysis
import Imaging
import Platform

/// What `fotoboxctl analyze --json` prints: the image, how its file stored the colours, every face found with
/// its landmarks, pose, openness and light findings, and the checks of the most prominent face.
/// Figures are rounded to what they can tell (a pixel's tenth, a degree's hundredth).
public struct PhotoAnalysis: Encodable, Sendable {
    struct Size: Encodable { var width: Int; var height: Int }
    /// How the file stored its colours: model, bits per sample, ICC profile (null when none).
    struct Encoding: Encodable {
        var model: JPEGColourEncoding.Model
        var bitsPerSample: Int
        var iccProfile: ICCProfileKind?
        private enum CodingKeys: String, CodingKey { case model, bitsPerSample, iccProfile }
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(model, forKey: .model); try c.encode(bitsPerSample, forKey: .bitsPerSample)
            try c.encode(iccProfile, forKey: .iccProfile)
        }
    }
    struct Pupils: Encodable { var imageLeft: [Double]; var imageRight: [Double] }
    struct Corners: Encodable { var imageLeftOuter, imageLeftInner, imageRightInner, imageRightOuter: [Double] }
    struct Pose: Encodable { var yaw, pitch, roll: Double }
    /// The rigid fit of the canonical face: its angles and residual (RMS ÷ inter-eye distance); null when it failed.
    struct PoseFit: Encodable { var yaw, pitch, roll, residual: Double }
    /// Each eye's openness (widest middle lid gap ÷ eye width); `imageLeft` is the person's right eye.
    /// `readByIrisModel` false: the iris model could not read the eyes, so eyesOpen cannot be judged.
    struct Eyes: Encodable { var imageLeft, imageRight: Double; var readByIrisModel: Bool }
    /// Issue 14's light findings for this face (null where it cannot be judged): near-clipped skin in IED², each eye's
    /// under-eye ÷ cheek light,
    /// pupil's red reflex (red ÷ green, linear; 0 for a dark pupil), wall next to the head ÷ further out.
    struct Light: Encodable {
        var hotSpotArea: Double?
        /// Near-clipped area around the worse eye (glare of glasses), IED².
        var eyeGlareArea: Double?
        /// Each eye's under-eye ÷ cheek light (linear); tinted lenses make it ≤ 0.185 (eyesVisible).
        var underEyeLight: EyePair
        var redReflex: EyePair
        var backgroundShadowRatio: Double?
        struct EyePair: Encodable {
            var imageLeft, imageRight: Double?
            private enum CodingKeys: String, CodingKey { case imageLeft, imageRight }
            func encode(to encoder: any Encoder) throws {
                var c = encoder.container(keyedBy: CodingKeys.self)
                try c.encode(imageLeft, forKey: .imageLeft); try c.encode(imageRight, forKey: .imageRight)
            }
        }
        private enum CodingKeys: String, CodingKey { case hotSpotArea, eyeGlareArea, underEyeLight, redReflex, backgroundShadowRatio }
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(hotSpotArea, forKey: .hotSpotArea); try c.encode(redReflex, forKey: .redReflex)
            try c.encode(underEyeLight, forKey: .underEyeLight); try c.encode(eyeGlareArea, forKey: .eyeGlareArea)
            try c.encode(backgroundShadowRatio, forKey: .backgroundShadowRatio)
        }
    }
    /// Measured and reported, judged by no check (they overlap on real data; docs/compliance.md): the forehead band's skin
    /// fraction (a head covering or a fringe lowers it) and the teeth / dark-cavity fractions inside the outer lips.
    struct Reported: Encodable {
        var foreheadSkinFraction: Double?
        var mouthTeethFraction: Double?
        var mouthCavityFraction: Double?
        private enum CodingKeys: String, CodingKey { case foreheadSkinFraction, mouthTeethFraction, mouthCavityFraction }
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(foreheadSkinFraction, forKey: .foreheadSkinFraction)
            try c.encode(mouthTeethFraction, forKey: .mouthTeethFraction); try c.encode(mouthCavityFraction, forKey: .mouthCavityFraction)
        }
    }
    /// A palm the palm detector found (score ≥ 0.5), the hand landmark model's presence on it (null when it did not run),
    /// whether both confirm a hand, and the hand's nearest point's distance from this face's oval in inter-eye
    /// distances, negative inside (null for an unconfirmed palm or a face without a mesh); `handAtFace` refuses
    /// confirmed hands within 0.15.
    struct Hand: Encodable {
        var score: Double
        var presence: Double?
        var isHand: Bool
        var distanceToFace: Double?
        var palmBox: [Double]
        private enum CodingKeys: String, CodingKey { case score, presence, isHand, distanceToFace, palmBox }
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(score, forKey: .score); try c.encode(presence, forKey: .presence); try c.encode(isHand, forKey: .isHand)
            try c.encode(distanceToFace, forKey: .distanceToFace); try c.encode(palmBox, forKey: .palmBox)
        }
    }
    struct Face: Encodable {
        var score: Double
        var box: [Double]
        var pupils: Pupils
        var eyeCorners: Corners
        var chin: [Double]
        var crown: [Double]
        var pose: Pose
        var poseFit: PoseFit?
        var eyeOpenness: Eyes
        /// Inner-lip gap ÷ mouth width.
        var mouthOpenness: Double
        var light: Light
        /// Each eye's share of its surroundings darker than a quarter of the skin's light (hair or an object over the
        /// eye; `faceOcclusion` refuses above 0.5); null where it cannot be judged.
        var hiddenEye: Light.EyePair
        /// Every palm in the photo, judged against this face (`handAtFace`).
        var hands: [Hand]
        var reported: Reported

        private enum CodingKeys: String, CodingKey { case score, box, pupils, eyeCorners, chin, crown, pose, poseFit, eyeOpenness, mouthOpenness, light, hiddenEye, hands, reported }

        /// Writes `"poseFit": null` when the fit failed ("cannot judge"), rather than leaving the key out.
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(score, forKey: .score); try c.encode(box, forKey: .box); try c.encode(pupils, forKey: .pupils)
            try c.encode(eyeCorners, forKey: .eyeCorners); try c.encode(chin, forKey: .chin); try c.encode(crown, forKey: .crown)
            try c.encode(pose, forKey: .pose); try c.encode(poseFit, forKey: .poseFit)
            try c.encode(eyeOpenness, forKey: .eyeOpenness); try c.encode(mouthOpenness, forKey: .mouthOpenness)
            try c.encode(light, forKey: .light); try c.encode(hiddenEye, forKey: .hiddenEye)
            try c.encode(hands, forKey: .hands); try c.encode(reported, forKey: .reported)
        }
    }
    var image: Size
    var colourEncoding: Encoding
    var faces: [Face]
    var checks: [CheckResult]
    var compliant: Bool

    /// The analysis of `image` (stored as `encoding`) with the `faces` the chain found, the `palms` the hand models found,
    /// and the report the checks gave.
    public init(image: RGBImage, encoding: JPEGColourEncoding, faces: [DetectedFace], palms: [PalmDetection] = [], report: ComplianceReport) {
        func point(_ p: Point) -> [Double] { [p.x.rounded(decimals: 1), p.y.rounded(decimals: 1)] }
        self.image = Size(width: image.width, height: image.height)
        colourEncoding = Encoding(model: encoding.model, bitsPerSample: encoding.bitsPerSample, iccProfile: encoding.iccProfile)
        self.faces = faces.map { face in
            Face(score: face.score.rounded(decimals: 4),
                 box: [face.box.x, face.box.y, face.box.width, face.box.height].map { $0.rounded(decimals: 1) },
                 pupils: Pupils(imageLeft: point(face.pupils.imageLeft), imageRight: point(face.pupils.imageRight)),
                 eyeCorners: Corners(imageLeftOuter: point(face.eyeCorners.imageLeftOuter), imageLeftInner: point(face.eyeCorners.imageLeftInner),
                                     imageRightInner: point(face.eyeCorners.imageRightInner), imageRightOuter: point(face.eyeCorners.imageRightOuter)),
                 chin: point(face.chin), crown: point(face.crown.skullTop),
                 pose: Pose(yaw: face.pose.yaw.rounded(decimals: 2), pitch: face.pose.pitch.rounded(decimals: 2), roll: face.pose.roll.rounded(decimals: 2)),
                 poseFit: face.poseFit.map { PoseFit(yaw: $0.yaw.rounded(decimals: 2), pitch: $0.pitch.rounded(decimals: 2), roll: $0.roll.rounded(decimals: 2),
                                                     residual: $0.residual.rounded(decimals: 4)) },
                 eyeOpenness: Eyes(imageLeft: face.eyeOpenness.imageLeft.rounded(decimals: 3), imageRight: face.eyeOpenness.imageRight.rounded(decimals: 3),
                                   readByIrisModel: face.eyeContourFromIrisModel),
                 mouthOpenness: face.mouthOpenness.rounded(decimals: 3),
                 light: Self.light(LightFindings.measure(image, face: face.geometry), underEye: EyesVisibleFinding.measure(image, face: face.geometry)),
                 hiddenEye: Self.hiddenEye(OcclusionFinding.measure(image, mesh: face.landmarks, interEyeDistance: face.geometry.interEyeDistance)),
                 hands: Self.hands(palms, face),
                 reported: Self.reported(image, face))
        }
        checks = report.checks
        compliant = report.compliant
    }
}

extension PhotoAnalysis {
    static func reported(_ image: RGBImage, _ face: DetectedFace) -> Reported {
        let mouth = MouthInterior.measure(image, face)
        return Reported(foreheadSkinFraction: CoveringFindings.foreheadSkinFraction(image, face: face.geometry).map { $0.rounded(decimals: 3) },
                        mouthTeethFraction: mouth.map { $0.teeth.rounded(decimals: 3) }, mouthCavityFraction: mouth.map { $0.cavity.rounded(decimals: 3) })
    }

    static func hands(_ palms: [PalmDetection], _ face: DetectedFace) -> [Hand] {
        let outline = HandFinding.faceOutline(face.landmarks)
        return palms.map { palm in
            let distance = outline.flatMap { HandFinding.measure(palms: [palm], faceOutline: $0, interEyeDistance: face.geometry.interEyeDistance).first }
            return Hand(score: palm.score.rounded(decimals: 3), presence: palm.handPresence.map { $0.rounded(decimals: 3) }, isHand: palm.isHand,
                        distanceToFace: distance.map { $0.distanceToFace.rounded(decimals: 3) },
                        palmBox: [palm.box.x, palm.box.y, palm.box.width, palm.box.height].map { $0.rounded(decimals: 1) })
        }
    }

    static func hiddenEye(_ hidden: (imageLeft: Double?, imageRight: Double?)) -> Light.EyePair {
        .init(imageLeft: hidden.imageLeft.map { $0.rounded(decimals: 3) }, imageRight: hidden.imageRight.map { $0.rounded(decimals: 3) })
    }

    static func light(_ findings: LightFindings, underEye: (imageLeft: Double?, imageRight: Double?)) -> Light {
        Light(hotSpotArea: findings.hotSpotArea.map { $0.rounded(decimals: 4) }, eyeGlareArea: findings.eyeGlareArea.map { $0.rounded(decimals: 4) },
              underEyeLight: .init(imageLeft: underEye.imageLeft.map { $0.rounded(decimals: 3) }, imageRight: underEye.imageRight.map { $0.rounded(decimals: 3) }),
              redReflex: .init(imageLeft: findings.redReflex.imageLeft.map { $0.rounded(decimals: 3) }, imageRight: findings.redReflex.imageRight.map { $0.rounded(decimals: 3) }),
              backgroundShadowRatio: findings.backgroundShadowRatio.map { $0.rounded(decimals: 3) })
    }
}
