import Capture
import Foundation

// What `fotoboxctl camera list|capture|stream|record` prints: each operation's result as text for a person
// and as JSON for scripts, beside the operations in CameraTools.

extension CameraInfo {
    /// The node with its card, driver and bus, then one line per pixel format with its sizes and top rates.
    public var summaryLines: [String] {
        ["\(path)  \(capabilities.card) (\(capabilities.driver), \(capabilities.busInfo))"] + formats.map { format in
            let sizes = format.sizes.map { option in
                option.size.description + (option.maxFramesPerSecond.map { "@\(String(format: "%.1f", $0))" } ?? "")
            }
            return "    \(format.format)  \(format.name)\(format.isEmulated ? " (emulated)" : ""): \(sizes.joined(separator: " "))"
        }
    }
}

/// `camera list --json`: the cameras and the nodes that could not be read.
public struct CameraListReport: Sendable, Encodable {
    public var cameras: [CameraDescription]
    public var errors: [String]

    public init(cameras: [CameraInfo], errors: [CameraError]) {
        self.cameras = cameras.map(CameraDescription.init)
        self.errors = errors.map(\.description)
    }
}

extension CameraTools.Still {
    /// `camera capture`'s account of the still written to `output` (`bytes` long) from `device`.
    public func report(device: String, output: String, bytes: Int) -> CaptureReport {
        CaptureReport(device: device, output: output, format: frame.format.description, width: frame.size.width,
                      height: frame.size.height, bytes: bytes, switchMilliseconds: (switchMilliseconds * 10).rounded() / 10,
                      warnings: format.warnings, measuredSwitchMilliseconds: switchMilliseconds)
    }
}

/// One still as `camera capture` wrote it.
public struct CaptureReport: Sendable, Encodable {
    public var device: String
    public var output: String
    public var format: String
    public var width: Int
    public var height: Int
    public var bytes: Int
    /// From the end of the preview to the first still frame in hand.
    public var switchMilliseconds: Double
    public var warnings: [String]
    /// Unrounded, for the text (which shows hundredths).
    fileprivate var measuredSwitchMilliseconds: Double

    private enum CodingKeys: String, CodingKey { case device, output, format, width, height, bytes, switchMilliseconds, warnings }

    /// One line for a person.
    public var summary: String {
        "\(output): \(width)x\(height) from \(device) in \(format), \(bytes) bytes; preview to still in \(String(format: "%.2f", measuredSwitchMilliseconds)) ms"
    }
}

extension CameraTools.StreamReport {
    /// The figures for a person: format, rate and drops, latency, faults.
    public var summaryLines: [String] {
        func ms(_ value: Double) -> String { String(format: "%.2f", value) }
        return [
            "\(device): \(format == "none" ? "no stream" : "\(format) \(width)x\(height)") for \(seconds) s",
            "frames \(frames)  fps \(String(format: "%.1f", framesPerSecond))  dropped \(dropped)  broken \(broken)",
            "latency mean \(ms(latencyMeanMilliseconds)) ms  max \(ms(latencyMaxMilliseconds)) ms (\(latencySamples) samples)",
            "faults \(faults)  recoveries \(recoveries)  longest recovery \(ms(maxRecoveryMilliseconds)) ms",
        ]
    }
}

/// A presentation as `camera record` wrote it: `frames` JPEG files in the folder `output`.
public struct RecordingReport: Sendable, Encodable {
    public var device: String
    public var output: String
    public var format: String
    public var width: Int
    public var height: Int
    public var seconds: Int
    public var frames: Int

    public init(device: String, output: String, format: NegotiatedFormat, seconds: Int, frames: Int) {
        self.device = device
        self.output = output
        self.format = format.format.description
        width = format.size.width
        height = format.size.height
        self.seconds = seconds
        self.frames = frames
    }

    /// One line for a person.
    public var summary: String { "\(output): \(frames) frames of \(width)x\(height) from \(device) in \(seconds) s" }
}
