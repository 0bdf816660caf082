import Capture
import Testing
import Configuration
import Devices
import Imaging

@Suite("Signature rendering")
struct SignatureRendererTests {
    /// A signature from (x, y, pressure) strokes in STU-430 units (100 per mm).
    static func signature(_ strokes: [[(Double, Double, Double)]]) -> Signature {
        Signature(strokes: strokes.map { $0.enumerated().map { SignaturePoint(x: $1.0, y: $1.1, pressure: $1.2, milliseconds: $0 * 5) } },
                  padWidth: 9600, padHeight: 6000, unitsPerMillimetre: 100)
    }

    static func line(from: (Double, Double), to: (Double, Double), pressure: Double, samples: Int = 20) -> [(Double, Double, Double)] {
        (0..<samples).map { i in
            let t = Double(i) / Double(samples - 1)
            return (from.0 + (to.0 - from.0) * t, from.1 + (to.1 - from.1) * t, pressure)
        }
    }

    /// Rows as text: '#' ink (< 64), '.' paper (> 191), '+' the anti-aliased edge between.
    static func picture(_ image: GrayImage) -> [String] {
        (0..<image.height).map { y in String((0..<image.width).map { x in image[x, y] < 64 ? "#" : image[x, y] > 191 ? "." : "+" }) }
    }

    @Test func aHorizontalStrokeMatchesTheExpectedImage() throws {
        var renderer = SignatureRenderer()
        renderer.margin = 12.5          // 1 px at a height of 8
        renderer.widthAtNoPressure = 25   // 2 px at a height of 8
        renderer.widthAtFullPressure = 25
        let image = try renderer.render(Self.signature([Self.line(from: (1000, 3000), to: (3000, 3000), pressure: 0.5)]), width: 16, height: 8)
        // Centred vertically, 2 px thick, the round caps reaching the 1 px margin.
        #expect(Self.picture(image) == [
            "................",
            "................",
            "................",
            ".##############.",
            ".##############.",
            "................",
            "................",
            "................",
        ])
    }

    @Test func aDiagonalIsAntiAliased() throws {
        let image = try SignatureRenderer().render(Self.signature([Self.line(from: (1000, 1000), to: (3000, 2000), pressure: 0.5)]), for: .idCard)
        let grey = image.pixels.filter { $0 > 20 && $0 < 235 }.count
        let black = image.pixels.filter { $0 <= 20 }.count
        #expect(grey > 100 && black > 100)
    }

    @Test(arguments: SignatureDocument.allCases)
    func theImageHasTheDocumentsSizeAndTheInkFitsWithItsAspectRatio(document: SignatureDocument) throws {
        // A square outline, 20 mm: scaled to fit, it must stay square.
        let square = Self.signature([Self.line(from: (2000, 2000), to: (4000, 2000), pressure: 0.5),
                                     Self.line(from: (4000, 2000), to: (4000, 4000), pressure: 0.5),
                                     Self.line(from: (4000, 4000), to: (2000, 4000), pressure: 0.5),
                                     Self.line(from: (2000, 4000), to: (2000, 2000), pressure: 0.5)])
        let image = try SignatureRenderer().render(square, for: document)
        #expect(image.width == document.width && image.height == document.height)
        let ink = inkBox(image)
        #expect(abs((ink.maxX - ink.minX) - (ink.maxY - ink.minY)) <= 2)
        // Height-limited: it fills the height less the margins, centred horizontally.
        #expect(ink.maxY - ink.minY > document.height * 8 / 10)
        #expect(abs((ink.minX + ink.maxX) / 2 - document.width / 2) <= 1)
    }

    @Test func aWideSignatureFillsTheWidth() throws {
        let image = try SignatureRenderer().render(Self.signature([Self.line(from: (500, 3000), to: (9000, 3300), pressure: 0.6)]), for: .idCard)
        let ink = inkBox(image)
        #expect(ink.minX < 20 && ink.maxX > 880)
    }

    @Test func theImageIsCroppedToTheInkWhereverOnThePadItWasSigned() throws {
        let stroke = Self.line(from: (0, 0), to: (2500, 700), pressure: 0.7)
        let atCorner = try SignatureRenderer().render(Self.signature([stroke]), for: .passport)
        let moved = stroke.map { ($0.0 + 6000, $0.1 + 4000, $0.2) }
        #expect(try SignatureRenderer().render(Self.signature([moved]), for: .passport) == atCorner)
    }

    @Test func harderPressureDrawsAThickerLine() throws {
        func thickness(_ pressure: Double) throws -> Int {
            let image = try SignatureRenderer().render(Self.signature([Self.line(from: (1000, 3000), to: (8000, 3000), pressure: pressure)]), for: .passport)
            return (0..<image.height).filter { image[image.width / 2, $0] < 128 }.count
        }
        let light = try thickness(0.05), firm = try thickness(1.0)
        #expect(light >= 1 && firm >= light + 3)
    }

    @Test func emptyAndTinySignaturesAreRefusedWithAReason() {
        let renderer = SignatureRenderer()
        #expect(throws: SignatureImageError.empty) { try renderer.render(Self.signature([]), for: .idCard) }
        // A 3 mm dash.
        let dash = Self.signature([Self.line(from: (1000, 1000), to: (1300, 1000), pressure: 0.5)])
        #expect(throws: SignatureImageError.tooSmall(width: 3, height: 0, minimum: 10)) { try renderer.render(dash, for: .idCard) }
        #expect(SignatureImageError.tooSmall(width: 3, height: 0, minimum: 10).description.hasPrefix("signature too small"))
        // A single tap far apart from nothing: too few points even if it were wide.
        let taps = Self.signature([[(1000, 1000, 0.5)], [(5000, 1000, 0.5)]])
        #expect(throws: SignatureImageError.self) { try renderer.render(taps, for: .idCard) }
    }

    @Test func theRecordedSignatureBecomesAJPEGOfTheDocumentsSize() throws {
        let samples = WacomRecording.signature
        var strokes: [[SignaturePoint]] = [[]]
        for i in stride(from: 0, to: samples.count, by: 3) {
            if samples[i + 2] == 0 { if !strokes[strokes.count - 1].isEmpty { strokes.append([]) }; continue }
            strokes[strokes.count - 1].append(SignaturePoint(x: Double(samples[i]), y: Double(samples[i + 1]),
                                                             pressure: Double(samples[i + 2]) / 1023, milliseconds: i / 3 * 10))
        }
        let signature = Signature(strokes: strokes, padWidth: 9600, padHeight: 6000, unitsPerMillimetre: 100)
        for document in SignatureDocument.allCases {
            let jpeg = try SignatureRenderer().jpeg(signature, for: document)
            let header = try JPEG.readHeader(jpeg)
            #expect(header.width == document.width && header.height == document.height && header.components == 1)
            let decoded = try JPEG.decode(jpeg)
            let dark = stride(from: 0, to: decoded.pixels.count, by: 3).filter { decoded.pixels[$0] < 100 }.count
            #expect(dark > 1000 && dark < decoded.width * decoded.height / 3)
        }
    }

    func inkBox(_ image: GrayImage) -> (minX: Int, minY: Int, maxX: Int, maxY: Int) {
        var box = (minX: image.width, minY: image.height, maxX: -1, maxY: -1)
        for y in 0..<image.height {
            for x in 0..<image.width where image[x, y] < 128 {
                box = (min(box.minX, x), min(box.minY, y), max(box.maxX, x), max(box.maxY, y))
            }
        }
        return box
    }
}
