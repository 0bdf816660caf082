import FaceAnalysis
import Imaging
import FotoboxTestSupport
import Platform
import Testing

/// Reading the shared photographs; where they are and the traits that need them are in FotoboxTestSupport.
extension TestData {
    static func image(_ path: String) throws -> RGBImage {
        try JPEG.decode(try FileSystem.readFile(path))
    }

    /// The installed models; the test carries `.needsModels`, so their absence is a skip, not this error.
    static func models() throws -> String { try #require(modelDirectory) }
}

/// Deterministic pseudo-random floats (xorshift64*), so failures reproduce.
struct TestRandom {
    private var state: UInt64
    init(seed: UInt64) { state = seed | 1 }

    mutating func next() -> UInt64 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return state &* 2_685_821_657_736_338_717
    }

    /// Uniform in [-1, 1).
    mutating func float() -> Float { Float(next() >> 40) / Float(1 << 23) - 1 }

    mutating func floats(_ count: Int) -> [Float] { (0..<count).map { _ in float() } }

    mutating func below(_ bound: Int) -> Int { Int(next() >> 33) % bound }
}
