import Arguments
import Compliance
import Configuration
import FaceAnalysis
import Imaging
import Platform

/// `fotoboxctl analyze IMAGE`: the face chain on one photo — landmarks, pose, crown — as JSON or a summary.
let analyzeCommand = Command(
    "analyze", summary: "find the faces in a photo and measure their landmarks",
    discussion: """
        Runs the face chain (BlazeFace → FaceMesh → Iris) and the hand models (palm detector → hand landmarks) on a JPEG. Coordinates are source pixels, x right, \
        y down; "imageLeft" is the eye with the smaller x. The crown is the estimated top of the skull (hair \
        ignored, as the German photo rules measure the head). Models are looked up in --models, else ./models, \
        else \(FaceModels.installedDirectory).
        """,
    examples: ["fotoboxctl analyze portrait.jpg", "fotoboxctl analyze --json --profile scan scan.jpg"],
    options: [
        .value("profile", "PROFILE", help: "the capture profile the photo is judged by", choices: CaptureProfile.allCases.map(\.rawValue)),
        .flag("json", help: "print one JSON object"),
        .value("models", "DIR", help: "directory holding the face and hand models"),
        .value("annotate", "OUT.jpg", help: "also write the photo with the landmarks drawn on it"),
        configOption.withHelp("judge with this station's profile, [checks] thresholds and models"),
    ],
    positionals: [PositionalSpec("IMAGE", help: "the JPEG to analyse")],
    action: { arguments, output in
        let path = arguments.positional("IMAGE") ?? ""
        let (image, encoding) = try loadPhotoWithEncoding(path)
        let station = try arguments.value("config").map { _ in try loadConfig(arguments) }
        let analyzer = try loadAnalyzer(arguments.value("models") ?? station?.modelDirectory)
        let faces = analyzer.analyze(image)
        // The hand models run once on the still, only when there is a face to judge.
        let palms = faces.isEmpty ? [] : analyzer.palms(image)
        if let annotated = arguments.value("annotate") {
            let marked: [UInt8]
            do { marked = try JPEG.encode(image.markingLandmarks(of: faces, palms: palms), options: JPEGEncodeOptions(quality: 90)) } catch {
                throw CommandRunner.Failure(.failure, "cannot write \(annotated): \(error)")
            }
            try writeFile(marked, to: annotated)
        }
        // The whole image is judged as the photo of the profile: on an uncropped frame the geometry
        // checks say how the crop would have to move.
        let profile = try chosenProfile(arguments, station: station)
        let thresholds = QualityThresholds(overrides: station?.checkThresholds ?? [:])
        let report = ComplianceChecker(profile: profile, thresholds: thresholds).check(image, faces: faces.map { ObservedFace($0, palms: palms) }, source: encoding)
        if arguments.flag("json") {
            output.print(try jsonText(PhotoAnalysis(image: image, encoding: encoding, faces: faces, palms: palms, report: report)))
        } else {
            output.print("\(path): \(image.width)×\(image.height), \(faces.count == 1 ? "1 face" : "\(faces.count) faces")")
            for (index, face) in faces.enumerated() { output.print(lines: face.summaryLines(number: index + 1)) }
            output.print(lines: report.tableLines)
        }
        return report.compliant ? .success : .failure
    })
