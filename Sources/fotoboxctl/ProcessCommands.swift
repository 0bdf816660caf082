import Arguments
import Compliance
import Configuration
import FaceAnalysis
import Foundation
import Imaging
import Platform

/// `fotoboxctl process`: a frame in, the profile's photo out.
let processCommand = Command(
    "process", summary: "crop, de-rotate and colour-correct a photo to the ICAO/BSI profile",
    discussion: """
    Finds the face (or takes the landmarks given with --eyes, --chin and --crown), plans the crop the
    profile needs without enlarging or padding, resamples once, corrects white balance and exposure,
    writes a 4:4:4 JPEG at the highest quality and checks the result. Refuses, with the reason, when the
    frame cannot give the photo.
    """,
    examples: ["fotoboxctl process frame.jpg --out photo.jpg",
               "fotoboxctl process scan.jpg --out photo.jpg --profile scan --json",
               "fotoboxctl process frame.jpg --out photo.jpg --eyes 812,640,1010,636 --chin 905,1020 --crown 910,330"],
    options: [.value("out", "FILE", help: "where to write the processed JPEG", required: true),
              .value("profile", "NAME", help: "photo profile (default live)", choices: CaptureProfile.allCases.map(\.rawValue)),
              .value("eyes", "X1,Y1,X2,Y2", help: "pupil centres in source pixels (skips the face model)"),
              .value("chin", "X,Y", help: "bottom centre of the chin"),
              .value("crown", "X,Y", help: "top centre of the head"),
              .value("models", "DIR", help: "directory holding the face models (default ./models, then the installed ones)"),
              configOption.withHelp("judge with this station's profile, [checks] thresholds and models"),
              .flag("json", help: "print one JSON object: output, transform, report")],
    positionals: [PositionalSpec("IMAGE", help: "the JPEG to process")],
    action: { arguments, output in
        let station = try arguments.value("config").map { _ in try loadConfig(arguments) }
        let profile = try chosenProfile(arguments, station: station)
        let thresholds = QualityThresholds(overrides: station?.checkThresholds ?? [:])
        let models = arguments.value("models") ?? station?.modelDirectory
        let path = arguments.positional("IMAGE")!
        let (frame, encoding) = try loadPhotoWithEncoding(path)
        let given = try landmarks(from: arguments)
        // The model finds the face when no landmarks are given, and always judges the result.
        let analyzer: FaceAnalyzer? = given == nil ? try loadAnalyzer(models) : try? loadAnalyzer(models)
        let face: FaceGeometry
        if let given {
            face = given
        } else {
            let found = analyzer!.analyze(frame)
            guard found.count == 1 else {
                throw CommandRunner.Failure(.failure, "\(path): " + (found.isEmpty ? "no face found" : "\(found.count) faces found; only one person may be in the photo"))
            }
            face = found[0].geometry
        }
        let photo: ProcessedPhoto
        do {
            photo = try PhotoProcessor.process(frame, face: face, profile: profile)
        } catch {
            throw CommandRunner.Failure(.failure, "\(path): \(error)")
        }
        let outPath = arguments.value("out")!
        let encoded: [UInt8]
        do { encoded = try JPEG.encode(photo.image, options: .finalPhoto) } catch {
            throw CommandRunner.Failure(.failure, "\(outPath): \(error)")
        }
        try writeFile(encoded, to: outPath)
        let judged = analyzer.map { $0.observe(photo.image) } ?? [ObservedFace(geometry: photo.geometry)]
        let report = ComplianceChecker(profile: profile, thresholds: thresholds).check(photo.image, faces: judged, source: encoding)
        if arguments.flag("json") {
            output.print(try jsonText(ProcessedPhotoReport(photo, writtenTo: outPath, report: report)))
        } else {
            output.print("\(outPath): \(photo.image.width)×\(photo.image.height), \(profile.name) profile, scale \(String(format: "%.3f", photo.plan.scale)), roll removed \(String(format: "%.1f", -face.rollDegrees))°")
            output.print(lines: report.tableLines)
        }
        return report.compliant ? .success : .failure
    })

/// Hand-given landmarks, or nil when none were given; all three are needed together.
func landmarks(from arguments: ParsedArguments) throws -> FaceGeometry? {
    let eyes = try arguments.numbers("eyes", count: 4)
    let chin = try arguments.numbers("chin", count: 2)
    let crown = try arguments.numbers("crown", count: 2)
    if eyes == nil && chin == nil && crown == nil { return nil }
    guard let eyes, let chin, let crown else {
        throw UsageError("--eyes, --chin and --crown go together", commandPath: arguments.commandPath)
    }
    var left = Point(x: eyes[0], y: eyes[1]), right = Point(x: eyes[2], y: eyes[3])
    if left.x > right.x { swap(&left, &right) }
    return FaceGeometry(imageLeftEye: left, imageRightEye: right, chin: Point(x: chin[0], y: chin[1]), crown: Point(x: crown[0], y: crown[1]))
}
