import Capture
import FotoboxTestSupport
import Foundation
import Imaging
import Kiosk
import Platform
import Testing
import VisitCore

/// The burst's frames judged on two threads (two face chains) choose the same photo as one thread: the
/// frames keep their capture order, so "most recent" among equals is still the later frame.
@Suite("Burst judged on two threads (real face chain)", .serialized)
struct BurstJudgingTests {
    /// Real portraits as camera frames, with a frame without a face among them.
    static func burst() throws -> [Frame] {
        var frames: [Frame] = []
        for (index, name) in ["001_03.jpg", "004_03.jpg", "013_03.jpg", "020_03.jpg", "027_03.jpg"].enumerated() {
            let bytes = try FileSystem.readFile(TestData.path("faces/frll/" + name))
            let image = try JPEG.decode(bytes)
            frames.append(Frame(format: .mjpeg, size: FrameSize(width: image.width, height: image.height), bytesPerLine: 0,
                                bytes: bytes, sequence: UInt32(index), capturedNanoseconds: nil, dequeuedNanoseconds: 0))
        }
        let wall = RGBImage(width: 640, height: 480, pixels: [UInt8](repeating: 200, count: 640 * 480 * 3))
        frames.insert(Frame(format: .mjpeg, size: FrameSize(width: 640, height: 480), bytesPerLine: 0,
                            bytes: try JPEG.encode(wall), sequence: 9, capturedNanoseconds: nil, dequeuedNanoseconds: 0), at: 2)
        return frames
    }

    @Test(.needsTestData("faces/frll"), .needsModels)
    func twoThreadsChooseWhatOneThreadChooses() throws {
        let models = try #require(TestData.modelDirectory)
        let frames = try Self.burst()
        let one = try CompliancePhotoPipeline(modelDirectory: models, profile: .scan, burstThreads: 1)
        let two = try CompliancePhotoPipeline(modelDirectory: models, profile: .scan, burstThreads: 2)
        let alone = try one.process(burst: frames)
        let paired = try two.process(burst: frames)
        #expect(alone.jpeg == paired.jpeg)
        #expect(alone.reportJSON == paired.reportJSON)
        #expect(alone.compliant == paired.compliant && alone.advice == paired.advice)
        // Reversed, the other end of the burst is the most recent: still the same choice on both.
        #expect(try one.process(burst: frames.reversed()).jpeg == (try two.process(burst: frames.reversed())).jpeg)
    }

    @Test(.needsModels)
    func aBurstWithoutFacesSaysSoOnTwoThreads() throws {
        let models = try #require(TestData.modelDirectory)
        let two = try CompliancePhotoPipeline(modelDirectory: models, profile: .scan, burstThreads: 2)
        let wall = RGBImage(width: 320, height: 240, pixels: [UInt8](repeating: 90, count: 320 * 240 * 3))
        let frame = Frame(format: .mjpeg, size: FrameSize(width: 320, height: 240), bytesPerLine: 0,
                          bytes: try JPEG.encode(wall), sequence: 0, capturedNanoseconds: nil, dequeuedNanoseconds: 0)
        #expect(throws: PhotoFailure.noUsableFrame(.noFace)) { try two.process(burst: [frame, frame, frame]) }
    }
}
