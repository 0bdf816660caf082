import Compliance
import FaceAnalysis
import Imaging
import Configuration
import Testing

/// A face in a 1920×1080 preview frame (scan profile), upright, eyes `ied` apart at (cx, eyeY).
private func preview(cx: Double = 960, eyeY: Double = 480, ied: Double = 200, yaw: Double? = 0, pitch: Double? = 0, eyes: Double? = 0.3,
                     mouth: Double? = 0) -> ObservedFace {
    ObservedFace(geometry: FaceGeometry(imageLeftEye: Point(x: cx - ied / 2, y: eyeY), imageRightEye: Point(x: cx + ied / 2, y: eyeY),
                                        chin: Point(x: cx, y: eyeY + 1.6 * ied), crown: Point(x: cx, y: eyeY - 1.35 * ied),
                                        yaw: yaw, pitch: pitch),
                 eyeOpenness: eyes, mouthOpenness: mouth)
}

@Suite struct GuidanceTests {
    let evaluator = GuidanceEvaluator(profile: .scan)

    private func code(_ faces: [ObservedFace], previous: ObservedFace? = nil) -> GuidanceCode {
        evaluator.evaluate(faces: faces, frameWidth: 1920, frameHeight: 1080, previous: previous).code
    }

    @Test func everySituationHasItsCode() {
        #expect(code([]) == .noFace)
        #expect(code([preview(cx: 500), preview(cx: 1400)]) == .onlyOnePerson)
        #expect(code([preview(ied: 110)]) == .tooFar)
        #expect(code([preview(eyeY: 520, ied: 400)]) == .tooNear)
        #expect(code([preview(cx: 150)]) == .moveLeft)      // near the picture's left edge: the person's right
        #expect(code([preview(cx: 1780)]) == .moveRight)
        #expect(code([preview(eyeY: 250)]) == .lower)
        #expect(code([preview(eyeY: 800)]) == .higher)
        #expect(code([preview(yaw: 20)]) == .lookStraight)
        #expect(code([preview(yaw: 6)]) == .lookStraight)  // yaw is mandatory at ±5° and asked for from there
        #expect(code([preview(yaw: 4)]) == .holdStill)
        #expect(code([preview(pitch: 8)]) == .holdStill)  // pitch is optional: within the fit's anatomical spread, not nagged
        #expect(code([preview(pitch: 15)]) == .lookStraight)
        #expect(code([preview(eyes: 0.05)]) == .openEyes)
        // A wink: the guidance names the eye, the person's own (image-left is their right eye).
        func winking(_ eyes: EyeOpenness) -> ObservedFace { var face = preview(); face.eyes = eyes; return face }
        #expect(code([winking(EyeOpenness(imageLeft: 0.05, imageRight: 0.35))]) == .openRightEye)
        #expect(code([winking(EyeOpenness(imageLeft: 0.35, imageRight: 0.1))]) == .openLeftEye)
        #expect(code([winking(EyeOpenness(imageLeft: 0.1, imageRight: 0.1))]) == .openEyes)
        #expect(code([preview(mouth: 0.3)]) == .closeMouth)
        #expect(code([preview(cx: 1000)], previous: preview(cx: 960)) == .holdStill)
        let ready = evaluator.evaluate(faces: [preview()], frameWidth: 1920, frameHeight: 1080, previous: preview())
        #expect(ready.ready && ready.code == .holdStill)
    }

    @Test func theCheckerRefusesAWinkAndNamesTheEye() {
        let image = RGBImage(width: 1244, height: 1600)
        let geometry = FaceGeometry(imageLeftEye: Point(x: 522, y: 640), imageRightEye: Point(x: 722, y: 640),
                                    chin: Point(x: 622, y: 960), crown: Point(x: 622, y: 330), yaw: 0, pitch: 0)
        func eyesOpen(_ face: ObservedFace) -> CheckResult? { ComplianceChecker(profile: .live).check(image, faces: [face])[check: .eyesOpen] }
        let wink = eyesOpen(ObservedFace(geometry: geometry, eyes: EyeOpenness(imageLeft: 0.35, imageRight: 0.08)))
        #expect(wink?.pass == false && wink?.mandatory == true && wink?.value == 0.08)
        #expect(wink?.advice == GuidanceCode.openLeftEye.advice)
        #expect(eyesOpen(ObservedFace(geometry: geometry, eyes: EyeOpenness(imageLeft: 0.3, imageRight: 0.32)))?.pass == true)
        // Eyes the iris model could not read: cannot judge, never a pass.
        let unread = eyesOpen(ObservedFace(geometry: geometry, eyes: EyeOpenness(imageLeft: 0.3, imageRight: 0.3), eyesReadByIrisModel: false))
        #expect(unread?.pass == false && unread?.value == nil && unread?.advice.en.hasPrefix("Cannot judge") == true)
        #expect(eyesOpen(ObservedFace(geometry: geometry, eyes: nil))?.pass == false)
    }

    @Test func everyCodeHasBothLanguages() {
        for code in GuidanceCode.allCases { #expect(!code.advice.de.isEmpty && !code.advice.en.isEmpty) }
    }

    @Test func theMessageDoesNotFlicker() {
        var debouncer = GuidanceDebouncer(confirmationFrames: 3, minimumDisplayMilliseconds: 1000)
        #expect(debouncer.update(.tooFar, at: 0) == .tooFar)
        // Alternating codes never win.
        for (i, c) in [GuidanceCode.moveLeft, .tooFar, .moveLeft, .tooFar, .moveLeft].enumerated() {
            #expect(debouncer.update(c, at: 1100 + Double(i) * 66) == .tooFar)
        }
        // Three frames in a row, but too soon after the last change: still the old message.
        var debouncer2 = GuidanceDebouncer(confirmationFrames: 3, minimumDisplayMilliseconds: 1000)
        _ = debouncer2.update(.tooFar, at: 0)
        for t in [100.0, 166, 233] { #expect(debouncer2.update(.moveLeft, at: t) == .tooFar) }
        #expect(debouncer2.update(.moveLeft, at: 1001) == .moveLeft)
    }

    @Test func bestFrameIsMostMandatoryThenOptionalThenMostRecent() {
        func report(mandatoryFailing: Int, optionalFailing: Int) -> ComplianceReport {
            ComplianceReport(checks: (0..<5).map { i in
                CheckResult(id: CheckID.allCases[i], value: 0, limit: "", pass: i >= mandatoryFailing, mandatory: true, advice: .none)
            } + (0..<3).map { i in
                CheckResult(id: CheckID.allCases[CheckID.allCases.count - 1 - i], value: 0, limit: "", pass: i >= optionalFailing, mandatory: false, advice: .none)
            })
        }
        #expect(BestFrameSelector.choose([]) == nil)
        #expect(BestFrameSelector.choose([report(mandatoryFailing: 0, optionalFailing: 2), report(mandatoryFailing: 1, optionalFailing: 0)]) == 0)
        #expect(BestFrameSelector.choose([report(mandatoryFailing: 0, optionalFailing: 2), report(mandatoryFailing: 0, optionalFailing: 1)]) == 1)
        #expect(BestFrameSelector.choose([report(mandatoryFailing: 0, optionalFailing: 1), report(mandatoryFailing: 0, optionalFailing: 1),
                                          report(mandatoryFailing: 2, optionalFailing: 0)]) == 1)
    }
}

@Test func stationOverridesReachTheThresholds() {
    let thresholds = QualityThresholds(overrides: [.minimumSharpness: 7, .maximumBackgroundLuma: 230, .minimumFaceLuma: 80])
    #expect(thresholds.minimumSharpness == 7)
    #expect(thresholds.backgroundLuma == 161...230)
    #expect(thresholds.faceLuma == 80...210)
    #expect(QualityThresholds(overrides: [:]) == QualityThresholds())
}

@Test func landmarksThatAreNotNumbersAreNoFaceNotACrash() {
    let image = RGBImage(width: 64, height: 80)
    for bad in [Double.nan, .infinity, 1e300] {
        let face = ObservedFace(geometry: FaceGeometry(imageLeftEye: Point(x: bad, y: 10), imageRightEye: Point(x: 40, y: 10),
                                                       chin: Point(x: 30, y: 60), crown: Point(x: 30, y: 0)))
        let report = ComplianceChecker(profile: .scan).check(image, faces: [face])
        #expect(!report.compliant)
    }
    // Degenerate but finite: all points equal, a 1×1 image.
    let point = ObservedFace(geometry: FaceGeometry(imageLeftEye: Point(x: 0, y: 0), imageRightEye: Point(x: 0, y: 0),
                                                    chin: Point(x: 0, y: 0), crown: Point(x: 0, y: 0)))
    #expect(!ComplianceChecker(profile: .scan).check(RGBImage(width: 1, height: 1), faces: [point]).compliant)
}

@Test func tinyImagesAndFacesAtTheBorderAreMeasuredWithoutACrash() {
    for (width, height) in [(2, 2), (4, 4), (9, 7), (30, 40)] {
        let image = RGBImage(width: width, height: height)
        let w = Double(width), h = Double(height)
        for face in [
            FaceGeometry(imageLeftEye: Point(x: 0.2 * w, y: 0.3 * h), imageRightEye: Point(x: 0.8 * w, y: 0.3 * h),
                         chin: Point(x: 0.5 * w, y: h), crown: Point(x: 0.5 * w, y: 0)),
            // Beyond the image on every side.
            FaceGeometry(imageLeftEye: Point(x: -3 * w, y: -2 * h), imageRightEye: Point(x: 4 * w, y: -2 * h),
                         chin: Point(x: 0.5 * w, y: 5 * h), crown: Point(x: 0.5 * w, y: -9 * h), headWidth: 20 * w),
        ] {
            let report = ComplianceChecker(profile: .scan).check(image, faces: [ObservedFace(geometry: face, eyeOpenness: 0.3, mouthOpenness: 0)])
            #expect(!report.compliant)
            _ = GuidanceEvaluator(profile: .scan).evaluate(faces: [ObservedFace(geometry: face)], frameWidth: width, frameHeight: height)
        }
    }
}

/// "Good" means the head fills the oval the screen shows, not merely that a crop is possible.
@Suite struct GuidanceOvalTests {
    let evaluator = GuidanceEvaluator(profile: .scan)

    private func code(_ face: ObservedFace) -> GuidanceCode {
        evaluator.evaluate(faces: [face], frameWidth: 1920, frameHeight: 1080).code
    }

    @Test func aHeadInsideTheCropButOutsideTheOvalIsGuided() {
        // The crop could be cut from each of these; the head is still visibly off the oval.
        #expect(code(preview(cx: 700)) == .moveLeft)
        #expect(code(preview(cx: 1220)) == .moveRight)
        #expect(code(preview(eyeY: 300)) == .lower)
        #expect(code(preview(eyeY: 620, ied: 170)) == .higher)
        #expect(code(preview(ied: 120)) == .tooFar)
        #expect(code(preview()) == .holdStill)
    }

    @Test func aTiltedHeadIsToldToStraighten() {
        let tilted = ObservedFace(geometry: FaceGeometry(imageLeftEye: Point(x: 860, y: 450), imageRightEye: Point(x: 1060, y: 510),
                                                         chin: Point(x: 935, y: 800), crown: Point(x: 985, y: 210), yaw: 0, pitch: 0),
                                  eyeOpenness: 0.3, mouthOpenness: 0)
        #expect(code(tilted) == .straightenHead)
    }

    @Test func theOvalsWidthFollowsTheFrameShape() {
        let oval = GuidanceOval()
        #expect(abs(oval.width(frameWidth: 1000, frameHeight: 1000) - oval.height * oval.aspect) < 1e-9)
        #expect(oval.width(frameWidth: 1920, frameHeight: 1080) < oval.width(frameWidth: 1080, frameHeight: 1920))
    }
}
