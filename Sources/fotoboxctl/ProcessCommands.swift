import Arguments
import Compliance
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
              .value("profile", "NAME", help: "photo profile (default live)", choices: ["live", "scan"]),
              .value("eyes", "X1,Y1,X2,Y2", help: "pupil centres in source pixels (skips the face model)"),
              .value("chin", "X,Y", help: "bottom centre of the chin"),
              .value("crown", "X,Y", help: "top centre of the head"),
              .value("models", "DIR", help: "directory holding the face models (default ./models, then the installed ones)"),
              configOption.withHelp("judge with this station's profile, [checks] thresholds and models"),
              .flag("json", help: "print one JSON object: output, transform, report")],
    positionals: [PositionalSpec("IMAGE", help: "the JPEG to process")],
    action: { arguments, output in
        let station = try arguments.value("config").map { _ in try loadConfig(arguments) }
        let profile = PhotoProfile.named(arguments.value("profile") ?? station?.profile ?? "live")!
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
        do { try FileSystem.writeFileAtomically(outPath, encoded) } catch {
            throw CommandRunner.Failure(.failure, "cannot write \(outPath): \(error)")
        }
        let judged = analyzer.map { $0.analyze(photo.image).map(ObservedFace.init) } ?? [ObservedFace(geometry: photo.geometry)]
        let report = ComplianceChecker(profile: profile, thresholds: thresholds).check(photo.image, faces: judged, source: encoding)
        if arguments.flag("json") {
            output.print(try jsonText(ProcessResult(
                output: .init(path: outPath, width: photo.image.width, height: photo.image.height),
                transform: photo.plan.transform.rows, report: report,
                correction: .init(gains: [photo.correction.redGain, photo.correction.greenGain, photo.correction.blueGain],
                                  gamma: photo.correction.gamma))))
        } else {
            output.print("\(outPath): \(photo.image.width)×\(photo.image.height), \(profile.name) profile, scale \(String(format: "%.3f", photo.plan.scale)), roll removed \(String(format: "%.1f", -face.rollDegrees))°")
            output.print(reportTable(report))
        }
        return report.compliant ? .success : .failure
    })

/// The JSON `process --json` prints.
struct ProcessResult: Encodable {
    struct Output: Encodable { var path: String; var width: Int; var height: Int }
    struct Correction: Encodable { var gains: [Double]; var gamma: Double }
    var output: Output
    var transform: [[Double]]
    var report: ComplianceReport
    var correction: Correction
}

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

/// The checks as an aligned table for people.
func reportTable(_ report: ComplianceReport) -> String {
    let rows = report.checks.map { check -> [String] in
        [check.pass ? "ok" : (check.mandatory ? "FAIL" : "warn"), check.id,
         check.value.map { String(format: "%.3f", $0) } ?? "—", check.limit, check.pass ? "" : check.advice.en]
    }
    let widths = (0..<4).map { column in rows.map { $0[column].count }.max() ?? 0 }
    var lines = rows.map { row in
        (0..<4).map { row[$0].padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  ") + "  " + row[4]
    }
    lines.append(report.compliant ? "compliant: yes" : "compliant: NO (\(report.failures.joined(separator: ", ")))")
    return lines.joined(separator: "\n")
}
