import Compliance
import Configuration
import FaceAnalysis
import FotoboxTestSupport
import Imaging
import Testing

/// Issue 14, bad input: a photo that is not 24-bit sRGB colour is refused by `colourSpace`, and the checks that
/// read colours say "cannot judge" instead of judging numbers that mean something else.
@Suite struct ColourSpaceTests {
    static func observed(_ g: FaceGeometry) -> ObservedFace {
        var g = g
        g.yaw = 0
        g.pitch = 0
        return ObservedFace(geometry: g, eyeOpenness: 0.3, mouthOpenness: 0)
    }

    static func grey(_ image: RGBImage) -> RGBImage {
        var out = image
        for i in 0..<(image.width * image.height) {
            let r: Double = Double(image.pixels[3 * i]), g: Double = Double(image.pixels[3 * i + 1]), b: Double = Double(image.pixels[3 * i + 2])
            let luma: Double = 0.299 * r + 0.587 * g + 0.114 * b
            let y = UInt8(luma.rounded())
            out.pixels[3 * i] = y; out.pixels[3 * i + 1] = y; out.pixels[3 * i + 2] = y
        }
        return out
    }

    @Test(.needsTestData("faces/frll"))
    func realPortraitsPassAndTheirBadEncodingsFail() throws {
        let checker = ComplianceChecker(profile: .scan)
        let bad: [(String, JPEGColourEncoding)] = [
            ("greyscale", JPEGColourEncoding(model: .greyscale)), ("CMYK", JPEGColourEncoding(model: .cmyk)),
            ("YCCK", JPEGColourEncoding(model: .ycck)),
            ("Display P3 profile", JPEGColourEncoding(model: .yCbCr, iccProfile: .notSRGB(reason: "primaries are not sRGB's"))),
            ("damaged profile", JPEGColourEncoding(model: .yCbCr, iccProfile: .unreadable(reason: "tag 0 outside the profile"))),
        ]
        var passed = 0, refusedEncodings = 0, refusedGreyPixels = 0
        let portraits = try AnnotatedPortrait.loadAll()
        for portrait in portraits {
            let photo = try PhotoProcessor.process(portrait.image, face: portrait.face, profile: .scan)
            let face = Self.observed(portrait.face.mapped(by: photo.plan.transform))
            let base = checker.check(photo.image, faces: [face], source: .stationSRGB)
            if base[check: .colourSpace]?.pass == true { passed += 1 }
            #expect(base[check: .naturalColour]?.value != nil && base[check: .backgroundColour]?.value != nil)
            for (name, encoding) in bad {
                let report = checker.check(photo.image, faces: [face], source: encoding)
                let colourSpace = try #require(report[check: .colourSpace])
                #expect(!colourSpace.pass && colourSpace.mandatory && !colourSpace.advice.en.isEmpty, "\(portrait.name) \(name)")
                // Colours of another space are not judged as sRGB: "cannot judge", a fail, never a pass.
                for id in [CheckID.naturalColour, .backgroundColour] {
                    let check = try #require(report[check: id])
                    #expect(check.value == nil && !check.pass && check.advice.en.hasPrefix("Cannot judge"), "\(portrait.name) \(name) \(id)")
                }
                if !report.compliant { refusedEncodings += 1 }
            }
            // A grey picture saved as an ordinary colour JPEG: only its pixels tell.
            let greyReport = checker.check(Self.grey(photo.image), faces: [face], source: .stationSRGB)
            if greyReport[check: .colourSpace]?.pass == false, !greyReport.compliant { refusedGreyPixels += 1 }
            #expect(greyReport[check: .naturalColour]?.pass == false)
        }
        print("colourSpace: \(passed)/\(portraits.count) FRLL originals pass; \(refusedEncodings)/\(portraits.count * bad.count) bad encodings refused; \(refusedGreyPixels)/\(portraits.count) grey-pixel copies refused")
        #expect(passed == portraits.count)
        #expect(refusedEncodings == portraits.count * bad.count)
        #expect(refusedGreyPixels == portraits.count)
    }

    /// A grey file decoded through the real decoder, with no face found: still a clear colourSpace failure.
    @Test func greyFileWithoutFaceIsRefusedNotCrashed() throws {
        let grey = try JPEG.encode(GrayImage(width: 64, height: 80, pixels: [UInt8](repeating: 180, count: 64 * 80)))
        let (image, header) = try JPEG.decodeWithHeader(grey)
        let report = ComplianceChecker(profile: .scan).check(image, faces: [], source: header.colourEncoding)
        #expect(report[check: .colourSpace]?.pass == false)
        #expect(!report.compliant)
        // Without the header, the pixels alone say the same.
        #expect(ComplianceChecker(profile: .scan).check(image, faces: [])[check: .colourSpace]?.pass == false)
    }
}
