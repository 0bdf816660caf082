import Capture
import Compliance
import Imaging
import Kiosk
import Platform

/// `FotoboxBenchmarks burst FRAME.jpg MODELS [REPEATS]`: a capture burst (5 copies of FRAME, as the camera
/// delivers them) judged by the station's pipeline on one thread and on two (issue 19, "both cores where it
/// pays"), alternating, wall time (the point is the second core). Prints "threads<TAB>median ms".
func runBurstBenchmark(arguments: [String]) throws {
    guard arguments.count >= 2 else { throw BurstBenchmarkError.usage }
    let bytes = try FileSystem.readFile(arguments[0])
    let image = try JPEG.decode(bytes)
    let repeats = arguments.count > 2 ? Int(arguments[2]) ?? 9 : 9
    let frame = Frame(format: .mjpeg, size: FrameSize(width: image.width, height: image.height), bytesPerLine: 0,
                      bytes: bytes, sequence: 0, capturedNanoseconds: nil, dequeuedNanoseconds: 0)
    let burst = [Frame](repeating: frame, count: 5)
    let pipelines = [1, 2].map { threads in
        (threads, Result { try CompliancePhotoPipeline(modelDirectory: arguments[1], profile: .scan, burstThreads: threads) })
    }
    var samples: [Int: [Double]] = [:]
    for round in 0...repeats {
        for (threads, pipeline) in pipelines {
            let pipeline = try pipeline.get()
            let start = ContinuousClock.now
            _ = try pipeline.process(burst: burst)
            // The first round warms both up and is not counted.
            if round > 0 { samples[threads, default: []].append((ContinuousClock.now - start).inMilliseconds) }
        }
    }
    for threads in [1, 2] {
        let sorted = samples[threads]!.sorted()
        print("\(threads)\t\(sorted[sorted.count / 2])")
    }
}

enum BurstBenchmarkError: Error, CustomStringConvertible {
    case usage
    var description: String { "usage: FotoboxBenchmarks burst FRAME.jpg MODELS [REPEATS]" }
}
