import Capture
import Configuration
import Arguments
import Devices
import Imaging
import Platform

/// `fotoboxctl camera list|capture|stream|record`: the technician's view of the camera, like `v4l2-ctl`.
let cameraCommand = Command(
    "camera", summary: "list cameras, capture a still, measure a stream, record a presentation",
    discussion: "Exit status 3 when the camera is missing, busy or hangs.",
    subcommands: [cameraListCommand, cameraCaptureCommand, cameraStreamCommand, cameraRecordCommand])

private let deviceOption = OptionSpec.value("device", "PATH", help: "video node or replay:DIR (default: the first camera found)")

let cameraListCommand = Command(
    "list", summary: "list the video capture nodes with their formats, sizes and frame rates",
    examples: ["fotoboxctl camera list", "fotoboxctl camera list --json"],
    options: [.flag("json", help: "print one JSON object: cameras and errors")],
    action: { arguments, output in
        let found = CameraDiscovery.cameras()
        if arguments.flag("json") {
            output.print(try jsonText(CameraListReport(cameras: found.cameras, errors: found.errors)))
        } else {
            for camera in found.cameras { output.print(lines: camera.summaryLines) }
            for error in found.errors { output.printError("fotoboxctl: \(error)") }
        }
        if found.cameras.isEmpty {
            if !arguments.flag("json") { output.printError("fotoboxctl: no video capture device found") }
            return .deviceUnavailable
        }
        return .success
    })

let cameraCaptureCommand = Command(
    "capture", summary: "capture one still and write it as JPEG",
    discussion: """
    Runs the preview for a few frames (auto exposure settles), switches to the still — the largest size,
    MJPEG preferred, unless --size or --format say otherwise — and writes its first good frame, as the
    kiosk does; the switch time is reported. MJPEG frames are written as the camera sent them; raw frames
    are converted and encoded at the highest quality.
    """,
    examples: ["fotoboxctl camera capture --out still.jpg",
               "fotoboxctl camera capture --device /dev/video2 --out still.jpg --size 1280x720 --format yuyv"],
    options: [deviceOption,
              .value("out", "FILE", help: "where to write the JPEG", required: true),
              .value("size", "WxH", help: "frame size, such as 1920x1080"),
              .value("format", "FORMAT", help: "pixel format", choices: ["mjpeg", "yuyv", "nv12", "rgb24"]),
              .flag("json", help: "print one JSON object describing the capture")],
    action: { arguments, output in
        let request = try streamRequest(.still, arguments)
        let source = try chosenDevice(arguments)
        let path = source.description
        let camera = CameraTools.open(source)
        defer { camera.close() }
        let still = try cameraCall { () throws(CameraError) in try CameraTools.captureStill(camera, request) }
        for warning in still.format.warnings { output.printError("fotoboxctl: warning: \(warning)") }
        let outPath = arguments.value("out")!
        let bytes: [UInt8]
        do { bytes = try CameraTools.jpeg(still.frame, options: .finalPhoto) } catch {
            throw CommandRunner.Failure(.failure, "\(path): the frame cannot be written as JPEG: \(error)")
        }
        try writeFile(bytes, to: outPath)
        let report = still.report(device: path, output: outPath, bytes: bytes.count)
        output.print(arguments.flag("json") ? try jsonText(report) : report.summary)
        return .success
    })

let cameraStreamCommand = Command(
    "stream", summary: "stream for a while and report frame rate, dropped frames and latency",
    discussion: """
    Streams like `v4l2-ctl --stream-mmap` and measures: frames per second, frames the driver dropped
    (gaps in its sequence numbers), broken buffers, capture-to-userspace latency (driver timestamp to
    dequeue). Faults (unplug, hang) are recovered as the service does, and counted with the time it took.
    """,
    examples: ["fotoboxctl camera stream --seconds 10", "fotoboxctl camera stream --device /dev/video2 --seconds 5 --still --json",
               "fotoboxctl camera stream --device /dev/video0 --seconds 30 --wait"],
    options: [deviceOption,
              .value("seconds", "N", help: "how long to stream", required: true),
              .value("size", "WxH", help: "frame size (default: the preview's)"),
              .value("format", "FORMAT", help: "pixel format", choices: ["mjpeg", "yuyv", "nv12", "rgb24"]),
              .flag("still", help: "stream at the still size instead of the preview's"),
              .flag("wait", help: "wait for a camera that is missing or busy, as the service does"),
              .flag("json", help: "print one JSON object with the figures")],
    action: { arguments, output in
        let seconds = try arguments.integer("seconds", in: 1...3600)!
        let request = try streamRequest(arguments.flag("still") ? .still : .preview, arguments)
        let source = try chosenDevice(arguments)
        let path = source.description
        let log = CameraLog.standardError
        // The format is said at once (not with the figures at the end), so a script can act on a running stream.
        let report = try cameraCall { () throws(CameraError) in
            try CameraTools.measureStream(source, request, seconds: seconds, waitForCamera: arguments.flag("wait"), log: log) { format in
                log.write(format.map { "\(path): streaming \($0)" } ?? "\(path): waiting for the camera to be free or plugged in")
            }
        }
        if arguments.flag("json") {
            output.print(try jsonText(report))
        } else {
            output.print(lines: report.summaryLines)
        }
        if report.frames == 0 {
            output.printError("fotoboxctl: \(path) delivered no frame\(report.lastError.map { ": \($0)" } ?? "")")
            return .deviceUnavailable
        }
        return .success
    })

let cameraRecordCommand = Command(
    "record", summary: "record a presentation: the preview's frames as JPEG files, for `liveness score`",
    discussion: """
    Streams the preview (the size and rate the kiosk's guidance sees) for N seconds and writes every frame as \
    DIR/0000.jpg, 0001.jpg, … (MJPEG frames as the camera sent them; raw frames encoded at quality 90), so a \
    station can build its own liveness test set (docs/liveness.md). DIR must not exist yet. The frames show a \
    person's face: the files are readable by their owner only; delete them when the set is no longer needed.
    """,
    examples: ["fotoboxctl camera record --seconds 8 --out presentations/bona-fide/anna-turn",
               "fotoboxctl camera record --device /dev/video2 --seconds 8 --out presentations/print/photo-1"],
    options: [deviceOption,
              .value("seconds", "N", help: "how long to record (1–40 s; a visit's guidance is shorter)", required: true),
              .value("out", "DIR", help: "the new folder for the frames", required: true),
              .flag("json", help: "print one JSON object describing the recording")],
    action: { arguments, output in
        let seconds = try arguments.integer("seconds", in: 1...40)!
        let outPath = arguments.value("out")!
        guard !FileSystem.exists(outPath) else { throw CommandRunner.Failure(.usage, "\(outPath) exists already: give a new folder") }
        let source = try chosenDevice(arguments)
        let path = source.description
        let camera = CameraTools.open(source)
        defer { camera.close() }
        let format = try cameraCall { () throws(CameraError) in try camera.configure(.preview) }
        for warning in format.warnings { output.printError("fotoboxctl: warning: \(warning)") }
        do { try FileSystem.createDirectory(outPath, mode: 0o700) } catch {
            throw CommandRunner.Failure(.failure, "cannot create \(outPath): \(error)")
        }
        let written: Int
        do throws(CameraTools.RecordingProblem) {
            written = try CameraTools.record(camera, seconds: seconds, into: outPath) { index, error in
                output.printError("fotoboxctl: warning: frame \(index) skipped: \(error)")
            }
        } catch {
            switch error {
            case .camera(let cameraError): throw cameraFailure(cameraError)
            case .write: throw CommandRunner.Failure(.failure, error.description)
            }
        }
        let report = RecordingReport(device: path, output: outPath, format: format, seconds: seconds, frames: written)
        output.print(arguments.flag("json") ? try jsonText(report) : report.summary)
        return written > 0 ? .success : .deviceUnavailable
    })

/// `--device` (read as `camera.device` is), or the first capture node found.
private func chosenDevice(_ arguments: ParsedArguments) throws -> CameraSource {
    if let source = try parsedOption(arguments, "device", CameraSource.init(parsing:)) { return source }
    guard let first = CameraDiscovery.cameras().cameras.first else {
        throw CommandRunner.Failure(.deviceUnavailable, "no video capture device found (give --device)")
    }
    return .device(path: first.path)
}

/// Runs a camera call; a camera that is missing, busy or hangs ends the command with status 3.
private func cameraCall<T>(_ body: () throws(CameraError) -> T) throws -> T {
    do { return try body() } catch { throw cameraFailure(error) }
}

/// A format the camera cannot give is a plain failure (1); a camera missing, busy or hanging is 3.
private func cameraFailure(_ error: CameraError) -> CommandRunner.Failure {
    switch error {
    case .unsupportedFormat, .unsupportedSize, .formatRefused: CommandRunner.Failure(.failure, error.description)
    default: CommandRunner.Failure(.deviceUnavailable, error.description)
    }
}

/// `base` with the --format and --size the technician gave.
private func streamRequest(_ base: StreamRequest, _ arguments: ParsedArguments) throws -> StreamRequest {
    var request = base
    request.format = arguments.value("format").flatMap(PixelFormat.init(name:))
    if let text = arguments.value("size") {
        guard let size = FrameSize(parsing: text) else {
            throw UsageError("--size needs WIDTHxHEIGHT, such as 1920x1080, not '\(text)'", commandPath: arguments.commandPath)
        }
        request.size = size
    }
    return request
}
