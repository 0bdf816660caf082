import FotoboxTestSupport
import Imaging
import Testing

/// ICC profiles as the test needs them: a matrix RGB profile with the given colorants and a parametric tone
/// curve (ICC.1:2010 layout: 128-byte header, tag table, XYZ and para tags).
enum TestICC {
    static let sRGBColorants: [(Double, Double, Double)] = [(0.4361, 0.2225, 0.0139), (0.3851, 0.7169, 0.0971), (0.1431, 0.0606, 0.7141)]
    /// Display P3 (D50-adapted), as Apple ships it.
    static let displayP3Colorants: [(Double, Double, Double)] = [(0.5151, 0.2412, -0.0011), (0.2920, 0.6922, 0.0419), (0.1571, 0.0666, 0.7841)]
    /// sRGB's curve as ICC para type 3: γ 2.4, a 1/1.055, b 0.055/1.055, c 1/12.92, d 0.04045.
    static let sRGBCurve = [2.4, 1 / 1.055, 0.055 / 1.055, 1 / 12.92, 0.04045]

    static func profile(colourSpace: String = "RGB ", colorants: [(Double, Double, Double)], curve: [Double] = sRGBCurve) -> [UInt8] {
        func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8((v >> 16) & 255), UInt8((v >> 8) & 255), UInt8(v & 255)] }
        func s15(_ v: Double) -> [UInt8] { be32(UInt32(bitPattern: Int32((v * 65536).rounded()))) }
        var tags: [(String, [UInt8])] = []
        for (name, c) in zip(["rXYZ", "gXYZ", "bXYZ"], colorants) {
            tags.append((name, Array("XYZ ".utf8) + [0, 0, 0, 0] + s15(c.0) + s15(c.1) + s15(c.2)))
        }
        let function: UInt8 = curve.count == 1 ? 0 : 3
        let para = Array("para".utf8) + [0, 0, 0, 0] + [0, function, 0, 0] + curve.flatMap(s15)
        for name in ["rTRC", "gTRC", "bTRC"] { tags.append((name, para)) }
        var offset = 128 + 4 + 12 * tags.count
        var table: [UInt8] = be32(UInt32(tags.count)), data: [UInt8] = []
        for (name, bytes) in tags {
            table += Array(name.utf8) + be32(UInt32(offset)) + be32(UInt32(bytes.count))
            data += bytes
            offset += bytes.count
        }
        var header = [UInt8](repeating: 0, count: 128)
        header.replaceSubrange(0..<4, with: be32(UInt32(128 + table.count + data.count)))
        header.replaceSubrange(12..<16, with: Array("mntr".utf8))
        header.replaceSubrange(16..<20, with: Array(colourSpace.utf8))
        header.replaceSubrange(20..<24, with: Array("XYZ ".utf8))
        header.replaceSubrange(36..<40, with: Array("acsp".utf8))
        return header + table + data
    }

    /// `jpeg` with the profile in APP2 segments right after SOI, split into chunks of at most `chunk` bytes.
    static func embed(_ profile: [UInt8], in jpeg: [UInt8], chunk: Int = 60_000) -> [UInt8] {
        var segments: [UInt8] = []
        let parts = stride(from: 0, to: profile.count, by: chunk).map { Array(profile[$0..<min($0 + chunk, profile.count)]) }
        for (n, part) in parts.enumerated() {
            let length = 2 + 14 + part.count
            segments += [0xFF, 0xE2, UInt8(length >> 8), UInt8(length & 255)] + Array("ICC_PROFILE".utf8) + [0, UInt8(n + 1), UInt8(parts.count)] + part
        }
        return Array(jpeg.prefix(2)) + segments + Array(jpeg.dropFirst(2))
    }
}

@Suite("Colour encoding of JPEG files (TR-03121: 24-bit sRGB)")
struct ColourEncodingTests {
    static func colourImage() -> RGBImage {
        var image = RGBImage(width: 32, height: 24)
        for y in 0..<24 { for x in 0..<32 { image[x, y] = (UInt8(200 - x), UInt8(120 + y), UInt8(90)) } }
        return image
    }

    @Test func plainJPEGIsYCbCrWithoutProfile() throws {
        let header = try JPEG.readHeader(try JPEG.encode(Self.colourImage()))
        #expect(header.colourEncoding == JPEGColourEncoding(model: .yCbCr, bitsPerSample: 8, iccProfile: nil))
    }

    @Test func greyCMYKAndYCCKAreNamed() throws {
        let grey = try JPEG.encode(GrayImage(width: 16, height: 16, pixels: [UInt8](repeating: 128, count: 256)))
        #expect(try JPEG.readHeader(grey).colourEncoding.model == .greyscale)
        let ink = [UInt8]((0..<(16 * 16)).flatMap { i in [UInt8(i & 255), 40, 200, 10] })
        for (ycck, model) in [(false, JPEGColourEncoding.Model.cmyk), (true, .ycck)] {
            let file = try JPEG.encodeCMYK(pixels: ink, width: 16, height: 16, asYCCK: ycck)
            let (image, header) = try JPEG.decodeWithHeader(file)
            #expect(header.colourEncoding.model == model)
            #expect(image.width == 16 && image.height == 16)
        }
    }

    @Test func embeddedProfilesAreClassified() throws {
        let plain = try JPEG.encode(Self.colourImage())
        func kind(_ profile: [UInt8], chunk: Int = 60_000) throws -> ICCProfileKind? {
            try JPEG.readHeader(TestICC.embed(profile, in: plain, chunk: chunk)).colourEncoding.iccProfile
        }
        #expect(try kind(TestICC.profile(colorants: TestICC.sRGBColorants)) == .sRGB)
        // A profile split over several APP2 chunks is put together again.
        #expect(try kind(TestICC.profile(colorants: TestICC.sRGBColorants), chunk: 50) == .sRGB)
        // 2.2 gamma with sRGB's primaries: what viewers treat as sRGB.
        #expect(try kind(TestICC.profile(colorants: TestICC.sRGBColorants, curve: [2.2])) == .sRGB)
        if case .notSRGB? = try kind(TestICC.profile(colorants: TestICC.displayP3Colorants)) {} else { Issue.record("Display P3 taken for sRGB") }
        if case .notSRGB? = try kind(TestICC.profile(colorants: TestICC.sRGBColorants, curve: [1.0])) {} else { Issue.record("linear taken for sRGB") }
        if case .notSRGB? = try kind(TestICC.profile(colourSpace: "GRAY", colorants: [])) {} else { Issue.record("grey profile taken for sRGB") }
        // A parametric curve whose base turns negative gives no number: unreadable, not sRGB.
        if case .unreadable? = try kind(TestICC.profile(colorants: TestICC.sRGBColorants, curve: [2.4, -1, 0, 1 / 12.92, 0.04045])) {} else {
            Issue.record("a curve without a number taken for sRGB")
        }
        let whole = TestICC.profile(colorants: TestICC.sRGBColorants)
        if case .unreadable? = try kind(Array(whole.prefix(140))) {} else { Issue.record("truncated profile not unreadable") }
        // A chunk missing (2 of 3 sent) leaves an unreadable profile, not a pass.
        let split = TestICC.embed(whole, in: plain, chunk: 100)
        var withoutSecond: [UInt8] = []
        var i = 0, seen = 0
        while i < split.count {
            if split[i] == 0xFF, split[i + 1] == 0xE2 {
                let length = Int(split[i + 2]) << 8 | Int(split[i + 3])
                seen += 1
                if seen != 2 { withoutSecond += split[i..<(i + 2 + length)] }
                i += 2 + length
            } else if i == 0 { withoutSecond += split[0..<2]; i = 2 } else { withoutSecond += split[i...]; break }
        }
        if case .unreadable? = try JPEG.readHeader(withoutSecond).colourEncoding.iccProfile {} else { Issue.record("profile with a missing chunk not unreadable") }
    }

    @Test func damagedProfilesNeverCrash() throws {
        var random = SplitMix(seed: 14)
        let whole = TestICC.profile(colorants: TestICC.sRGBColorants)
        for _ in 0..<500 {
            var bytes = whole
            for _ in 0..<8 { bytes[Int(random.next() % UInt64(bytes.count))] = UInt8(random.next() & 255) }
            _ = ICCProfile.classify(Array(bytes.prefix(Int(random.next() % UInt64(bytes.count + 1)))))
        }
    }

    @Test(arguments: [12, 16])
    func otherBitDepthsAreRefusedByName(bits: Int) throws {
        var file = try JPEG.encode(Self.colourImage())
        // The frame header (SOF0, FF C0) carries the sample precision right after its length.
        let sof = try #require((0..<(file.count - 1)).first { file[$0] == 0xFF && file[$0 + 1] == 0xC0 })
        file[sof + 4] = UInt8(bits)
        #expect(throws: JPEGError.unsupportedBitDepth(bits)) { try JPEG.decode(file) }
        #expect(throws: JPEGError.unsupportedBitDepth(bits)) { try JPEG.readHeader(file) }
    }
}

