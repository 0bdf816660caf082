import Arguments
import Compliance
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
    faces, crop, encode, and the faces and checks of the result. --json adds the crop plan (matrix, size,
    area pre-reduction) and the pupils, so that a peer (scripts/bench-still.py) can do the same work.

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
              .value("profile", "NAME", help: "photo profile (default live)", choices: ["live", "scan"]),
              .value("models", "DIR", help: "directory holding the face models"),
              .flag("json", help: "print {\"medianMs\": {...}}"),
              .flag("layers", help: "with --model: also each operator's best time, heaviest first")],
    positionals: [PositionalSpec("IMAGE", help: "a JPEG frame with one face (not with --model)", optional: true)],
    action: { arguments, output in
        if let model = arguments.value("model") {
            guard arguments.positional("IMAGE") == nil else {
                throw CommandRunner.Failure(.usage, "give either IMAGE or --model, not both")
            }
            return try benchModel(model, repeats: try arguments.integer("repeat", in: 1...100_000) ?? 200,
                                  json: arguments.flag("json"), layers: arguments.flag("layers"), output: &output)
        }
        guard arguments.positional("IMAGE") != nil else {
            throw CommandRunner.Failure(.usage, "give IMAGE (a JPEG frame) or --model FILE.tflite")
        }
        let repeats = try arguments.integer("repeat", in: 1...10_000) ?? 15
        if let threads = try arguments.integer("threads", in: 1...64), threads != 1 {
            throw CommandRunner.Failure(.usage, "--threads \(threads): the face chain runs on one thread only so far")
        }
        let profile = PhotoProfile.named(arguments.value("profile") ?? "live")!
        let path = arguments.positional("IMAGE")!
        let bytes: [UInt8]
        do { bytes = try FileSystem.readFile(path) } catch { throw CommandRunner.Failure(.failure, "cannot read \(path): \(error)") }
        let frame = try loadPhoto(path)
        let analyzer = try loadAnalyzer(arguments.value("models"))
        let faces = analyzer.analyze(frame)
        guard faces.count == 1 else {
            throw CommandRunner.Failure(.failure, "\(path): \(faces.count) faces found; the benchmark needs exactly one")
        }
        let photo: ProcessedPhoto
        do { photo = try PhotoProcessor.process(frame, face: faces[0].geometry, profile: profile) } catch {
            throw CommandRunner.Failure(.failure, "\(path): \(error) (try --profile scan)")
        }
        let checker = ComplianceChecker(profile: profile)
        let photoFaces = analyzer.analyze(photo.image).map(ObservedFace.init)
        var progress = ProgressLine(total: 6 * repeats, enabled: output.isTerminal)
        func time(_ body: () throws -> Void) rethrows -> Double {
            try body()
            var samples: [Double] = []
            for _ in 0..<repeats {
                let start = ThreadClock.nanoseconds()
                try body()
                samples.append(Double(ThreadClock.nanoseconds() - start) / 1e6)
                progress.advance()
            }
            return samples.sorted()[samples.count / 2]
        }
        var medians: [String: Double] = [:]
        medians["decode"] = try time { _ = try JPEG.decode(bytes) }
        medians["faces"] = time { _ = analyzer.analyze(frame) }
        medians["process"] = try time { _ = try PhotoProcessor.process(frame, face: faces[0].geometry, profile: profile) }
        medians["checks"] = time { _ = checker.check(photo.image, faces: photoFaces) }
        medians["encode"] = try time { _ = try JPEG.encode(photo.image, options: .finalPhoto) }
        medians["total"] = try time {
            let decoded = try JPEG.decode(bytes)
            let found = analyzer.analyze(decoded)
            let result = try PhotoProcessor.process(decoded, face: found[0].geometry, profile: profile)
            _ = try JPEG.encode(result.image, options: .finalPhoto)
            _ = checker.check(result.image, faces: analyzer.analyze(result.image).map(ObservedFace.init))
        }
        progress.finish()
        let rounded = medians.mapValues { ($0 * 1000).rounded() / 1000 }
        if arguments.flag("json") {
            let t = photo.plan.transform
            let pupils = { (face: DetectedFace?) -> [[Double]] in
                guard let face else { return [] }
                return [[face.pupils.imageLeft.x, face.pupils.imageLeft.y], [face.pupils.imageRight.x, face.pupils.imageRight.y]]
            }
            let plan = StillBenchPlan(width: profile.width, height: profile.height, transform: [t.a, t.b, t.tx, t.c, t.d, t.ty],
                                      reduce: Int(1 / (2 * photo.plan.scale)), framePupils: pupils(faces.first),
                                      photoPupils: pupils(analyzer.analyze(photo.image).first))
            output.print(try jsonText(StillBenchResult(medianMs: rounded, plan: plan)))
        } else {
            output.print("\(path): \(frame.width)×\(frame.height) → \(profile.name) photo, median of \(repeats) runs, one thread")
            for stage in ["decode", "faces", "process", "checks", "encode", "total"] {
                output.print(stage.padding(toLength: 8, withPad: " ", startingAt: 0) + String(format: "%9.2f ms", medians[stage]!))
            }
        }
        return .success
    })


/// What `fotoboxctl bench IMAGE --json` prints: the medians and what a peer needs to do the same work.
struct StillBenchResult: Encodable {
    let medianMs: [String: Double]
    let plan: StillBenchPlan
}

/// The crop as `PhotoProcessor.render` does it (frame → photo matrix `[a, b, tx, c, d, ty]`, pixel centres
/// at +0.5; area pre-reduction by `reduce` when ≥ 2) and the pupils in the frame and in the photo.
struct StillBenchPlan: Encodable {
    let width: Int, height: Int
    let transform: [Double]
    let reduce: Int
    let framePupils: [[Double]]
    let photoPupils: [[Double]]
}

/// What `fotoboxctl bench --model` prints.
struct ModelBenchResult: Encodable {
    let model: String
    let macs: Int
    let medianMs: Double
    let bestMs: Double
    let gflops: Double
    let kernels: String
}

private func benchModel(_ path: String, repeats: Int, json: Bool, layers: Bool, output: inout CommandOutput) throws -> ExitCode {
    let interpreter: TFLiteInterpreter
    do { interpreter = try TFLiteInterpreter(contentsOf: path) } catch {
        throw CommandRunner.Failure(.failure, "\(path): \(error)")
    }
    interpreter.fillInputsDeterministically()
    for _ in 0..<max(3, repeats / 20) { interpreter.invoke() }
    var samples = [Double]()
    samples.reserveCapacity(repeats)
    for _ in 0..<repeats {
        let start = ThreadClock.nanoseconds()
        interpreter.invoke()
        samples.append(Double(ThreadClock.nanoseconds() - start) / 1e6)
    }
    samples.sort()
    let median = samples[samples.count / 2], best = samples[0]
    func rounded(_ value: Double, _ scale: Double) -> Double { (value * scale).rounded() / scale }
    let result = ModelBenchResult(model: path, macs: interpreter.convolutionMACs, medianMs: rounded(median, 10_000),
                                  bestMs: rounded(best, 10_000),
                                  gflops: rounded(2 * Double(interpreter.convolutionMACs) / (median * 1e6), 10),
                                  kernels: interpreter.kernelPath.rawValue)
    if json {
        output.print(try jsonText(result))
    } else {
        output.print("\(path): \(String(format: "%.1f", Double(result.macs) / 1e6)) M multiply-adds, \(repeats) runs, one thread, \(result.kernels) kernels")
        output.print(String(format: "median %.4f ms, best %.4f ms, %.1f GFLOP/s at the median", median, best, result.gflops))
    }
    if layers, !json {
        // Each operator's best of the runs (other processes only ever add time), heaviest first.
        var bestOf = [Double]()
        var kinds = [String]()
        for run in 0..<max(repeats, 1) {
            let steps = interpreter.invokeTimed { Double(ThreadClock.nanoseconds()) / 1e6 }
            if run == 0 { kinds = steps.map(\.kind); bestOf = steps.map(\.milliseconds) }
            for (i, step) in steps.enumerated() { bestOf[i] = min(bestOf[i], step.milliseconds) }
        }
        let total = bestOf.reduce(0, +)
        output.print(String(format: "operators (%d, best of %d runs each, sum %.4f ms):", kinds.count, repeats, total))
        for (kind, ms) in zip(kinds, bestOf).sorted(by: { $0.1 > $1.1 }) {
            output.print(String(format: "%8.4f ms %5.1f %%  ", ms, 100 * ms / max(total, 1e-9)) + kind)
        }
    }
    return .success
}
