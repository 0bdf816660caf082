import FaceAnalysis
import Liveness
import Imaging
import Platform
#if canImport(Glibc)
import Glibc
#endif

/// The face chain's benchmarks (issue 3).
///
///     runFaceBenchmarks(arguments: ["--models", "models", "--images", "../shared/testdata/frames",
///                                   "--out", "bench-results/face", "--threads", "1"])   (all optional)
///
/// Prints each model's inference time (direct and im2col convolutions), the whole chain on the 1080p and
/// 720p frames, and the live-preview figure (detector + mesh on a 640×360 frame). Writes into `--out` each
/// model's input and output tensors as the chain fed them on obama-1080p.jpg (raw little-endian float32,
/// NHWC: `<model>.input.f32`, `<model>.output<i>.f32`) and `swift-timings.txt`, which
/// `scripts/bench-face.py` reads to run the same models on the same inputs through OpenCV and print the
/// time ratio and the largest output difference.
func runFaceBenchmarks(arguments: [String]) {
    func option(_ name: String, _ fallback: String) -> String {
        guard let i = arguments.firstIndex(of: "--" + name), i + 1 < arguments.count else { return fallback }
        return arguments[i + 1]
    }
    let modelDirectory = option("models", "models")
    let imageDirectory = option("images", "../shared/testdata/frames")
    let out = option("out", "bench-results/face")
    let threads = Int(option("threads", "1")) ?? 1
    var timings = [(String, (median: Double, best: Double))]()

    clock = threads > 1 ? CLOCK_MONOTONIC : CLOCK_THREAD_CPUTIME_ID
    print("== face chain (issue 3): \(threads) thread(s), \(threads > 1 ? "wall-clock" : "CPU") time ==")
    guard FaceModels.locate([modelDirectory]) != nil else {
        print("skipped: face models not found in \(modelDirectory) (scripts/setup --models)")
        return
    }
    for name in FaceModels.fileNames {
        for method in [TFLiteInterpreter.ConvolutionMethod.direct, .im2col] {
            let interpreter: TFLiteInterpreter
            do { interpreter = try TFLiteInterpreter(contentsOf: modelDirectory + "/" + name, method: method) } catch {
                print("\(name): \(error)")
                return
            }
            interpreter.threads = threads
            interpreter.fillInputsDeterministically()
            let t = milliseconds(runs: 100) { interpreter.invoke() }
            let gflops = Double(2 * interpreter.convolutionMACs) / (t.best * 1e6)
            print("  \(pad(name, 34)) \(method == .direct ? "direct" : "im2col")  \(describe(t))  (\(fixed(Double(interpreter.convolutionMACs) / 1e6, 1)) M multiply-adds, best \(fixed(gflops, 1)) GFLOP/s)")
            if method == .direct { timings.append((name, t)) }
            if method == .direct { printBreakdown(interpreter) }
        }
    }

    let analyzer: FaceAnalyzer
    do { analyzer = try FaceAnalyzer(modelDirectory: modelDirectory) } catch {
        print("face chain: \(error)")
        return
    }
    analyzer.threads = threads
    for file in ["obama-1080p.jpg", "obama-720p.jpg"] {
        guard let image = loadJPEG(imageDirectory + "/" + file) else { continue }
        var faces = 0
        let t = milliseconds(runs: 50) { faces = analyzer.analyze(image).count }
        print("  whole chain (detector, 2× mesh, 2× iris, crown) on \(file) \(image.width)×\(image.height): \(describe(t)), \(faces) face(s)")
        if file == "obama-1080p.jpg" {
            timings.append(("chain_1080p", t))
            _ = analyzer.analyze(image) // leaves the chain's own crops in the interpreters
            dumpTensors(analyzer, to: out)
        }
    }
    if let image = loadJPEG(imageDirectory + "/obama-720p.jpg") {
        let preview = AffineWarp.warp(image, transform: .scale(0.5), width: 640, height: 360)
        var faces = 0
        let t = milliseconds(runs: 100) { faces = analyzer.analyze(preview, mode: .preview).count }
        print("  live preview (detector + mesh) on 640×360: \(describe(t)) = \(fixed(1000 / t.median, 0)) frames/s (median), \(faces) face(s) (goal ≥ 15 frames/s on one core)")
        timings.append(("preview_640x360", t))
        // Liveness (issue 13): what a preview frame costs beside the chain. Per frame the observation (rigid
        // points, grey texture crop); at the end the judge follows the texture once per moved frame (43 NCC
        // searches) and solves the two motion models: counted here as if every frame had moved (worst case).
        if let face = analyzer.analyze(preview, mode: .preview).first {
            var observation: FaceObservation? = nil
            let tObservation = milliseconds(runs: 100) { observation = FaceObservation(face, in: preview) }
            // A second frame: the same face 3 % larger and shifted, so the searches run their full course.
            let moved = AffineWarp.warp(preview, transform: .scale(1.03).followed(by: .translation(x: -6, y: -4)), width: 640, height: 360)
            if let reference = observation, let movedFace = analyzer.analyze(moved, mode: .preview).first,
               let referenceTexture = reference.texture {
                let target = FaceObservation(movedFace, in: moved)
                var tracked = 0
                let tJudge = milliseconds(runs: 100) {
                    guard let targetTexture = target.texture else { return }
                    let pairs = TextureTracker.track(from: reference, referenceTexture, to: target, targetTexture)
                    tracked = pairs.from.count
                    _ = MotionModels.planarResidual(from: pairs.from, to: pairs.to)
                    _ = MotionModels.rigidResidual(from: pairs.from, to: pairs.to)
                    _ = LivenessJudge.expectedPlanarResidual(pairs.from, yawDegrees: 10, pitchDegrees: 0)
                }
                let total = (tObservation.median + tJudge.median, tObservation.best + tJudge.best)
                print("  liveness per preview frame: observation \(describe(tObservation)) + judge's share (texture tracking of \(tracked) points, two motion models) \(describe(tJudge)) = \(fixed(total.0, 3)) ms (best \(fixed(total.1, 3))) (goal ≤ 2 ms on one core)")
                timings.append(("liveness_per_frame", (median: total.0, best: total.1)))
            }
        }
    }
    let text = timings.map { "\($0.0) \($0.1.median) \($0.1.best)" }.joined(separator: "\n") + "\n"
    do { try FileSystem.writeFileAtomically(out + "/swift-timings.txt", Array(text.utf8), mode: 0o644) } catch {
        print("cannot write \(out)/swift-timings.txt: \(error)")
    }
}

/// Where one model's time goes: per kind of step, the best of 30 runs summed, largest first.
private func printBreakdown(_ interpreter: TFLiteInterpreter) {
    var best = [Double]()
    var kinds = [String]()
    for run in 0..<30 {
        let steps = interpreter.invokeTimed(clock: now)
        if run == 0 { kinds = steps.map(\.kind); best = steps.map(\.milliseconds) }
        for (i, step) in steps.enumerated() { best[i] = min(best[i], step.milliseconds) }
    }
    var total = [String: (ms: Double, count: Int)]()
    for (kind, ms) in zip(kinds, best) { total[kind, default: (0, 0)].ms += ms; total[kind, default: (0, 0)].count += 1 }
    let line = total.sorted { $0.value.ms > $1.value.ms }.prefix(5)
        .map { "\($0.key) ×\($0.value.count) \(fixed($0.value.ms, 3))" }.joined(separator: ", ")
    print("      where the time goes (ms): \(line)")
}

private func dumpTensors(_ analyzer: FaceAnalyzer, to directory: String) {
    var path = ""
    for part in directory.split(separator: "/", omittingEmptySubsequences: false) {
        path += (path.isEmpty && !directory.hasPrefix("/") ? "" : "/") + part
        guard !part.isEmpty, !FileSystem.exists(path) else { continue }
        do { try FileSystem.createDirectory(path, mode: 0o755) } catch {
            print("cannot create \(path): \(error)")
            return
        }
    }
    do {
        for (file, interpreter) in analyzer.interpreters {
            interpreter.invoke()
            let stem = directory + "/" + String(file.dropLast(".tflite".count))
            try write(UnsafeBufferPointer(interpreter.input(0)), to: stem + ".input.f32")
            for o in 0..<interpreter.outputs.count { try write(interpreter.output(o), to: stem + ".output\(o).f32") }
        }
        print("  tensors of the chain's last crops written to \(directory) (scripts/bench-face.py compares them with OpenCV)")
    } catch {
        print("cannot write the tensors: \(error)")
    }
}

private func write(_ values: UnsafeBufferPointer<Float>, to path: String) throws {
    try FileSystem.writeFileAtomically(path, [UInt8](UnsafeRawBufferPointer(values)), mode: 0o644)
}

private func loadJPEG(_ path: String) -> RGBImage? {
    do { return try JPEG.decode(try FileSystem.readFile(path)) } catch {
        print("  skipped \(path): \(error)")
        return nil
    }
}

/// The clock the figures are taken with: the CPU time of this thread with one thread (the station's
/// "one core" figure, and immune to other processes on a shared machine), wall time with two.
nonisolated(unsafe) private var clock = CLOCK_THREAD_CPUTIME_ID

private func now() -> Double {
    var t = timespec()
    clock_gettime(clock, &t)
    return Double(t.tv_sec) * 1000 + Double(t.tv_nsec) / 1e6
}

/// Median and best of `runs` timed calls after a warm-up. On a shared machine the best is the steadier
/// figure (other processes only ever add time); both are printed and written.
private func milliseconds(runs: Int, _ body: () -> Void) -> (median: Double, best: Double) {
    for _ in 0..<3 { body() }
    var times = [Double]()
    for _ in 0..<runs {
        let start = now()
        body()
        times.append(now() - start)
    }
    times.sort()
    return (times[times.count / 2], times[0])
}

private func describe(_ t: (median: Double, best: Double)) -> String {
    "\(fixed(t.median, 3)) ms (best \(fixed(t.best, 3)))"
}

private func fixed(_ value: Double, _ digits: Int) -> String {
    var scale = 1
    for _ in 0..<digits { scale *= 10 }
    let scaled = Int((abs(value) * Double(scale)).rounded())
    let text = digits == 0 ? "\(scaled)" : "\(scaled / scale)." + {
        let f = String(scaled % scale)
        return String(repeating: "0", count: digits - f.count) + f
    }()
    return value < 0 ? "-" + text : text
}

private func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
}
