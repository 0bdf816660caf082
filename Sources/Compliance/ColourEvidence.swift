import Imaging

/// Whether an image's colours can be judged: its source was 24-bit sRGB (TR-03121) and its pixels carry colour.
/// A grey picture saved as a colour JPEG passes the first test and fails the second: each of its pixels has
/// R = G = B (to a JPEG rounding). A colour portrait cannot: skin differs by tens of levels between red and blue.
struct ColourEvidence: Sendable, Equatable {
    /// Channels further apart than this (levels) make a pixel coloured; a decoded grey JPEG stays within 2.
    static let neutralSpread = 4
    /// At least this fraction of the pixels must be coloured. A compliant portrait's face alone covers about a
    /// quarter of the picture (head width ≥ half the width), all of it coloured; a grey picture has none.
    static let minimumColouredFraction = 0.01

    /// The fraction of (sampled) pixels whose channels lie more than `neutralSpread` apart.
    var colouredFraction: Double
    /// Why the colours cannot be judged, for the citizen and the clerk; nil when they can.
    var problem: Advice?

    init(image: RGBImage, source: JPEGColourEncoding?) {
        let count = image.width * image.height
        // About 40 000 samples whatever the size.
        let step = max(1, count / 40_000)
        var coloured = 0, sampled = 0
        image.pixels.withUnsafeBufferPointer { p in
            var i = 0
            while i < count {
                let r = Int(p[3 * i]), g = Int(p[3 * i + 1]), b = Int(p[3 * i + 2])
                if max(r, g, b) - min(r, g, b) > Self.neutralSpread { coloured += 1 }
                sampled += 1
                i += step
            }
        }
        colouredFraction = sampled > 0 ? Double(coloured) / Double(sampled) : 0
        if let source, let reason = Self.reason(source) {
            problem = reason
        } else if colouredFraction < Self.minimumColouredFraction {
            problem = Advice(de: "das Bild enthält keine Farben (Graustufen)", en: "the picture has no colours (greyscale)")
        } else {
            problem = nil
        }
    }

    static func reason(_ source: JPEGColourEncoding) -> Advice? {
        switch source.model {
        case .greyscale: return Advice(de: "Graustufenbild", en: "greyscale image")
        case .cmyk, .ycck: return Advice(de: "Druckfarben (CMYK)", en: "print colours (CMYK)")
        case .yCbCr, .rgb: break
        }
        if source.bitsPerSample != 8 {
            return Advice(de: "\(source.bitsPerSample) Bit je Kanal", en: "\(source.bitsPerSample) bits per channel")
        }
        switch source.iccProfile {
        case nil, .sRGB?: return nil
        case .notSRGB(let reason)?: return Advice(de: "Farbprofil ist nicht sRGB (\(reason))", en: "colour profile is not sRGB (\(reason))")
        case .unreadable(let reason)?: return Advice(de: "Farbprofil unlesbar (\(reason))", en: "colour profile unreadable (\(reason))")
        }
    }
}
