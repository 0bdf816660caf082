import FaceAnalysis
import Imaging
import Platform

/// Where the test photos and models are, and the visible skip when they are not.
enum TestData {
    /// `../shared/testdata` beside the checkout (the tests run from the package root).
    static let directory = "../shared/testdata"

    /// The models as `scripts/setup` installs them, or nil (with a message) when absent.
    static var modelDirectory: String? {
        if let found = FaceModels.locate(["models", FaceModels.installedDirectory]) { return found }
        print("SKIPPED: face models not found in models/ (run scripts/setup)")
        return nil
    }

    /// The test photo folder, or nil (with a message) when absent.
    static func folder(_ name: String) -> String? {
        let path = directory + "/" + name
        if FileSystem.exists(path) { return path }
        print("SKIPPED: \(path) is absent (the shared test data lies beside the checkout)")
        return nil
    }

    static func image(_ path: String) throws -> RGBImage {
        try JPEG.decode(try FileSystem.readFile(path))
    }
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
