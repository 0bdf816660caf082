import Configuration
import FaceAnalysis
import Imaging

/// The in-process parsers under hostile input (issue 16: `make fuzz`). Each target takes arbitrary bytes
/// and must end in a typed error or a value; a trap, an address-sanitizer report, a leak or a hang is a
/// finding. The same code runs under libFuzzer (`FuzzEntry.swift`, built with `-DFOTOBOX_LIBFUZZER`) and in
/// the plain build (`FuzzMain.swift`: writes the seed corpora and replays files, e.g. a crash libFuzzer saved).
enum FuzzTarget: String, CaseIterable, Sendable {
    /// JPEG header and full decode (libjpeg under the Swift wrapper), at full and reduced scale.
    case jpeg
    /// The `.tflite` FlatBuffer reader and the interpreter's planner; small graphs also run.
    case tflite
    /// The station config file (line splitting, sections, every key's value) and the case-ID pattern
    /// compiler and matcher it configures.
    case config

    /// Decoding limits of the harness: the product decodes camera and office photos of a few megapixels;
    /// bigger declared sizes must be refused by `maxPixels`, not allocated.
    static let jpegMaxPixels = 4_000_000
    /// A mutated graph whose convolutions are cheap enough is also run (the kernels on hostile shapes);
    /// the face detector (about 31 M multiply-adds) is above it, so runs stay fast enough to fuzz.
    static let maximumMACsToRun = 8_000_000

    func run(_ bytes: UnsafeRawBufferPointer) {
        let data = Array(bytes)
        switch self {
        case .jpeg:
            _ = try? JPEG.readHeader(data)
            _ = try? JPEG.decode(data, options: JPEGDecodeOptions(maxPixels: Self.jpegMaxPixels))
            _ = try? JPEG.decode(data, options: JPEGDecodeOptions(scale: .eighth, honourOrientation: false, maxPixels: Self.jpegMaxPixels))
        case .tflite:
            guard let model = try? TFLiteModel(bytes: data),
                  let interpreter = try? TFLiteInterpreter(model: model) else { return }
            if interpreter.convolutionMACs <= Self.maximumMACsToRun {
                interpreter.fillInputsDeterministically()
                interpreter.invoke()
            }
        case .config:
            let text = String(decoding: data, as: UTF8.self)
            guard let config = try? StationConfig.parse(text, path: "fuzz.conf"),
                  let rules = try? config.caseIDRules() else { return }
            for id in ["ABCD-1234", "", "A", String(repeating: "A", count: 200), "ÄÖÜ-0000", "abcd-1234\n"] {
                _ = rules.rejection(of: id)
            }
        }
    }
}
