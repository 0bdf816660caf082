import FaceAnalysis
import Imaging
import Platform

/// A presentation stored as JPEG frames in one folder (name order), as `fotoboxctl camera record` writes
/// it and `fotoboxctl liveness score` reads it.
///
/// The frame count and every frame's size are checked from the names and JPEG headers before any frame is
/// decoded; frames are then decoded one at a time and only their `FaceObservation` kept, so memory stays
/// bounded by one frame plus ~600 bytes per frame.
public struct PresentationFolder: Sendable {
    public let directory: String
    /// The frame files, in name order.
    public let frameNames: [String]

    /// The largest frame accepted (a 4K camera frame is 8.3 Mpx).
    public static let maximumFramePixels = 16_000_000

    /// Lists the folder's `.jpg`/`.jpeg` files; refuses fewer than 2 or more than `LivenessJudge.maximumFrames`.
    public init(directory: String) throws(LivenessError) {
        let names: [String]
        do { names = try FileSystem.listDirectory(directory) } catch {
            throw .unreadableFolder(path: directory, reason: "\(error)")
        }
        let frames = names.filter { name in
            let lower = name.lowercased()
            return !name.hasPrefix(".") && (lower.hasSuffix(".jpg") || lower.hasSuffix(".jpeg"))
        }.sorted()
        guard frames.count >= LivenessJudge.minimumFrames else {
            throw .tooFewFrames(count: frames.count, minimum: LivenessJudge.minimumFrames)
        }
        guard frames.count <= LivenessJudge.maximumFrames else {
            throw .tooManyFrames(count: frames.count, maximum: LivenessJudge.maximumFrames)
        }
        self.directory = directory
        self.frameNames = frames
    }

    /// Each frame's most prominent face as the judge sees it (nil: no face), with the chain's preview
    /// mode, as the kiosk runs it on its preview frames.
    public func observations(analyzer: FaceAnalyzer) throws(LivenessError) -> [FaceObservation?] {
        var firstSize: (width: Int, height: Int)? = nil
        // Headers first: a folder of mixed cameras is refused before the chain spends time on it.
        for name in frameNames {
            let bytes = try read(name)
            let header: JPEGHeader
            do { header = try JPEG.readHeader(bytes) } catch { throw .unreadableFrame(frame: name, reason: "\(error)") }
            let size = header.orientedSize
            guard size.width * size.height <= Self.maximumFramePixels else {
                throw .unreadableFrame(frame: name, reason: "\(size.width)×\(size.height) is larger than a camera frame")
            }
            if let first = firstSize {
                guard first == size else {
                    throw .mixedFrameSizes(first: "\(first.width)×\(first.height)", other: "\(size.width)×\(size.height)", frame: name)
                }
            } else {
                firstSize = size
            }
        }
        var observations: [FaceObservation?] = []
        observations.reserveCapacity(frameNames.count)
        for name in frameNames {
            let bytes = try read(name)
            let image: RGBImage
            do { image = try JPEG.decode(bytes) } catch { throw .unreadableFrame(frame: name, reason: "\(error)") }
            let face = analyzer.analyze(image, mode: .preview).first
            observations.append(face.map { FaceObservation($0, in: image) })
        }
        return observations
    }

    private func read(_ name: String) throws(LivenessError) -> [UInt8] {
        do { return try FileSystem.readFile(directory + "/" + name, limit: 64 << 20) } catch {
            throw .unreadableFrame(frame: name, reason: "\(error)")
        }
    }
}
