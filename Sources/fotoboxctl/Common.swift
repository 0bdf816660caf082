import Arguments
import Compliance
import Configuration
import FaceAnalysis
import Foundation
import Imaging
import Platform

// What several commands share: the config option, reading a photo, finding the face models, JSON output
// and the progress bar.

let configOption = OptionSpec.value("config", "FILE", help: "the station's config file (default \(StationConfig.defaultPath))")

/// The station's config from --config (or the installed one); a broken file is a usage error naming its lines.
func loadConfig(_ arguments: ParsedArguments) throws -> StationConfig {
    let path = arguments.value("config") ?? StationConfig.defaultPath
    do { return try StationConfig.load(path: path) } catch { throw CommandRunner.Failure(.usage, "\(error)") }
}

/// An option that takes what a config setting takes, read by that setting's own parser (`--device` as
/// `camera.device` or `pad.device`, `--profile` as `visit.profile`); a bad value is a usage error naming the option.
func parsedOption<Value>(_ arguments: ParsedArguments, _ name: String,
                         _ parse: (String) throws(ConfigValueError) -> Value) throws -> Value? {
    guard let text = arguments.value(name) else { return nil }
    do throws(ConfigValueError) { return try parse(text) } catch { throw CommandRunner.Failure(.usage, "--\(name): \(error)") }
}

/// The capture profile from `--profile`, else the station's (`--config`), else live.
func chosenProfile(_ arguments: ParsedArguments, station: StationConfig?) throws -> PhotoProfile {
    PhotoProfile.of(try parsedOption(arguments, "profile", CaptureProfile.init(parsing:)) ?? station?.profile ?? .live)
}

/// The photo, or a one-line reason (exit 1).
func loadPhoto(_ path: String) throws(CommandRunner.Failure) -> RGBImage {
    try loadPhotoWithEncoding(path).image
}

/// The photo and how its file stored the colours (grey, CMYK, an ICC profile), which the colourSpace check
/// judges; or a one-line reason (exit 1), such as a 16-bit JPEG.
func loadPhotoWithEncoding(_ path: String) throws(CommandRunner.Failure) -> (image: RGBImage, encoding: JPEGColourEncoding) {
    let bytes: [UInt8]
    do { bytes = try FileSystem.readFile(path, limit: 128 << 20) } catch {
        throw CommandRunner.Failure(.failure, "cannot read \(path): \(error)")
    }
    do {
        let (image, header) = try JPEG.decodeWithHeader(bytes)
        return (image, header.colourEncoding)
    } catch {
        throw CommandRunner.Failure(.failure, "\(path): \(error)")
    }
}

/// The face chain from `--models`, ./models or the installed directory; exit 3 when none holds the models.
func loadAnalyzer(_ directory: String?) throws(CommandRunner.Failure) -> FaceAnalyzer {
    let candidates = directory.map { [$0] } ?? ["models", FaceModels.installedDirectory]
    guard let found = FaceModels.locate(candidates) else {
        throw CommandRunner.Failure(.deviceUnavailable, "face models not found in \(candidates.joined(separator: " or ")) "
            + "(expected \(FaceModels.fileNames.joined(separator: ", ")); run scripts/setup --models)")
    }
    do { return try FaceAnalyzer(modelDirectory: found) } catch {
        throw CommandRunner.Failure(.deviceUnavailable, "\(found)/\(error)")
    }
}

/// Writes `bytes` to `path` atomically, readable by its owner only (photos and signatures are biometric data),
/// or ends the command with a one-line reason (exit 1).
func writeFile(_ bytes: [UInt8], to path: String) throws(CommandRunner.Failure) {
    do { try FileSystem.writeFileAtomically(path, bytes, mode: 0o600) } catch {
        throw CommandRunner.Failure(.failure, "cannot write \(path): \(error)")
    }
}

/// Pretty, stable JSON (keys sorted) for `--json` output.
func jsonText<T: Encodable>(_ value: T) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}
