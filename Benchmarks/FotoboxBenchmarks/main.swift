import Imaging
import Platform
#if canImport(Glibc)
import Glibc
#endif

// `make bench` runs this (scripts/bench), alternating with the OpenCV peer on the same frame.
//   FotoboxBenchmarks imaging FRAME.jpg [REPEATS]   → one line per stage: "stage<TAB>ms<TAB>bytes"
//   FotoboxBenchmarks face …                        → the face chain, driven by scripts/bench-face.py
//   FotoboxBenchmarks burst FRAME.jpg MODELS [N]    → a 5-frame burst judged on one and on two threads

let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.first == "face" {
    runFaceBenchmarks(arguments: Array(arguments.dropFirst()))
    exit(0)
}
if arguments.first == "burst" {
    do { try runBurstBenchmark(arguments: Array(arguments.dropFirst())) } catch {
        printError("FotoboxBenchmarks: \(error)")
        exit(1)
    }
    exit(0)
}
guard arguments.count >= 2, arguments[0] == "imaging" else {
    printError("usage: FotoboxBenchmarks imaging FRAME.jpg [REPEATS]")
    exit(2)
}
let repeats = arguments.count > 2 ? Int(arguments[2]) ?? 15 : 15
do {
    let bytes = try FileSystem.readFile(arguments[1])
    for m in try runImagingBenchmarks(frameBytes: bytes, repeats: repeats) {
        print("\(m.stage)\t\(m.milliseconds)\t\(m.bytes)")
    }
} catch {
    printError("FotoboxBenchmarks: \(error)")
    exit(1)
}

func printError(_ line: String) { StandardStreams.writeError(line + "\n") }
