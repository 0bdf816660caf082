import Configuration
import FaceAnalysis
import Imaging
import Submission

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
    /// What the office does with a submission's body before it answers 201: the multipart parser, the
    /// metadata JSON and every part's validation (photo and signature decoded in full). The input is the
    /// Content-Type, a line feed, then the body.
    case submission

    /// Decoding limits of the harness: the product decodes camera and office photos of a few megapixels;
    /// bigger declared sizes must be refused by `maxPixels`, not allocated.
    static let jpegMaxPixels = 4_000_000
    /// A mutated graph whose convolutions are cheap enough is also run (the kernels on hostile shapes);
    /// the face detector (about 31 M multiply-adds) is above it, so runs stay fast enough to fuzz.
    static let maximumMACsToRun = 8_000_000

    /// Runs one input; true when it was accepted all the way (a decoded photo, a planned model, a valid
    /// config, a valid submission), false when a typed error refused it.
    @discardableResult
    func run(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let data = Array(bytes)
        switch self {
        case .jpeg:
            _ = try? JPEG.readHeader(data)
            let full = try? JPEG.decode(data, options: JPEGDecodeOptions(maxPixels: Self.jpegMaxPixels))
            _ = try? JPEG.decode(data, options: JPEGDecodeOptions(scale: .eighth, honourOrientation: false, maxPixels: Self.jpegMaxPixels))
            return full != nil
        case .tflite:
            guard let model = try? TFLiteModel(bytes: data),
                  let interpreter = try? TFLiteInterpreter(model: model) else { return false }
            if interpreter.convolutionMACs <= Self.maximumMACsToRun {
                interpreter.fillInputsDeterministically()
                interpreter.invoke()
            }
            return true
        case .config:
            let text = String(decoding: data, as: UTF8.self)
            guard let config = try? StationConfig.parse(text, path: "fuzz.conf"),
                  let rules = try? config.caseIDRules() else { return false }
            for id in ["ABCD-1234", "", "A", String(repeating: "A", count: 200), "ÄÖÜ-0000", "abcd-1234\n"] {
                _ = rules.rejection(of: id)
            }
            return true
        case .submission:
            guard let newline = data.firstIndex(of: 0x0A) else { return false }
            let contentType = String(decoding: data[..<newline], as: UTF8.self)
            guard let submission = try? SubmissionWire.decode(Array(data[(newline + 1)...]), contentType: contentType) else { return false }
            return (try? SubmissionRules.validate(submission, policy: .anySafe)) != nil
        }
    }
}
