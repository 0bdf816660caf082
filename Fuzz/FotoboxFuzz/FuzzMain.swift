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
            var ran = 0
            for path in arguments.dropFirst(2) {
                guard let bytes = try? FileSystem.readFile(path) else {
                    StandardStreams.writeError("fotobox-fuzz: cannot read \(path)\n")
                    exit(1)
                }
                bytes.withUnsafeBytes { target.run($0) }
                ran += 1
            }
            print("fotobox-fuzz: \(ran) \(target.rawValue) inputs ran without a crash")
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
        }
    }

    /// A colour picture with edges and gradients (not a face).
    static func picture(width: Int, height: Int) -> RGBImage {
        var colour = RGBImage(width: width, height: height)
        for y in 0..<height {
            for x in 0..<width {
                let i = y * width + x
                colour.pixels[3 * i] = UInt8(truncatingIfNeeded: x * 37 + y * 11)
                colour.pixels[3 * i + 1] = UInt8(truncatingIfNeeded: y * 53)
                colour.pixels[3 * i + 2] = UInt8(truncatingIfNeeded: (x ^ y) * 29)
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
