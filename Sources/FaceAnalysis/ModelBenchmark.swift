import Platform

/// One model's inference speed on this machine (`fotoboxctl bench --model`): the figure any other runtime can
/// be held against on the same model. Timed in this thread's CPU time, so other processes on a shared
/// machine do not count; after warm-up; on a fixed deterministic input.
package struct ModelBenchmark: Encodable, Sendable {
    package let model: String
    /// Multiply-adds of the model's convolutions.
    package let macs: Int
    package let medianMs: Double
    package let bestMs: Double
    /// At the median, 2 floating-point operations per multiply-add.
    package let gflops: Double
    /// The kernel path the runtime chose (FOTOBOX_KERNELS forces one).
    package let kernels: String
    package let repeats: Int

    private enum CodingKeys: String, CodingKey { case model, macs, medianMs, bestMs, gflops, kernels }

    /// Loads the model at `path`, runs it `repeats / 20` times (at least 3) to warm up, then `repeats` times
    /// timed, on one thread.
    package static func run(modelAt path: String, repeats: Int) throws(TFLiteError) -> ModelBenchmark {
        let interpreter = try TFLiteInterpreter(contentsOf: path)
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
        return ModelBenchmark(model: path, macs: interpreter.convolutionMACs, medianMs: median.rounded(decimals: 4),
                              bestMs: best.rounded(decimals: 4),
                              gflops: (2 * Double(interpreter.convolutionMACs) / (median * 1e6)).rounded(decimals: 1),
                              kernels: interpreter.kernelPath.rawValue, repeats: repeats)
    }

    /// Each operator's best time over `repeats` runs (other processes only ever add time), heaviest first:
    /// `fotoboxctl bench --model FILE --layers`, to see where a model's time goes.
    package static func operatorLines(modelAt path: String, repeats: Int) throws(TFLiteError) -> [String] {
        let interpreter = try TFLiteInterpreter(contentsOf: path)
        interpreter.fillInputsDeterministically()
        var best = [Double]()
        var kinds = [String]()
        for run in 0..<max(repeats, 1) {
            let steps = interpreter.invokeTimed { Double(ThreadClock.nanoseconds()) / 1e6 }
            if run == 0 { kinds = steps.map(\.kind); best = steps.map(\.milliseconds) }
            for (i, step) in steps.enumerated() { best[i] = min(best[i], step.milliseconds) }
        }
        let total = best.reduce(0, +)
        return ["operators (\(kinds.count), best of \(repeats) runs each, sum \(total.text(decimals: 4)) ms):"]
            + zip(kinds, best).sorted { $0.1 > $1.1 }.map { kind, ms in
                "\(ms.text(decimals: 4)) ms \((100 * ms / max(total, 1e-9)).text(decimals: 1)) %  \(kind)"
            }
    }

    /// Two lines for a person.
    package var summaryLines: [String] {
        ["\(model): \((Double(macs) / 1e6).text(decimals: 1)) M multiply-adds, \(repeats) runs, one thread, \(kernels) kernels",
         "median \(medianMs.text(decimals: 4)) ms, best \(bestMs.text(decimals: 4)) ms, \(gflops.text(decimals: 1)) GFLOP/s at the median"]
    }
}
