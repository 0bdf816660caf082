import Compliance
import FaceAnalysis
import Imaging
#if canImport(Glibc)
import Glibc
#endif

/// Monotonic time in milliseconds.
func nowMilliseconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) * 1000 + Double(t.tv_nsec) / 1_000_000
}

/// The median of `repeats` timed runs of `body`, after one warm-up run.
func medianMilliseconds(repeats: Int, _ body: () -> Void) -> Double {
    body()
    var times: [Double] = []
    for _ in 0..<repeats {
        let start = nowMilliseconds()
        body()
        times.append(nowMilliseconds() - start)
    }
    times.sort()
    return times[times.count / 2]
}

/// Keeps a result alive so the optimiser cannot drop the work that made it.
@inline(never) func consume<T>(_ value: T) { withExtendedLifetime(value) {} }

/// One line of the benchmark's output: a stage, its median time, and the bytes it touched (for GB/s).
struct Measurement {
    var stage: String
    var milliseconds: Double
    var bytes: Int
}

/// The imaging stages of issue 2, each on the same frame the OpenCV peer uses (scripts/bench-peer.py
/// mirrors this list stage by stage).
func runImagingBenchmarks(frameBytes: [UInt8], repeats: Int) throws -> [Measurement] {
    var results: [Measurement] = []
    let frame = try JPEG.decode(frameBytes)
    let w = frame.width, h = frame.height
    let rgbBytes = w * h * 3

    // memcpy of one RGB frame: the ceiling for the copy-like kernels.
    var copy = [UInt8](repeating: 0, count: rgbBytes)
    results.append(Measurement(stage: "memcpy", milliseconds: medianMilliseconds(repeats: repeats) {
        frame.pixels.withUnsafeBytes { source in copy.withUnsafeMutableBytes { target in _ = memcpy(target.baseAddress!, source.baseAddress!, rgbBytes) } }
        consume(copy)
    }, bytes: 2 * rgbBytes))

    results.append(Measurement(stage: "jpeg decode", milliseconds: medianMilliseconds(repeats: repeats) {
        consume(try! JPEG.decode(frameBytes))
    }, bytes: rgbBytes))
    results.append(Measurement(stage: "jpeg decode 1/4 (DCT)", milliseconds: medianMilliseconds(repeats: repeats) {
        consume(try! JPEG.decode(frameBytes, options: JPEGDecodeOptions(scale: .quarter)))
    }, bytes: rgbBytes / 16))

    // A YUYV and an NV12 frame of the same size, as a webcam delivers them.
    let evenWidth = w & ~1, evenHeight = h & ~1
    var yuyv = [UInt8](repeating: 0, count: evenWidth * evenHeight * 2)
    for i in 0..<yuyv.count { yuyv[i] = UInt8(truncatingIfNeeded: i &* 2_654_435_761 >> 13) }
    var rgb = RGBImage(width: evenWidth, height: evenHeight)
    results.append(Measurement(stage: "yuyv→rgb", milliseconds: medianMilliseconds(repeats: repeats) {
        yuyv.withUnsafeBufferPointer { try! ColourConversion.convert(yuyv: $0, width: evenWidth, height: evenHeight, into: &rgb) }
        consume(rgb)
    }, bytes: yuyv.count + evenWidth * evenHeight * 3))
    let nv12 = [UInt8](yuyv[0..<(evenWidth * evenHeight * 3 / 2)])
    results.append(Measurement(stage: "nv12→rgb", milliseconds: medianMilliseconds(repeats: repeats) {
        nv12.withUnsafeBufferPointer {
            try! ColourConversion.convert(nv12Luma: UnsafeBufferPointer(rebasing: $0[0..<(evenWidth * evenHeight)]),
                                          chroma: UnsafeBufferPointer(rebasing: $0[(evenWidth * evenHeight)...]),
                                          width: evenWidth, height: evenHeight, into: &rgb)
        }
        consume(rgb)
    }, bytes: nv12.count + evenWidth * evenHeight * 3))

    results.append(Measurement(stage: "rgb→gray", milliseconds: medianMilliseconds(repeats: repeats) {
        consume(ColourConversion.gray(fromRGB: frame))
    }, bytes: rgbBytes + w * h))

    var quarter = RGBImage(width: w / 4, height: h / 4)
    results.append(Measurement(stage: "area resize 1/4", milliseconds: medianMilliseconds(repeats: repeats) {
        AreaResize.resize(frame, into: &quarter)
        consume(quarter)
    }, bytes: rgbBytes + rgbBytes / 16))

    // The crop's resampling: rotate 5° about the centre, scale 0.6, into a 622×800 photo, bicubic.
    let warp = benchmarkWarp(width: w, height: h)
    var photo = RGBImage(width: 622, height: 800)
    results.append(Measurement(stage: "warp bicubic 622×800", milliseconds: medianMilliseconds(repeats: repeats) {
        AffineWarp.warp(frame, transform: warp, into: &photo, interpolation: .bicubic)
        consume(photo)
    }, bytes: 622 * 800 * 3))
    results.append(Measurement(stage: "warp bilinear 622×800", milliseconds: medianMilliseconds(repeats: repeats) {
        AffineWarp.warp(frame, transform: warp, into: &photo, interpolation: .bilinear)
        consume(photo)
    }, bytes: 622 * 800 * 3))

    let correction = ColourCorrection(redGain: 1.1, greenGain: 1, blueGain: 0.9, gamma: 0.8)
    var corrected = frame
    results.append(Measurement(stage: "colour correction", milliseconds: medianMilliseconds(repeats: repeats) {
        correction.apply(to: &corrected)
        consume(corrected)
    }, bytes: 2 * rgbBytes))

    results.append(Measurement(stage: "jpeg encode q95 4:4:4", milliseconds: medianMilliseconds(repeats: repeats) {
        consume(try! JPEG.encode(frame, options: JPEGEncodeOptions(quality: 95, subsampling: .full444)))
    }, bytes: rgbBytes))

    // The compliance checks on a finished photo (the face chain excluded), issue 4's budget.
    let face = FaceGeometry(imageLeftEye: Point(x: 311 - 90, y: 360), imageRightEye: Point(x: 311 + 90, y: 360),
                            chin: Point(x: 311, y: 690), crown: Point(x: 311, y: 90))
    let checker = ComplianceChecker(profile: .scan)
    let observed = ObservedFace(geometry: face, eyeOpenness: 0.3, mouthOpenness: 0)
    results.append(Measurement(stage: "checks 622×800", milliseconds: medianMilliseconds(repeats: repeats) {
        consume(checker.check(photo, faces: [observed]))
    }, bytes: 0))
    let frameFace = FaceGeometry(imageLeftEye: Point(x: 860, y: 500), imageRightEye: Point(x: 1060, y: 504),
                                 chin: Point(x: 958, y: 840), crown: Point(x: 962, y: 190))
    results.append(Measurement(stage: "crop plan", milliseconds: medianMilliseconds(repeats: repeats) {
        consume(try? CropPlanner.plan(face: frameFace, frameWidth: w, frameHeight: h, profile: .scan))
    }, bytes: 0))
    let evaluator = GuidanceEvaluator(profile: .scan)
    results.append(Measurement(stage: "guidance", milliseconds: medianMilliseconds(repeats: repeats) {
        consume(evaluator.evaluate(faces: [ObservedFace(geometry: frameFace, eyeOpenness: 0.3, mouthOpenness: 0)],
                                   frameWidth: w, frameHeight: h))
    }, bytes: 0))
    let live = AffineWarp.warp(frame, transform: AffineTransform.scale(1.1), width: 1244, height: 1600)
    let liveFace = face.mapped(by: .scale(2))
    let liveChecker = ComplianceChecker(profile: .live)
    results.append(Measurement(stage: "checks 1244×1600", milliseconds: medianMilliseconds(repeats: repeats) {
        consume(liveChecker.check(live, faces: [ObservedFace(geometry: liveFace, eyeOpenness: 0.3, mouthOpenness: 0)]))
    }, bytes: 0))
    return results
}

/// Source → photo: rotate 5° about the frame centre, scale 0.6, centre in a 622×800 photo.
func benchmarkWarp(width: Int, height: Int) -> AffineTransform {
    AffineTransform.translation(x: -Double(width) / 2, y: -Double(height) / 2)
        .followed(by: .rotation(degrees: 5)).followed(by: .scale(0.6)).followed(by: .translation(x: 311, y: 400))
}
