#if canImport(Glibc)
import Glibc
#endif

/// What an embedded ICC profile says about the colours of the pixels, as far as the photo's rules care:
/// TR-03121 asks for 24-bit sRGB, so a profile is acceptable only when it describes sRGB (its colorants are
/// sRGB's primaries, adapted to D50 as ICC requires, and its tone curve is sRGB's).
public enum ICCProfileKind: Sendable, Equatable {
    /// An RGB profile with sRGB's primaries and tone curve (HP's, ICC's v4, Apple's or a compact sRGB).
    case sRGB
    /// A profile of another colour space; `reason` names what differs ("Display P3-like primaries", "grey").
    case notSRGB(reason: String)
    /// The profile's bytes cannot be read (truncated, damaged, tags missing): the colours cannot be judged.
    case unreadable(reason: String)
}

/// Reads the few parts of an ICC profile (ICC.1:2010, ISO 15076-1) needed to tell sRGB from everything else.
/// Bounds-checked: a damaged profile is `.unreadable`, never a crash.
public enum ICCProfile {
    /// sRGB's colorants in D50 (IEC 61966-2-1 primaries, Bradford-adapted; the values every sRGB profile carries,
    /// to the s15Fixed16 rounding).
    static let sRGBColorants: [(x: Double, y: Double, z: Double)] = [
        (0.4361, 0.2225, 0.0139), (0.3851, 0.7169, 0.0971), (0.1431, 0.0606, 0.7141),
    ]
    /// How far a colorant may lie from sRGB's (XYZ units): profile makers round and adapt differently by a few
    /// thousandths; the nearest other RGB space in use (Display P3) differs by 0.08 in red's X.
    static let colorantTolerance = 0.01
    /// sRGB's tone curve at 50 % input gives 0.214 linear; a pure 2.2 gamma 0.218 (accepted as sRGB, as viewers
    /// do); 1.8 gamma (old Mac RGB) gives 0.287, linear 0.5.
    static let halfInputLinear = 0.214
    static let toneTolerance = 0.01

    public static func classify(_ bytes: [UInt8]) -> ICCProfileKind {
        guard bytes.count >= 132 else { return .unreadable(reason: "profile shorter than its header") }
        let space = fourCC(bytes, 16)
        switch space {
        case "RGB ": break
        case "GRAY": return .notSRGB(reason: "grey profile")
        case "CMYK": return .notSRGB(reason: "CMYK profile")
        default: return .notSRGB(reason: "profile colour space '\(space ?? "?")'")
        }
        guard let tagCount = uint32(bytes, 128), tagCount <= 1000 else { return .unreadable(reason: "bad tag table") }
        var tags: [String: (offset: Int, size: Int)] = [:]
        for i in 0..<Int(tagCount) {
            let entry = 132 + 12 * i
            guard let signature = fourCC(bytes, entry), let offset = uint32(bytes, entry + 4), let size = uint32(bytes, entry + 8),
                  Int(offset) + Int(size) <= bytes.count else { return .unreadable(reason: "tag \(i) outside the profile") }
            tags[signature] = (Int(offset), Int(size))
        }
        var colorants: [(x: Double, y: Double, z: Double)] = []
        for name in ["rXYZ", "gXYZ", "bXYZ"] {
            guard let tag = tags[name], tag.size >= 20, fourCC(bytes, tag.offset) == "XYZ ",
                  let x = s15Fixed16(bytes, tag.offset + 8), let y = s15Fixed16(bytes, tag.offset + 12), let z = s15Fixed16(bytes, tag.offset + 16)
            else { return .unreadable(reason: "no colorant tag \(name) (not a matrix RGB profile)") }
            colorants.append((x, y, z))
        }
        for (found, wanted) in zip(colorants, sRGBColorants) {
            let d = max(abs(found.x - wanted.x), abs(found.y - wanted.y), abs(found.z - wanted.z))
            if !(d <= colorantTolerance) { return .notSRGB(reason: "primaries are not sRGB's") }
        }
        for name in ["rTRC", "gTRC", "bTRC"] {
            // A curve that gives no number (a zero slope, a negative base) is damaged, never sRGB by default.
            guard let tag = tags[name], let value = toneCurve(bytes, offset: tag.offset, size: tag.size, at: 0.5), value.isFinite else {
                return .unreadable(reason: "tone curve \(name) unreadable")
            }
            if !(abs(value - halfInputLinear) <= toneTolerance) { return .notSRGB(reason: "tone curve is not sRGB's") }
        }
        return .sRGB
    }

    /// A 'curv' or 'para' tone curve evaluated at `input` (0…1).
    static func toneCurve(_ bytes: [UInt8], offset: Int, size: Int, at input: Double) -> Double? {
        switch fourCC(bytes, offset) {
        case "curv":
            guard let count = uint32(bytes, offset + 8), size >= 12 + 2 * Int(count) else { return nil }
            if count == 0 { return input }
            if count == 1 {
                guard let gamma = uint16(bytes, offset + 12) else { return nil }
                return pow(input, Double(gamma) / 256)
            }
            let position = input * Double(count - 1)
            let i = min(Int(position), Int(count) - 2), t = position - Double(i)
            guard let a = uint16(bytes, offset + 12 + 2 * i), let b = uint16(bytes, offset + 14 + 2 * i) else { return nil }
            return ((1 - t) * Double(a) + t * Double(b)) / 65535
        case "para":
            guard let function = uint16(bytes, offset + 8) else { return nil }
            let counts = [1, 3, 4, 5, 7]
            guard Int(function) < counts.count, size >= 12 + 4 * counts[Int(function)] else { return nil }
            var p: [Double] = []
            for k in 0..<counts[Int(function)] {
                guard let v = s15Fixed16(bytes, offset + 12 + 4 * k) else { return nil }
                p.append(v)
            }
            let x = input, g = p[0]
            switch function {
            case 0: return pow(x, g)
            case 1: return x >= -p[2] / p[1] ? pow(p[1] * x + p[2], g) : 0
            case 2: return x >= -p[2] / p[1] ? pow(p[1] * x + p[2], g) + p[3] : p[3]
            case 3: return x >= p[4] ? pow(p[1] * x + p[2], g) : p[3] * x
            default: return x >= p[4] ? pow(p[1] * x + p[2], g) + p[5] : p[3] * x + p[6]
            }
        default:
            return nil
        }
    }

    private static func fourCC(_ b: [UInt8], _ at: Int) -> String? {
        guard at >= 0, at + 4 <= b.count else { return nil }
        return String(decoding: b[at..<(at + 4)], as: UTF8.self)
    }

    private static func uint32(_ b: [UInt8], _ at: Int) -> UInt32? {
        guard at >= 0, at + 4 <= b.count else { return nil }
        return UInt32(b[at]) << 24 | UInt32(b[at + 1]) << 16 | UInt32(b[at + 2]) << 8 | UInt32(b[at + 3])
    }

    private static func uint16(_ b: [UInt8], _ at: Int) -> UInt16? {
        guard at >= 0, at + 2 <= b.count else { return nil }
        return UInt16(b[at]) << 8 | UInt16(b[at + 1])
    }

    private static func s15Fixed16(_ b: [UInt8], _ at: Int) -> Double? {
        uint32(b, at).map { Double(Int32(bitPattern: $0)) / 65536 }
    }
}
