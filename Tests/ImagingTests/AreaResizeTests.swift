import Imaging
import Testing

/// Direct 2-D area integration in Double: each output pixel = Σ source · overlap area / output area.
private func referenceArea(_ source: RGBImage, width: Int, height: Int) -> [UInt8] {
    let sx = Double(source.width) / Double(width), sy = Double(source.height) / Double(height)
    var out: [UInt8] = []
    for y in 0..<height {
        for x in 0..<width {
            let x0 = Double(x) * sx, x1 = Double(x + 1) * sx, y0 = Double(y) * sy, y1 = Double(y + 1) * sy
            var sum = (0.0, 0.0, 0.0)
            for j in Int(y0)..<min(Int(y1.rounded(.up)), source.height) {
                let wy = min(y1, Double(j + 1)) - max(y0, Double(j))
                guard wy > 0 else { continue }
                for i in Int(x0)..<min(Int(x1.rounded(.up)), source.width) {
                    let w = (min(x1, Double(i + 1)) - max(x0, Double(i))) * wy
                    guard w > 0 else { continue }
                    let p = source[i, j]
                    sum.0 += Double(p.r) * w; sum.1 += Double(p.g) * w; sum.2 += Double(p.b) * w
                }
            }
            let area = sx * sy
            out += [clampedByte(sum.0 / area), clampedByte(sum.1 / area), clampedByte(sum.2 / area)]
        }
    }
    return out
}

@Suite struct AreaResizeTests {
    @Test(arguments: [(64, 48, 16, 12), (97, 55, 31, 17), (1920, 1080, 480, 270), (50, 50, 50, 50), (41, 13, 1, 1), (200, 120, 127, 119)])
    func matchesReference(sourceWidth: Int, sourceHeight: Int, width: Int, height: Int) {
        var pixels = TestPixels(seed: UInt64(sourceWidth * 7 + width))
        let image = pixels.rgb(width: sourceWidth, height: sourceHeight)
        let out = AreaResize.resize(image, width: width, height: height)
        #expect(out.width == width && out.height == height)
        if sourceWidth * sourceHeight <= 200 * 120 {
            #expect(maxDifference(out.pixels, referenceArea(image, width: width, height: height)) <= 1)
        } else {
            // A large frame: spot-check against the reference on a cut-out that maps to whole output pixels.
            var cut = RGBImage(width: 40, height: 40)
            for y in 0..<40 { for x in 0..<40 { cut[x, y] = image[x, y] } }
            let expected = referenceArea(cut, width: 10, height: 10)
            var got: [UInt8] = []
            for y in 0..<10 { for x in 0..<10 { let p = out[x, y]; got += [p.r, p.g, p.b] } }
            #expect(maxDifference(got, expected) <= 1)
        }
    }

    @Test func integerFactorIsTheBlockMean() {
        var image = RGBImage(width: 4, height: 2)
        for x in 0..<4 { image[x, 0] = (UInt8(x * 10), 0, 255); image[x, 1] = (UInt8(x * 10 + 4), 100, 255) }
        let out = AreaResize.resize(image, width: 2, height: 1)
        #expect(out[0, 0] == (7, 50, 255))   // (0 + 10 + 4 + 14) / 4
        #expect(out[1, 0] == (27, 50, 255))
    }
}
