import FotoboxTestSupport
import FaceAnalysis
import Imaging
import Testing

/// Pose, openness and naming conventions, checked by transforming real portraits whose answer is known.
@Suite(.serialized, .needsModels, .needsTestData("faces/frll"), .needsTestData("frames")) struct FaceMeasureTests {
    static let portrait = "faces/frll/001_03.jpg"

    func load() throws -> (FaceAnalyzer, RGBImage) {
        (try FaceAnalyzer(modelDirectory: try TestData.models()), try TestData.image(TestData.path(Self.portrait)))
    }

    /// Turning the photo by 12° (clockwise as displayed) turns the roll by 12° and leaves yaw and pitch.
    @Test func rollFollowsARotatedPhoto() throws {
        let (analyzer, image) = try load()
        let original = try #require(analyzer.analyze(image).first)
        let centre = (x: Double(image.width) / 2, y: Double(image.height) / 2)
        let turn = AffineTransform.translation(x: -centre.x, y: -centre.y).followed(by: .rotation(degrees: 12))
            .followed(by: .translation(x: centre.x, y: centre.y))
        let rotated = AffineWarp.warp(image, transform: turn, width: image.width, height: image.height,
                                      fill: AffineWarp.Fill(r: 200, g: 200, b: 200))
        let turned = try #require(analyzer.analyze(rotated).first)
        print("roll \(original.pose.roll) → \(turned.pose.roll); yaw \(original.pose.yaw) → \(turned.pose.yaw); pitch \(original.pose.pitch) → \(turned.pose.pitch)")
        #expect(abs(turned.pose.roll - original.pose.roll - 12) < 1)
        #expect(abs(turned.pose.yaw - original.pose.yaw) < 2)
        #expect(abs(turned.pose.pitch - original.pose.pitch) < 2)
        // The pupils move with the picture.
        let expected = turn.apply(to: (original.pupils.imageLeft.x, original.pupils.imageLeft.y))
        #expect(turned.pupils.imageLeft.distance(to: Point(x: expected.x, y: expected.y)) < 0.03 * original.geometry.interEyeDistance)
    }

    /// In a mirrored photo, "image-left" is still the smaller x, the yaw changes sign and the roll too.
    @Test func aMirroredPhotoMirrorsTheMeasures() throws {
        let (analyzer, image) = try load()
        let original = try #require(analyzer.analyze(image).first)
        let flip = AffineTransform(a: -1, b: 0, tx: Double(image.width), c: 0, d: 1, ty: 0)
        let mirrored = try #require(analyzer.analyze(AffineWarp.warp(image, transform: flip, width: image.width, height: image.height)).first)
        #expect(mirrored.pupils.imageLeft.x < mirrored.pupils.imageRight.x)
        #expect(mirrored.eyeCorners.imageLeftOuter.x < mirrored.eyeCorners.imageLeftInner.x)
        #expect(mirrored.eyeCorners.imageRightInner.x < mirrored.eyeCorners.imageRightOuter.x)
        let w = Double(image.width)
        #expect(abs((w - mirrored.pupils.imageRight.x) - original.pupils.imageLeft.x) < 3)
        #expect(abs(mirrored.pose.yaw + original.pose.yaw) < 1.5)
        #expect(abs(mirrored.pose.roll + original.pose.roll) < 1)
        #expect(abs(mirrored.pose.pitch - original.pose.pitch) < 1.5)
    }

    /// Neutral portraits: eyes open, mouth closed, head upright; the chin below the mouth below the nose below
    /// the eyes; the crown above the eyes, the hair at or above the skull; the geometry accessor carries the
    /// same points.
    @Test func neutralPortraitsLookNeutral() throws {
        let models = try TestData.models(), folder = TestData.path("faces/frll")
        let analyzer = try FaceAnalyzer(modelDirectory: models)
        for file in ["001_03.jpg", "042_03.jpg", "099_03.jpg", "131_03.jpg"] {
            let face = try #require(analyzer.analyze(try TestData.image(folder + "/" + file)).first)
            #expect(min(face.eyeOpenness.imageLeft, face.eyeOpenness.imageRight) > 0.2, "\(file)")
            #expect(face.mouthOpenness < 0.1, "\(file)")
            #expect(abs(face.pose.yaw) < 10 && abs(face.pose.pitch) < 15 && abs(face.pose.roll) < 8, "\(file)")
            let eyeY = face.geometry.eyeMidpoint.y
            #expect(face.crown.topOfHair.y <= face.crown.skullTop.y + 0.5, "\(file)")
            #expect(face.crown.skullTop.y < eyeY && eyeY < face.noseTip.y && face.noseTip.y < face.mouthCentre.y
                    && face.mouthCentre.y < face.chin.y, "\(file)")
            #expect(face.landmarks.count == 468)
            #expect(face.geometry.imageLeftEye == face.pupils.imageLeft && face.geometry.chin == face.chin
                    && face.geometry.crown == face.crown.skullTop && face.geometry.yaw == face.pose.yaw)
        }
    }

    /// A man speaking: the mouth is open.
    @Test func anOpenMouthIsMeasured() throws {
        let models = try TestData.models(), folder = TestData.path("frames")
        let analyzer = try FaceAnalyzer(modelDirectory: models)
        let face = try #require(analyzer.analyze(try TestData.image(folder + "/obama-720p.jpg")).first)
        #expect(face.mouthOpenness > 0.2)
    }

    /// The preview mode (no iris model) places the pupils near where the full chain does.
    @Test func previewPupilsAreNearTheIrisModels() throws {
        let (analyzer, image) = try load()
        let full = try #require(analyzer.analyze(image).first)
        let preview = try #require(analyzer.analyze(image, mode: .preview).first)
        let ipd = full.geometry.interEyeDistance
        #expect(preview.pupils.imageLeft.distance(to: full.pupils.imageLeft) < 0.08 * ipd)
        #expect(preview.pupils.imageRight.distance(to: full.pupils.imageRight) < 0.08 * ipd)
    }
}
