import Arguments
import Compliance
import Configuration
import FaceAnalysis
import Foundation
import Imaging
import KernelDispatch
import Platform

/// `fotoboxctl bench IMAGE`: how long each stage of `process` takes on this station, on this photo.
let benchCommand = Command(
    "bench", summary: "time each stage of the photo pipeline on one image",
    discussion: """
    Runs decode, the face chain, the crop and colour correction, the checks and the JPEG encoding
    --repeat times (after one warm-up run) and prints the median of each in milliseconds of this thread's
    CPU time (other processes on the machine do not count). "total" is one whole `process` run: decode,
    faces, crop, encode, and the faces, hand models and checks of the result ("hands", the palm detector and
    the hand landmark model on each palm, is a share of it). --json adds the crop plan (matrix, size, area
    pre-reduction), the pupils and the hand regions, so that a peer (scripts/bench-still.py) can do the
    same work.

    With --model instead of IMAGE: one TFLite model's inference on a fixed deterministic input, one thread,
    after warm-up, timed in this thread's CPU time (other processes do not count): median and best of
    --repeat runs (default 200), multiply-adds of its convolutions, GFLOP/s at the median (2 per
    multiply-add), and the kernel path (FOTOBOX_KERNELS=baseline|avx2|avx512 forces one). The figure any
    other runtime can be held against on the same model.
    """,
    examples: ["fotoboxctl bench frame.jpg", "fotoboxctl bench frame.jpg --repeat 50 --profile scan --json",
               "fotoboxctl bench --model models/iris_landmark.tflite --json",
               "FOTOBOX_KERNELS=avx2 fotoboxctl bench --model models/face_landmark.tflite --repeat 500"],
    options: [.value("repeat", "N", help: "runs per stage (default 15; 200 with --model)"),
              .value("model", "FILE", help: "time this .tflite model's inference instead of the pipeline"),
              .value("threads", "N", help: "threads for the face chain (only 1 is supported yet)"),
              .value("profile", "NAME", help: "photo profile (default live)", choices: CaptureProfile.allCases.map(\.rawValue)),
              .value("models", "DIR", help: "directory holding the face models"),
              .flag("json", help: "print {\"medianMs\": {...}, \"plan\": {...}}"),
              .flag("layers", help: "with --model: also each operator's best time, heaviest first")],
    positionals: [PositionalSpec("IMAGE", help: "a JPEG frame with one face (not with --model)", optional: true)],
    action: { arguments, output in
        if let model = arguments.value("model") {
            guard arguments.positional("IMAGE") == nil else {
                throw CommandRunner.Failure(.usage, "give either IMAGE or --model, not both")
            }
            let result: ModelBenchmark
            do { result = try ModelBenchmark.run(modelAt: model, repeats: try arguments.integer("repeat", in: 1...100_000) ?? 200) } catch {
                throw CommandRunner.Failure(.failure, "\(model): \(error)")
            }
            output.print(arguments.flag("json") ? try jsonText(result) : result.summaryLines.joined(separator: "\n"))
            if arguments.flag("layers"), !arguments.flag("json") {
                do { output.print(try ModelBenchmark.operatorLines(modelAt: model, repeats: result.repeats).joined(separator: "\n")) } catch {
                    throw CommandRunner.Failure(.failure, "\(model): \(error)")
                }
            }
            return .success
        }
        guard arguments.positional("IMAGE") != nil else {
            throw CommandRunner.Failure(.usage, "give IMAGE (a JPEG frame) or --model FILE.tflite")
        }
        let repeats = try arguments.integer("repeat", in: 1...10_000) ?? 15
        if let threads = try arguments.integer("threads", in: 1...64), threads != 1 {
            throw CommandRunner.Failure(.usage, "--threads \(threads): the face chain runs on one thread only so far")
        }
        let profile = try chosenProfile(arguments, station: nil)
        let path = arguments.positional("IMAGE")!
        let bytes: [UInt8]
        do { bytes = try FileSystem.readFile(path) } catch { throw CommandRunner.Failure(.failure, "cannot read \(path): \(error)") }
        let frame = try loadPhoto(path)
        let analyzer = try loadAnalyzer(arguments.value("models"))
        let faces = analyzer.analyze(frame)
        guard faces.count == 1 else {
            throw CommandRunner.Failure(.failure, "\(path): \(faces.count) faces found; the benchmark needs exactly one")
        }
        // The crop is tried once up front, so a frame the profile cannot use is refused before the timing.
        let photo: ProcessedPhoto
        do { photo = try PhotoProcessor.process(frame, face: faces[0].geometry, profile: profile) } catch {
            throw CommandRunner.Failure(.failure, "\(path): \(error) (try --profile scan)")
        }
        var progress = ProgressLine(total: PipelineBenchmark.stages.count * repeats, enabled: output.isTerminal)
        let benchmark = PipelineBenchmark(jpeg: bytes, frame: frame, face: faces[0].geometry, profile: profile)
        let medians = try benchmark.medians(analyzer: analyzer, repeats: repeats) { progress.advance() }
        progress.finish()
        if arguments.flag("json") {
            let report = PipelineBenchmark.Report(medianMs: medians.mapValues { $0.rounded(decimals: 3) },
                                                  plan: benchmark.plan(of: photo, frameFace: faces[0], analyzer: analyzer))
            output.print(try jsonText(report))
        } else {
            output.print("\(path): \(frame.width)×\(frame.height) → \(profile.name) photo, median of \(repeats) runs, one thread")
            for stage in PipelineBenchmark.stages {
                output.print(stage.padding(toLength: 8, withPad: " ", startingAt: 0) + String(format: "%9.2f ms", medians[stage]!))
            }
        }
        return .success
    })
