import Imaging

/// Deterministic pseudo-random bytes (xorshift64*), so failures reproduce.
struct TestPixels {
    private var state: UInt64

    init(seed: UInt64) { state = seed | 1 }

    mutating func next() -> UInt8 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return UInt8(truncatingIfNeeded: (state &* 2_685_821_657_736_338_717) >> 56)
    }

    mutating func bytes(_ count: Int) -> [UInt8] { (0..<count).map { _ in next() } }

    mutating func rgb(width: Int, height: Int) -> RGBImage {
        RGBImage(width: width, height: height, pixels: bytes(width * height * 3))
    }

    /// A smooth image with some noise: gradients make interpolation errors visible, noise catches indexing slips.
    mutating func smoothRGB(width: Int, height: Int) -> RGBImage {
        var image = RGBImage(width: width, height: height)
        for y in 0..<height {
            for x in 0..<width {
                let noise = Int(next() % 16)
                image[x, y] = (UInt8(clamping: x * 255 / max(width - 1, 1) / 2 + noise),
                               UInt8(clamping: y * 255 / max(height - 1, 1) / 2 + noise),
                               UInt8(clamping: (x + y) % 200 + noise))
            }
        }
        return image
    }
}

/// The largest per-byte difference between two equally sized byte arrays.
func maxDifference(_ a: [UInt8], _ b: [UInt8]) -> Int {
    precondition(a.count == b.count, "sizes differ: \(a.count) vs \(b.count)")
    var worst = 0
    for i in a.indices { worst = max(worst, abs(Int(a[i]) - Int(b[i]))) }
    return worst
}

func clampedByte(_ value: Double) -> UInt8 { UInt8(min(max(value.rounded(), 0), 255)) }
