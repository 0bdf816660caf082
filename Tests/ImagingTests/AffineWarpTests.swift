import Imaging
import Testing

/// Straightforward Double-precision reference: bilinear sampling with edge repetition, fill outside.
private func referenceBilinear(_ source: RGBImage, _ transform: AffineTransform, width: Int, height: Int) -> [UInt8] {
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
            let x0 = Int(cx), y0 = Int(cy), x1 = min(x0 + 1, source.width - 1), y1 = min(y0 + 1, source.height - 1)
            let wx = cx - Double(x0), wy = cy - Double(y0)
            let p00 = source[x0, y0], p01 = source[x1, y0], p10 = source[x0, y1], p11 = source[x1, y1]
            func mix(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) -> UInt8 {
                let top = Double(a) + (Double(b) - Double(a)) * wx
                let bottom = Double(c) + (Double(d) - Double(c)) * wx
                return clampedByte(top + (bottom - top) * wy)
            }
            out += [mix(p00.r, p01.r, p10.r, p11.r), mix(p00.g, p01.g, p10.g, p11.g), mix(p00.b, p01.b, p10.b, p11.b)]
        }
    }
    return out
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

    @Test func singularTransformGivesFill() {
        let image = RGBImage(width: 4, height: 4)
        let out = AffineWarp.warp(image, transform: .scale(0), width: 3, height: 2, fill: fill)
        #expect(out.pixels == [UInt8](repeating: 0, count: 18).enumerated().map { [7, 8, 9][$0.offset % 3] })
    }
}
