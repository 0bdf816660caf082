import Imaging
import Testing

/// A portrait-like test card: a background colour everywhere, a face-coloured ellipse in the middle.
private func card(background: (UInt8, UInt8, UInt8), face: (UInt8, UInt8, UInt8)) -> (RGBImage, Ellipse) {
    var image = RGBImage(width: 120, height: 160)
    let head = Ellipse(centreX: 60, centreY: 80, radiusX: 30, radiusY: 40)
    for y in 0..<160 {
        for x in 0..<120 {
            image[x, y] = head.contains(x: Double(x) + 0.5, y: Double(y) + 0.5) ? face : background
        }
    }
    return (image, head)
}

private func statistics(_ image: RGBImage, _ head: Ellipse) -> (RegionStatistics, RegionStatistics) {
    let background = RegionStatistics.measure(image, region: .outside(Ellipse(centreX: 60, centreY: 80, radiusX: 36, radiusY: 46), aboveY: 160))
    let face = RegionStatistics.measure(image, region: .inside(Ellipse(centreX: 60, centreY: 80, radiusX: 20, radiusY: 30)))
    return (background, face)
}

@Suite struct ColourCorrectionTests {
    @Test func aCameraCastIsRemoved() {
        let (image, head) = card(background: (212, 200, 186), face: (180, 130, 110))
        let (background, face) = statistics(image, head)
        let correction = ColourCorrection.plan(background: background, face: face)
        var corrected = image
        correction.apply(to: &corrected)
        let after = corrected[2, 2]
        #expect(abs(Int(after.r) - Int(after.g)) <= 2 && abs(Int(after.b) - Int(after.g)) <= 2, "background \(after)")
        #expect(correction.gamma == 1, "the face was well exposed")
    }

    @Test func aColouredWallStaysColoured() {
        // A peach wall is not a cast: the gains stop at about ±10 %, the wall stays visibly coloured for the
        // background check, and the face does not take the opposite cast.
        let (image, head) = card(background: (230, 190, 160), face: (180, 130, 110))
        let (background, face) = statistics(image, head)
        let correction = ColourCorrection.plan(background: background, face: face)
        #expect(correction.redGain >= 0.9 && correction.blueGain <= 1.11)
        var corrected = image
        correction.apply(to: &corrected)
        let after = corrected[2, 2]
        #expect(Int(after.r) - Int(after.b) > 20, "background \(after)")
    }

    @Test func neutralWellExposedPhotoIsLeftAlone() {
        let (image, head) = card(background: (200, 200, 200), face: (170, 120, 100))
        let (background, face) = statistics(image, head)
        #expect(ColourCorrection.plan(background: background, face: face) == .none)
    }

    @Test func darkFaceIsBroughtUpWithoutClippingTheBackground() {
        let (image, head) = card(background: (120, 120, 120), face: (60, 40, 30))
        let (background, face) = statistics(image, head)
        let correction = ColourCorrection.plan(background: background, face: face)
        #expect(correction.gamma < 1)
        var corrected = image
        correction.apply(to: &corrected)
        let faceAfter = RegionStatistics.measure(corrected, region: .inside(Ellipse(centreX: 60, centreY: 80, radiusX: 20, radiusY: 30)))
        #expect(abs(faceAfter.meanLuma - 90) < 2, "face luma \(faceAfter.meanLuma)")
        #expect(corrected[2, 2].r < 250)
    }

    @Test func brightenedSkinIsNotPushedIntoClipping() {
        // A dark face with a bright highlight (forehead shine): raising the face must stop short of
        // clipping the highlight.
        var (image, head) = card(background: (200, 200, 200), face: (30, 30, 30))
        for y in 60..<70 { for x in 50..<70 { image[x, y] = (235, 235, 235) } }
        let (background, face) = statistics(image, head)
        var limits = ColourCorrection.Limits()
        limits.skinHighlight = 240
        let correction = ColourCorrection.plan(background: background, face: face, limits: limits)
        #expect(correction.gamma < 1)
        var corrected = image
        correction.apply(to: &corrected)
        #expect(corrected[60, 65].r <= 240 && corrected[60, 65].r >= 235)
    }

    @Test func tablesMatchTheFormula() {
        let correction = ColourCorrection(redGain: 1.2, greenGain: 1, blueGain: 0.8, gamma: 0.7)
        let (red, _, blue) = correction.lookupTables()
        #expect(red[100] == clampedByte(255 * pow(120.0 / 255, 0.7)))
        #expect(red[250] == 255)
        #expect(blue[200] == clampedByte(255 * pow(160.0 / 255, 0.7)))
    }

    @Test func statisticsOfAKnownRegion() {
        var image = RGBImage(width: 10, height: 10)
        for y in 0..<10 { for x in 0..<10 { image[x, y] = x < 5 ? (0, 0, 0) : (200, 200, 200) } }
        let all = RegionStatistics.measure(image, region: .rectangle(PixelRect(x: 0, y: 0, width: 10, height: 10)))
        #expect(all.count == 100 && abs(all.meanLuma - 100) < 0.01 && abs(all.lumaDeviation - 100) < 0.01)
        #expect(all.lumaPercentile(0.5) == 0 && all.lumaPercentile(0.51) == 200)
        #expect(all.fraction(atLeast: 200) == 0.5)
    }
}

#if canImport(Glibc)
import Glibc
#endif
