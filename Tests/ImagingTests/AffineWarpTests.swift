import Imaging
import Testing

/// The references' common walk: each output pixel centre mapped back into the source; outside the source
/// (half a pixel beyond the outermost centres) the fill 7, 8, 9; inside, `sample` at the position clamped to
/// the outermost centres, with the integer pixel below it and the fraction.
private func referenceWarp(_ source: RGBImage, _ transform: AffineTransform, width: Int, height: Int,
                           sample: (_ x0: Int, _ y0: Int, _ fx: Double, _ fy: Double) -> (Double, Double, Double)) -> [UInt8] {
    let inverse = transform.inverted()!
    var out: [UInt8] = []
    for y in 0..<height {
        for x in 0..<width {
            let p = inverse.apply(to: (Double(x) + 0.5, Double(y) + 0.5))
            let sx = p.x - 0.5, sy = p.y - 0.5
            guard sx >= -0.5, sy >= -0.5, sx <= Double(source.width) - 0.5, sy <= Double(source.height) - 0.5 else {
                out += [7, 8, 9]
                continue
            }
            let cx = min(max(sx, 0), Double(source.width - 1)), cy = min(max(sy, 0), Double(source.height - 1))
            let x0 = Int(cx), y0 = Int(cy)
            let value = sample(x0, y0, cx - Double(x0), cy - Double(y0))
            out += [clampedByte(value.0), clampedByte(value.1), clampedByte(value.2)]
        }
    }
    return out
}

/// Straightforward Double-precision reference: bilinear sampling with edge repetition, fill outside.
private func referenceBilinear(_ source: RGBImage, _ transform: AffineTransform, width: Int, height: Int) -> [UInt8] {
    referenceWarp(source, transform, width: width, height: height) { x0, y0, wx, wy in
        let x1 = min(x0 + 1, source.width - 1), y1 = min(y0 + 1, source.height - 1)
        let p00 = source[x0, y0], p01 = source[x1, y0], p10 = source[x0, y1], p11 = source[x1, y1]
        func mix(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) -> Double {
            let top = Double(a) + (Double(b) - Double(a)) * wx
            let bottom = Double(c) + (Double(d) - Double(c)) * wx
            return top + (bottom - top) * wy
        }
        return (mix(p00.r, p01.r, p10.r, p11.r), mix(p00.g, p01.g, p10.g, p11.g), mix(p00.b, p01.b, p10.b, p11.b))
    }
}

/// Double-precision Catmull-Rom (a = −0.5) reference: 4×4 taps, edge pixels repeated, fill outside, clamped.
private func referenceBicubic(_ source: RGBImage, _ transform: AffineTransform, width: Int, height: Int) -> [UInt8] {
    func weights(_ t: Double) -> [Double] {
        let t2 = t * t, t3 = t2 * t
        return [-0.5 * t3 + t2 - 0.5 * t, 1.5 * t3 - 2.5 * t2 + 1, -1.5 * t3 + 2 * t2 + 0.5 * t, 0.5 * t3 - 0.5 * t2]
    }
    return referenceWarp(source, transform, width: width, height: height) { x0, y0, fx, fy in
        let wx = weights(fx), wy = weights(fy)
        var sum = (0.0, 0.0, 0.0)
        for j in 0..<4 {
            for i in 0..<4 {
                let q = source[min(max(x0 - 1 + i, 0), source.width - 1), min(max(y0 - 1 + j, 0), source.height - 1)]
                let w = wx[i] * wy[j]
                sum.0 += Double(q.r) * w; sum.1 += Double(q.g) * w; sum.2 += Double(q.b) * w
            }
        }
        return sum
    }
}

@Suite struct AffineWarpTests {
    let fill = AffineWarp.Fill(r: 7, g: 8, b: 9)

    @Test func identityIsACopy() {
        var pixels = TestPixels(seed: 1)
        let image = pixels.rgb(width: 37, height: 23)
        for interpolation in [AffineWarp.Interpolation.bilinear, .bicubic] {
            let out = AffineWarp.warp(image, transform: .identity, width: 37, height: 23, interpolation: interpolation)
            #expect(out == image)
        }
    }

    @Test func integerTranslationShiftsAndFillsOutside() {
        var pixels = TestPixels(seed: 2)
        let image = pixels.rgb(width: 20, height: 10)
        let out = AffineWarp.warp(image, transform: .translation(x: -3, y: -2), width: 20, height: 10, fill: fill)
        #expect(out[0, 0] == image[3, 2])
        #expect(out[16, 7] == image[19, 9])
        #expect(out[17, 0] == (7, 8, 9))   // maps to source x = 20: outside
        #expect(out[0, 8] == (7, 8, 9))
    }

    @Test func quarterTurnIsExact() {
        var pixels = TestPixels(seed: 3)
        let image = pixels.rgb(width: 16, height: 9)
        // Rotate by +90° (x → y), then move into view: output is 9 wide, 16 high.
        let transform = AffineTransform.rotation(degrees: 90).followed(by: .translation(x: 9, y: 0))
        let out = AffineWarp.warp(image, transform: transform, width: 9, height: 16, interpolation: .bicubic)
        for y in 0..<16 { for x in 0..<9 { #expect(out[x, y] == image[y, 8 - x]) } }
    }

    @Test(arguments: [(12.0, 0.7), (-8.0, 1.3), (33.0, 0.45), (0.0, 2.0)])
    func bilinearMatchesReference(degrees: Double, scale: Double) {
        var pixels = TestPixels(seed: 4)
        let image = pixels.smoothRGB(width: 61, height: 47)
        let transform = AffineTransform.translation(x: -30, y: -23)
            .followed(by: .rotation(degrees: degrees)).followed(by: .scale(scale))
            .followed(by: .translation(x: 26, y: 31))
        let out = AffineWarp.warp(image, transform: transform, width: 52, height: 62, fill: fill)
        #expect(maxDifference(out.pixels, referenceBilinear(image, transform, width: 52, height: 62)) <= 1)
    }

    @Test func bicubicKeepsFlatAreasFlatAndStaysInRange() {
        let flat = RGBImage(width: 30, height: 30, pixels: [UInt8](repeating: 200, count: 2700))
        let transform = AffineTransform.rotation(degrees: 17).followed(by: .scale(0.8)).followed(by: .translation(x: 8, y: 2))
        let out = AffineWarp.warp(flat, transform: transform, width: 20, height: 20, interpolation: .bicubic, fill: fill)
        #expect(out[10, 10] == (200, 200, 200))
        // A hard black/white edge overshoots in cubic interpolation: values must be clamped, not wrapped.
        var edge = RGBImage(width: 8, height: 8)
        for y in 0..<8 { for x in 4..<8 { edge[x, y] = (255, 255, 255) } }
        let shifted = AffineWarp.warp(edge, transform: .translation(x: 0.3, y: 0), width: 8, height: 8, interpolation: .bicubic)
        #expect(shifted[5, 4].r >= 240 && shifted[2, 4].r <= 15)
    }

    @Test(arguments: [(12.0, 0.7), (-8.0, 1.3), (33.0, 0.45), (0.0, 2.0), (5.0, 0.6)])
    func bicubicMatchesReference(degrees: Double, scale: Double) {
        var pixels = TestPixels(seed: 5)
        let image = pixels.smoothRGB(width: 61, height: 47)
        let transform = AffineTransform.translation(x: -30, y: -23)
            .followed(by: .rotation(degrees: degrees)).followed(by: .scale(scale))
            .followed(by: .translation(x: 26, y: 31))
        let out = AffineWarp.warp(image, transform: transform, width: 52, height: 62, interpolation: .bicubic, fill: fill)
        #expect(maxDifference(out.pixels, referenceBicubic(image, transform, width: 52, height: 62)) <= 1)
    }

    /// Noise instead of gradients (every tap matters), sources down to one pixel (every tap clamped),
    /// sub-pixel offsets and flips: the border and interior paths must agree with the reference. (No centre
    /// lands exactly on the half-pixel rim, where one ulp of rounding decides between fill and edge pixel.)
    @Test(arguments: [(1, 1), (2, 1), (1, 3), (2, 2), (3, 4), (5, 5), (40, 17)])
    func noiseAndTinySourcesMatchReference(sourceWidth: Int, sourceHeight: Int) {
        var pixels = TestPixels(seed: UInt64(sourceWidth * 100 + sourceHeight))
        let image = pixels.rgb(width: sourceWidth, height: sourceHeight)
        let transforms = [
            AffineTransform.translation(x: 0.37, y: -0.21),
            AffineTransform.rotation(degrees: 21).followed(by: .scale(1.7)).followed(by: .translation(x: 3.3, y: -1.9)),
            AffineTransform(a: -1, b: 0, tx: Double(sourceWidth) + 0.25, c: 0, d: 1, ty: 0.125),
            AffineTransform(a: 0.91, b: 0.31, tx: 1.13, c: -0.27, d: 1.07, ty: 2.61),
        ]
        for transform in transforms {
            let w = sourceWidth * 2 + 3, h = sourceHeight * 2 + 3
            let bilinear = AffineWarp.warp(image, transform: transform, width: w, height: h, fill: fill)
            #expect(maxDifference(bilinear.pixels, referenceBilinear(image, transform, width: w, height: h)) <= 1)
            let bicubic = AffineWarp.warp(image, transform: transform, width: w, height: h, interpolation: .bicubic, fill: fill)
            #expect(maxDifference(bicubic.pixels, referenceBicubic(image, transform, width: w, height: h)) <= 1)
        }
    }

    /// Random sizes and random affine maps (rotation, anisotropic scale, shear, flips, sub-pixel shifts):
    /// the span cutting and the fixed-point stepping must agree with the Double references everywhere.
    @Test func randomTransformsMatchReferences() {
        var random = TestPixels(seed: 77)
        func unit() -> Double { Double(random.next()) / 255 }
        for _ in 0..<60 {
            let sourceWidth = 1 + Int(random.next() % 40), sourceHeight = 1 + Int(random.next() % 30)
            let image = random.rgb(width: sourceWidth, height: sourceHeight)
            let transform = AffineTransform(a: (unit() - 0.5) * 4, b: (unit() - 0.5) * 3, tx: (unit() - 0.3) * 30,
                                            c: (unit() - 0.5) * 3, d: (unit() - 0.5) * 4, ty: (unit() - 0.3) * 30)
            guard transform.inverted() != nil else { continue }
            let width = 1 + Int(random.next() % 45), height = 1 + Int(random.next() % 35)
            let bilinear = AffineWarp.warp(image, transform: transform, width: width, height: height, fill: fill)
            #expect(maxDifference(bilinear.pixels, referenceBilinear(image, transform, width: width, height: height)) <= 1)
            let bicubic = AffineWarp.warp(image, transform: transform, width: width, height: height,
                                          interpolation: .bicubic, fill: fill)
            #expect(maxDifference(bicubic.pixels, referenceBicubic(image, transform, width: width, height: height)) <= 1)
        }
    }

    /// A photo-sized warp (the interior blocks run full length and end mid-block) against the references.
    @Test func largeWarpMatchesReferences() {
        var pixels = TestPixels(seed: 11)
        let image = pixels.rgb(width: 400, height: 300)
        let transform = AffineTransform.translation(x: -200, y: -150).followed(by: .rotation(degrees: -4))
            .followed(by: .scale(0.83)).followed(by: .translation(x: 161, y: 130))
        for interpolation in [AffineWarp.Interpolation.bilinear, .bicubic] {
            let out = AffineWarp.warp(image, transform: transform, width: 322, height: 260, interpolation: interpolation, fill: fill)
            let reference = interpolation == .bilinear ? referenceBilinear(image, transform, width: 322, height: 260)
                : referenceBicubic(image, transform, width: 322, height: 260)
            #expect(maxDifference(out.pixels, reference) <= 1)
        }
    }

    /// Transforms whose inverse throws coordinates far beyond the source: fill, no trap on conversion.
    @Test func absurdTransformsFillWithoutTrapping() {
        var pixels = TestPixels(seed: 9)
        let image = pixels.rgb(width: 9, height: 7)
        for transform in [AffineTransform.scale(1e-13), .translation(x: 1e300, y: -1e300), .scale(3e14),
                          AffineTransform(a: 1e-9, b: 0, tx: 0, c: 0, d: 1, ty: 0),
                          AffineTransform(a: 1, b: 0, tx: .nan, c: 0, d: 1, ty: 0), .translation(x: 0, y: .infinity)] {
            for interpolation in [AffineWarp.Interpolation.bilinear, .bicubic] {
                let out = AffineWarp.warp(image, transform: transform, width: 5, height: 4, interpolation: interpolation, fill: fill)
                #expect(out.width == 5 && out.height == 4)
                if transform.inverted() != nil {
                    let reference = interpolation == .bilinear ? referenceBilinear(image, transform, width: 5, height: 4)
                        : referenceBicubic(image, transform, width: 5, height: 4)
                    #expect(maxDifference(out.pixels, reference) <= 1)
                }
            }
        }
    }

    @Test func singularTransformGivesFill() {
        let image = RGBImage(width: 4, height: 4)
        let out = AffineWarp.warp(image, transform: .scale(0), width: 3, height: 2, fill: fill)
        #expect(out.pixels == [UInt8](repeating: 0, count: 18).enumerated().map { [7, 8, 9][$0.offset % 3] })
    }
}
