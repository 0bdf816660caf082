import Capture
/// The signature's pen samples as an ISO/IEC 19794-7:2007 time-series record (full format), channels
/// X, Y, T (time), F (pressure) and S (pen switch).
///
/// Layout, from the 2007 edition's ASN.1 module as reproduced in GOST R ISO/IEC 19794-7-2009: header
/// "SDI\0", version " 10\0", channel inclusion bits (16, X first), per channel a preamble byte (bit 7: a
/// scaling value follows) and its attributes, a reserved byte; body: the sample count (3 bytes), the
/// samples (signed channels offset by 32768, all big-endian; S one byte), the extended-data length (2 bytes,
/// 0). Not yet checked against a conformance tool: the JPEG is what the document maker needs.
public enum SignatureTimeSeries {
    /// Channel inclusion bits, X the most significant.
    static let xBit: UInt16 = 1 << 15, yBit: UInt16 = 1 << 14, tBit: UInt16 = 1 << 8, fBit: UInt16 = 1 << 6, sBit: UInt16 = 1 << 5

    public static func record(_ signature: Signature) -> [UInt8] {
        var bytes: [UInt8] = Array("SDI".utf8) + [0] + Array(" 10".utf8) + [0]
        append16(xBit | yBit | tBit | fBit | sBit, to: &bytes)
        let perMillimetre = signature.unitsPerMillimetre ?? 100
        // X and Y: units per millimetre; T: units (milliseconds) per second; F and S: uncalibrated.
        for scale in [perMillimetre, perMillimetre, 1000] {
            bytes.append(0x80)
            append16(scalingValue(scale), to: &bytes)
        }
        bytes += [0x00, 0x00, 0x00]  // F and S preambles (nothing follows), reserved
        var samples: [(x: Double, y: Double, t: Int, f: Double, down: Bool)] = []
        let start = signature.strokes.first?.first?.milliseconds ?? 0
        for stroke in signature.strokes {
            for point in stroke { samples.append((point.x, point.y, point.milliseconds - start, point.pressure, true)) }
            // The pen lifts where the stroke ends.
            if let last = stroke.last { samples.append((last.x, last.y, last.milliseconds - start, 0, false)) }
        }
        let count = min(samples.count, 0xFF_FFFF)
        bytes += [UInt8(truncatingIfNeeded: count >> 16), UInt8(truncatingIfNeeded: count >> 8), UInt8(truncatingIfNeeded: count)]
        for sample in samples.prefix(count) {
            append16(signed(sample.x), to: &bytes)
            append16(signed(sample.y), to: &bytes)
            append16(UInt16(clamping: sample.t), to: &bytes)
            append16(UInt16(clamping: Int((min(max(sample.f, 0), 1) * 65535).rounded())), to: &bytes)
            bytes.append(sample.down ? 1 : 0)
        }
        append16(0, to: &bytes)
        return bytes
    }

    /// ScalingValue: 5-bit exponent (offset 16) and 11-bit fraction, value = 2^exponent × (1 + fraction/2048).
    static func scalingValue(_ value: Double) -> UInt16 {
        guard value > 0 else { return 0 }
        var exponent = 0
        var mantissa = value
        while mantissa >= 2 && exponent < 15 { mantissa /= 2; exponent += 1 }
        while mantissa < 1 && exponent > -16 { mantissa *= 2; exponent -= 1 }
        let fraction = min(max(Int(((mantissa - 1) * 2048).rounded()), 0), 2047)
        return UInt16(exponent + 16) << 11 | UInt16(fraction)
    }

    private static func signed(_ value: Double) -> UInt16 {
        UInt16(clamping: min(max(Int(value.rounded()), -32768), 32767) + 32768)
    }

    private static func append16(_ value: UInt16, to bytes: inout [UInt8]) {
        bytes += [UInt8(value >> 8), UInt8(value & 0xFF)]
    }
}
