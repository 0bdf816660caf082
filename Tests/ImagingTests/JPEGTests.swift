import Imaging
import Testing

@Suite struct JPEGTests {
    private func photo() -> RGBImage {
        var pixels = TestPixels(seed: 9)
        return pixels.smoothRGB(width: 64, height: 48)
    }

    @Test func roundTripAtTheFinalPhotoQualityIsNearlyExact() throws {
        let image = photo()
        let bytes = try JPEG.encode(image, options: .finalPhoto)
        let header = try JPEG.readHeader(bytes)
        #expect(header.width == 64 && header.height == 48 && header.components == 3)
        let decoded = try JPEG.decode(bytes)
        #expect(decoded.width == 64 && decoded.height == 48)
        #expect(maxDifference(decoded.pixels, image.pixels) <= 12)
    }

    @Test func theFinalPhotoIsFullChromaWithASquareJFIFDensity() throws {
        let bytes = try JPEG.encode(photo(), options: .finalPhoto)
        // JFIF APP0 right after SOI: "JFIF\0", version, units 0, density 1:1.
        #expect(Array(bytes[6..<11]) == Array("JFIF".utf8) + [0])
        #expect(bytes[13] == 0 && bytes[14] == 0 && bytes[15] == 1 && bytes[16] == 0 && bytes[17] == 1)
        // SOF0: every component sampled 1×1 (4:4:4).
        let sof = try #require(bytes.indices.first { bytes[$0] == 0xFF && bytes[$0 + 1] == 0xC0 })
        for component in 0..<3 { #expect(bytes[sof + 11 + 3 * component] == 0x11) }
    }

    @Test(arguments: [(JPEGScale.half, 32, 24), (.quarter, 16, 12), (.eighth, 8, 6)])
    func previewsDecodeSmallerInTheDCTDomain(scale: JPEGScale, width: Int, height: Int) throws {
        let decoded = try JPEG.decode(try JPEG.encode(photo()), options: JPEGDecodeOptions(scale: scale))
        #expect(decoded.width == width && decoded.height == height)
    }

    @Test func greyIsExpandedToRGB() throws {
        var grey = GrayImage(width: 16, height: 16)
        for i in grey.pixels.indices { grey.pixels[i] = UInt8(i % 200) }
        let decoded = try JPEG.decode(try JPEG.encode(grey, options: JPEGEncodeOptions(quality: 100)))
        for i in 0..<(16 * 16) {
            #expect(decoded.pixels[3 * i] == decoded.pixels[3 * i + 1] && decoded.pixels[3 * i] == decoded.pixels[3 * i + 2])
        }
    }

    @Test func adobeCMYKIsConverted() throws {
        #expect(try JPEG.readHeader(JPEGFixtures.cmykRed).components == 4)
        let decoded = try JPEG.decode(JPEGFixtures.cmykRed)
        let p = decoded[4, 4]
        #expect(p.r > 230 && p.g < 25 && p.b < 25, "\(p)")
    }

    @Test func exifOrientationIsHonoured() throws {
        let header = try JPEG.readHeader(JPEGFixtures.orientation6)
        #expect(header.orientation == .right && header.orientedSize == (8, 16))
        let upright = try JPEG.decode(JPEGFixtures.orientation6)
        #expect(upright.width == 8 && upright.height == 16)
        #expect(upright[4, 2].r > 200 && upright[4, 2].b < 60)     // stored left half (red) is on top
        #expect(upright[4, 13].b > 200 && upright[4, 13].r < 60)   // stored right half (blue) below
        let asStored = try JPEG.decode(JPEGFixtures.orientation6, options: JPEGDecodeOptions(honourOrientation: false))
        #expect(asStored.width == 16 && asStored.height == 8)
    }

    @Test func anAbsurdHeaderIsRefusedBeforeAllocating() throws {
        // SOI, SOF0 30000×30000 3 components, DHT-less SOS: enough for libjpeg to read the header.
        let bytes: [UInt8] = [0xFF, 0xD8, 0xFF, 0xC0, 0, 17, 8, 0x75, 0x30, 0x75, 0x30, 3, 1, 0x22, 0, 2, 0x11, 0, 3, 0x11, 0,
                              0xFF, 0xDA, 0, 12, 3, 1, 0, 2, 0x11, 3, 0x11, 0, 63, 0, 0xFF, 0xD9]
        #expect(throws: JPEGError.tooLarge(width: 30000, height: 30000, maxPixels: 60_000_000)) { try JPEG.decode(bytes) }
    }

    @Test func badInputIsAClearErrorNeverACrash() throws {
        let good = try JPEG.encode(photo(), options: .finalPhoto)
        #expect(throws: JPEGError.empty) { try JPEG.decode([]) }
        #expect(throws: JPEGError.notJPEG(kind: "this is a PNG image")) { try JPEG.decode([0x89, 0x50, 0x4E, 0x47, 13, 10, 26, 10]) }
        // Truncated anywhere: an error (libjpeg's "premature end" warning counts), never a grey-filled photo.
        for length in [2, 20, 200, good.count / 2, good.count - 3] {
            #expect(throws: JPEGError.self, "truncated at \(length)") { try JPEG.decode(Array(good.prefix(length))) }
        }
        // Random damage after the header: error or a decoded image, but never a crash.
        var random = TestPixels(seed: 11)
        for _ in 0..<200 {
            var damaged = good
            for _ in 0..<8 { damaged[Int(random.next()) % (damaged.count - 40) + 20] = random.next() }
            _ = try? JPEG.decode(damaged)
        }
        #expect(throws: JPEGError.self) { try JPEG.encode(RGBImage(width: 0, height: 0)) }
        #expect(throws: JPEGError.self) { try JPEG.encode(photo(), options: JPEGEncodeOptions(quality: 0)) }
    }
}
