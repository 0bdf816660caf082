import Imaging
import Testing

/// The exact BT.601 limited-range formula in Double, the reference for the fixed-point kernels.
private func referenceRGB(y: UInt8, u: UInt8, v: UInt8) -> (UInt8, UInt8, UInt8) {
    let c = 255.0 / 219.0 * (Double(y) - 16)
    let d = Double(u) - 128, e = Double(v) - 128
    let kr = 0.299, kb = 0.114, kg = 1 - kr - kb
    let r = c + 255.0 / 224.0 * 2 * (1 - kr) * e
    let g = c - 255.0 / 224.0 * (2 * (1 - kb) * kb / kg * d + 2 * (1 - kr) * kr / kg * e)
    let b = c + 255.0 / 224.0 * 2 * (1 - kb) * d
    return (clampedByte(r), clampedByte(g), clampedByte(b))
}

private func referenceYUYV(_ frame: [UInt8], width: Int, height: Int, stride: Int) -> [UInt8] {
    var out: [UInt8] = []
    for y in 0..<height {
        for x in 0..<width {
            let pair = y * stride + (x / 2) * 4
            let p = referenceRGB(y: frame[pair + (x % 2) * 2], u: frame[pair + 1], v: frame[pair + 3])
            out += [p.0, p.1, p.2]
        }
    }
    return out
}

private func referenceNV12(luma: [UInt8], lumaStride: Int, chroma: [UInt8], chromaStride: Int,
                           width: Int, height: Int) -> [UInt8] {
    var out: [UInt8] = []
    for y in 0..<height {
        for x in 0..<width {
            let c = (y / 2) * chromaStride + (x / 2) * 2
            let p = referenceRGB(y: luma[y * lumaStride + x], u: chroma[c], v: chroma[c + 1])
            out += [p.0, p.1, p.2]
        }
    }
    return out
}

@Suite struct ColourConversionTests {
    @Test(arguments: [(37, 23), (38, 2), (1, 1), (2, 1), (64, 9)])
    func yuyvMatchesReference(size: (Int, Int)) throws {
        let (width, height) = size
        var random = TestPixels(seed: UInt64(width * 1000 + height))
        let stride = (width + 1) / 2 * 4 + 8  // padded rows, as V4L2 may deliver
        let frame = random.bytes(stride * height)
        let image = try frame.withUnsafeBufferPointer {
            try ColourConversion.rgb(fromYUYV: $0, width: width, height: height, bytesPerRow: stride)
        }
        #expect(image.width == width && image.height == height)
        #expect(maxDifference(image.pixels, referenceYUYV(frame, width: width, height: height, stride: stride)) <= 1)
    }

    @Test func yuyvCoversEveryCodeValue() throws {
        // Every (Y, U, V) corner and many in between: clamping at both ends must be right.
        var frame: [UInt8] = []
        for y in stride(from: 0, through: 255, by: 5) {
            for u in stride(from: 0, through: 255, by: 15) {
                for v in stride(from: 0, through: 255, by: 15) { frame += [UInt8(y), UInt8(u), UInt8(255 - y), UInt8(v)] }
            }
        }
        let width = 288, height = frame.count / (width * 2)
        #expect(width * height * 2 == frame.count)
        let image = try frame.withUnsafeBufferPointer { try ColourConversion.rgb(fromYUYV: $0, width: width, height: height) }
        #expect(maxDifference(image.pixels, referenceYUYV(frame, width: width, height: height, stride: width * 2)) <= 1)
    }

    @Test func yuyvReferencePoints() throws {
        // Limited-range black, white and mid grey map to 0, 255, 128 exactly.
        let frame: [UInt8] = [16, 128, 235, 128, 126, 128, 255, 128]
        let image = try frame.withUnsafeBufferPointer { try ColourConversion.rgb(fromYUYV: $0, width: 4, height: 1) }
        #expect(image.pixels == [0, 0, 0, 255, 255, 255, 128, 128, 128, 255, 255, 255])
    }

    @Test(arguments: [(37, 23), (38, 2), (1, 1), (3, 3), (64, 9)])
    func nv12MatchesReference(size: (Int, Int)) throws {
        let (width, height) = size
        var random = TestPixels(seed: UInt64(width * 31 + height))
        let lumaStride = width + 3, chromaStride = (width + 1) / 2 * 2 + 5
        let luma = random.bytes(lumaStride * height), chroma = random.bytes(chromaStride * ((height + 1) / 2))
        let image = try luma.withUnsafeBufferPointer { l in
            try chroma.withUnsafeBufferPointer { c in
                try ColourConversion.rgb(fromNV12Luma: l, lumaBytesPerRow: lumaStride, chroma: c,
                                         chromaBytesPerRow: chromaStride, width: width, height: height)
            }
        }
        let expected = referenceNV12(luma: luma, lumaStride: lumaStride, chroma: chroma, chromaStride: chromaStride,
                                     width: width, height: height)
        #expect(maxDifference(image.pixels, expected) <= 1)
    }

    @Test func nv12SingleBufferLayout() throws {
        let width = 6, height = 4
        var random = TestPixels(seed: 7)
        let frame = random.bytes(width * height * 3 / 2)
        let image = try frame.withUnsafeBufferPointer { try ColourConversion.rgb(fromNV12: $0, width: width, height: height) }
        let expected = referenceNV12(luma: Array(frame[0..<24]), lumaStride: width, chroma: Array(frame[24...]),
                                     chromaStride: width, width: width, height: height)
        #expect(maxDifference(image.pixels, expected) <= 1)
    }

    @Test func shortBuffersAreRefused() {
        let frame = [UInt8](repeating: 0, count: 10)
        frame.withUnsafeBufferPointer { buffer in
            #expect(throws: PixelBufferError.bufferTooShort(bytes: 10, needed: 12)) {
                try ColourConversion.rgb(fromYUYV: buffer, width: 2, height: 3)
            }
            #expect(throws: PixelBufferError.rowStrideTooShort(bytesPerRow: 3, minimum: 4)) {
                try ColourConversion.rgb(fromYUYV: buffer, width: 2, height: 1, bytesPerRow: 3)
            }
            #expect(throws: PixelBufferError.badSize(width: 0, height: 1)) {
                try ColourConversion.rgb(fromYUYV: buffer, width: 0, height: 1)
            }
            #expect(throws: PixelBufferError.badSize(width: -4, height: 1)) {
                try ColourConversion.rgb(fromNV12: buffer, width: -4, height: 1)
            }
            #expect(throws: PixelBufferError.bufferTooShort(bytes: 10, needed: 12)) {
                try ColourConversion.rgb(fromNV12: buffer, width: 4, height: 2)
            }
        }
    }

    @Test func convertingIntoAnImageReusesIt() throws {
        let frame = [UInt8](repeating: 128, count: 8 * 2 * 2)
        var image = RGBImage(width: 3, height: 3)
        try frame.withUnsafeBufferPointer { try ColourConversion.convert(yuyv: $0, width: 8, height: 2, into: &image) }
        #expect(image.width == 8 && image.height == 2 && image.pixels.count == 48)
    }

    /// Every (Y, U, V) through both layouts: the 16-bit kernels must hold ±1 everywhere, not only on
    /// the samples the random tests happen to draw.
    @Test func everyCodeValueWithinOne() throws {
        var worstYUYV = 0, worstNV12 = 0
        for u in 0..<256 {
            // 256 rows (V) of 256 pairs (Y0 = Y1 = Y).
            var yuyv: [UInt8] = [], luma: [UInt8] = [], chroma: [UInt8] = []
            yuyv.reserveCapacity(256 * 1024)
            for v in 0..<256 {
                for y in 0..<256 {
                    yuyv += [UInt8(y), UInt8(u), UInt8(y), UInt8(v)]
                    luma += [UInt8(y), UInt8(y)]
                    chroma += [UInt8(u), UInt8(v)]
                }
            }
            // NV12 shares one chroma row between two luma rows: repeat each luma row.
            var nv12Luma: [UInt8] = []
            for v in 0..<256 { let row = luma[(v * 512)..<(v * 512 + 512)]; nv12Luma += row; nv12Luma += row }
            let fromYUYV = try yuyv.withUnsafeBufferPointer { try ColourConversion.rgb(fromYUYV: $0, width: 512, height: 256) }
            let fromNV12 = try nv12Luma.withUnsafeBufferPointer { l in
                try chroma.withUnsafeBufferPointer { c in
                    try ColourConversion.rgb(fromNV12Luma: l, chroma: c, width: 512, height: 512)
                }
            }
            for v in 0..<256 {
                for y in 0..<256 {
                    let e = referenceRGB(y: UInt8(y), u: UInt8(u), v: UInt8(v))
                    for x in [2 * y, 2 * y + 1] {
                        let a = fromYUYV[x, v], b = fromNV12[x, 2 * v + 1]
                        worstYUYV = max(worstYUYV, abs(Int(a.r) - Int(e.0)), abs(Int(a.g) - Int(e.1)), abs(Int(a.b) - Int(e.2)))
                        worstNV12 = max(worstNV12, abs(Int(b.r) - Int(e.0)), abs(Int(b.g) - Int(e.1)), abs(Int(b.b) - Int(e.2)))
                    }
                }
            }
        }
        #expect(worstYUYV <= 1)
        #expect(worstNV12 <= 1)
    }

    /// Every (R, G, B): the Q8 weights must keep every grey within ±1 of the exact luma.
    @Test func grayEveryColourWithinOne() {
        var worst = 0
        for r in 0..<256 {
            var pixels: [UInt8] = []
            pixels.reserveCapacity(256 * 256 * 3)
            for g in 0..<256 { for b in 0..<256 { pixels += [UInt8(r), UInt8(g), UInt8(b)] } }
            let gray = ColourConversion.gray(fromRGB: RGBImage(width: 256, height: 256, pixels: pixels))
            for g in 0..<256 {
                for b in 0..<256 {
                    let exact = clampedByte(0.299 * Double(r) + 0.587 * Double(g) + 0.114 * Double(b))
                    worst = max(worst, abs(Int(gray[b, g]) - Int(exact)))
                }
            }
        }
        #expect(worst <= 1)
    }

    @Test(arguments: [(37, 23), (1, 1), (100, 3), (1237, 3)])  // the last spans blocks and ends odd
    func grayMatchesReference(size: (Int, Int)) {
        var random = TestPixels(seed: 99)
        let image = random.rgb(width: size.0, height: size.1)
        let gray = ColourConversion.gray(fromRGB: image)
        var expected: [UInt8] = []
        for i in 0..<(image.width * image.height) {
            let p = image.pixels[(3 * i)..<(3 * i + 3)].map(Double.init)
            expected.append(clampedByte(0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2]))
        }
        #expect(gray.width == size.0 && gray.height == size.1)
        #expect(maxDifference(gray.pixels, expected) <= 1)
        #expect(ColourConversion.gray(fromRGB: RGBImage(width: 2, height: 1, pixels: [255, 255, 255, 0, 0, 0])).pixels == [255, 0])
    }
}
