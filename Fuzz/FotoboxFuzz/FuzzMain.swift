#if !FOTOBOX_LIBFUZZER
#if canImport(Glibc)
import Glibc
#endif
import Imaging
import Platform

/// The plain build of the harness (no libFuzzer): `seeds TARGET DIR` writes the generated seed inputs of a
/// target; `run TARGET FILE…` feeds files through it (a crash libFuzzer saved, a corpus) and says how many
/// ran; `photo WIDTH HEIGHT FILE` writes a JPEG of that size (the network campaign's submissions and camera
/// frames). scripts/fuzz uses all three; the fuzzing itself is the libFuzzer build of the same targets.
@main
enum FuzzMain {
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if arguments.count == 4, arguments[0] == "photo", let width = Int(arguments[1]), let height = Int(arguments[2]),
           width > 0, height > 0, width * height <= 16_000_000 {
            do {
                try FileSystem.writeFileAtomically(arguments[3], try JPEG.encode(Seeds.picture(width: width, height: height),
                                                                                options: JPEGEncodeOptions(quality: 85)), mode: 0o644)
            } catch {
                StandardStreams.writeError("fotobox-fuzz: \(error)\n")
                exit(1)
            }
            return
        }
        guard arguments.count >= 2, let target = FuzzTarget(rawValue: arguments[1]) else { usage() }
        switch arguments[0] {
        case "seeds" where arguments.count == 3:
            do {
                let seeds = try Seeds.generate(for: target)
                for (name, bytes) in seeds { try FileSystem.writeFileAtomically(arguments[2] + "/" + name, bytes, mode: 0o644) }
                print("fotobox-fuzz: \(seeds.count) \(target.rawValue) seeds in \(arguments[2])")
            } catch {
                StandardStreams.writeError("fotobox-fuzz: \(error)\n")
                exit(1)
            }
        case "run":
            var ran = 0, accepted = 0
            for path in arguments.dropFirst(2) {
                guard let bytes = try? FileSystem.readFile(path) else {
                    StandardStreams.writeError("fotobox-fuzz: cannot read \(path)\n")
                    exit(1)
                }
                if bytes.withUnsafeBytes({ target.run($0) }) { accepted += 1 }
                ran += 1
            }
            print("fotobox-fuzz: \(ran) \(target.rawValue) inputs ran without a crash (\(accepted) accepted, \(ran - accepted) refused with a typed error)")
        default:
            usage()
        }
    }

    static func usage() -> Never {
        let targets = FuzzTarget.allCases.map(\.rawValue).joined(separator: "|")
        StandardStreams.writeError("usage: fotobox-fuzz seeds \(targets) DIR | run \(targets) FILE… | photo WIDTH HEIGHT FILE\n")
        exit(2)
    }
}

/// Seed inputs that reach deep into each parser, generated here (never taken from ../shared test data).
enum Seeds {
    static func generate(for target: FuzzTarget) throws -> [(String, [UInt8])] {
        switch target {
        case .jpeg: return try jpegs()
        case .tflite: return []  // scripts/fuzz takes the face models (scripts/setup downloads them).
        case .config: return configs()
        case .submission: return [("scan-profile.multipart", try submission())]
        }
    }

    /// A colour picture with edges and gradients (not a face); `smooth`: gradients only, a small JPEG.
    static func picture(width: Int, height: Int, smooth: Bool = false) -> RGBImage {
        var colour = RGBImage(width: width, height: height)
        for y in 0..<height {
            for x in 0..<width {
                let i = y * width + x
                if smooth {
                    colour.pixels[3 * i] = UInt8(truncatingIfNeeded: x * 255 / max(width, 1))
                    colour.pixels[3 * i + 1] = UInt8(truncatingIfNeeded: y * 255 / max(height, 1))
                    colour.pixels[3 * i + 2] = 128
                } else {
                    colour.pixels[3 * i] = UInt8(truncatingIfNeeded: x * 37 + y * 11)
                    colour.pixels[3 * i + 1] = UInt8(truncatingIfNeeded: y * 53)
                    colour.pixels[3 * i + 2] = UInt8(truncatingIfNeeded: (x ^ y) * 29)
                }
            }
        }
        return colour
    }

    /// Small photos in each shape the encoder writes: grey and colour, 4:4:4 and 4:2:0, sizes not a
    /// multiple of the block size, optimised and plain Huffman tables.
    static func jpegs() throws -> [(String, [UInt8])] {
        var seeds: [(String, [UInt8])] = []
        for (width, height) in [(1, 1), (8, 8), (17, 9), (40, 33)] {
            let colour = picture(width: width, height: height)
            var grey = GrayImage(width: width, height: height)
            for y in 0..<height {
                for x in 0..<width { grey.pixels[y * width + x] = UInt8(truncatingIfNeeded: x * 7 + y * 13) }
            }
            for (tag, options) in [("444-q95", JPEGEncodeOptions()),
                                   ("420-q50", JPEGEncodeOptions(quality: 50, subsampling: .half420)),
                                   ("444-q20-optimised", JPEGEncodeOptions(quality: 20, optimiseCoding: true))] {
                seeds.append(("rgb-\(width)x\(height)-\(tag).jpg", try JPEG.encode(colour, options: options)))
            }
            seeds.append(("grey-\(width)x\(height).jpg", try JPEG.encode(grey)))
        }
        return seeds
    }

    /// A submission as the office accepts it, in the smaller scan profile (622×800 photo, 630×188 signature)
    /// so that each run decodes less: written by hand after docs/openapi-office.yaml, not by the station's
    /// encoder, so the seed does not follow a change of the encoder unnoticed.
    static func submission() throws -> [UInt8] {
        let boundary = "fotobox-fuzz-boundary"
        func part(_ name: String, _ type: String, _ content: [UInt8]) -> [UInt8] {
            Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"; filename=\"\(name)\"\r\nContent-Type: \(type)\r\n\r\n".utf8)
                + content + Array("\r\n".utf8)
        }
        let metadata = #"{"caseId":"ABCD-1234","stationId":"station-1","capturedAt":"2026-12-03T10:00:00Z","queuedAt":"2026-12-03T10:00:01Z","softwareVersion":"fuzz","camera":"replay","profile":"scan","visit":{"language":"de","retakes":1,"compliant":true,"visitSeconds":95}}"#
        let report = #"{"compliant":true,"checks":[{"id":"interEyeDistance","pass":true,"value":0.31,"limit":">= 0.25","mandatory":true,"advice":{"de":"gut","en":"good"}}]}"#
        let body = part("metadata", "application/json", Array(metadata.utf8)) + part("report", "application/json", Array(report.utf8))
            + part("photo", "image/jpeg", try JPEG.encode(picture(width: 622, height: 800, smooth: true), options: JPEGEncodeOptions(quality: 60)))
            + part("signature", "image/jpeg", try JPEG.encode(picture(width: 630, height: 188, smooth: true), options: JPEGEncodeOptions(quality: 60)))
            + Array("--\(boundary)--\r\n".utf8)
        return Array("multipart/form-data; boundary=\(boundary)\n".utf8) + body
    }

    /// Config files with every section, CRLF and CR line ends, comments, and case-ID patterns using each
    /// construct the matcher supports (the packaged fotobox.conf is added by scripts/fuzz).
    static func configs() -> [(String, [UInt8])] {
        let full = """
            # A station
            [station]
            id = amt-mitte-1
            [visit]
            case-id-pattern = ^(AB|CD)[A-Z]{2}-[0-9]{4,6}$
            case-id-check-digit = luhn
            inactivity-timeout = 60
            [camera]
            device = /dev/video0
            exposure = 250
            [backend]
            url = https://office.example:8443
            [kiosk]
            listen = [::1]:8080
            """
        let patterns = ["^[A-Z]{4}-[0-9]{4}$", "^(A+)+$", "^[^0-9]*?x|y$", "^\\d{2,}[a-f]?(?:-\\w+)*$", "(", "a{99999}", "[z-a]"]
        let lines = full.split(separator: "\n", omittingEmptySubsequences: false)
        var seeds: [(String, [UInt8])] = [("full.conf", Array(full.utf8)),
                                          ("crlf.conf", Array(lines.joined(separator: "\r\n").utf8)),
                                          ("cr.conf", Array(lines.joined(separator: "\r").utf8))]
        for (index, pattern) in patterns.enumerated() {
            seeds.append(("pattern-\(index).conf", Array("[visit]\ncase-id-pattern = \(pattern)\ncase-id-check-digit = icao-9303\n".utf8)))
        }
        return seeds
    }
}
#endif
