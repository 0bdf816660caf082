import FaceAnalysis
import Imaging
import Platform
#if canImport(Glibc)
import Glibc
#endif

/// How long each stage of the station's photo pipeline takes on one frame, on this machine
/// (`fotoboxctl bench IMAGE`): the median of `repeats` runs after one warm-up run, in milliseconds of this
/// thread's CPU time (other processes on the machine do not count). "total" is one whole `process` run:
/// decode, faces, crop, encode, and the faces, the hand models and the checks of the result; "hands" is the
/// hand models alone on the result (the palm detector, then the hand landmark model on each palm: a share of
/// "total").
public struct PipelineBenchmark: Sendable {
    /// The stages in pipeline order, as the medians are keyed.
    public static let stages = ["decode", "faces", "process", "checks", "hands", "encode", "total"]

    /// The frame as its file (`jpeg`) and decoded (`frame`), with the one `face` the chain found in it.
    public var jpeg: [UInt8]
    public var frame: RGBImage
    public var face: FaceGeometry
    public var profile: PhotoProfile

    public init(jpeg: [UInt8], frame: RGBImage, face: FaceGeometry, profile: PhotoProfile) {
        self.jpeg = jpeg
        self.frame = frame
        self.face = face
        self.profile = profile
    }

    /// The median milliseconds of each of `stages`; `step` is called after each timed run (7 × `repeats`
    /// in all: a progress bar). Throws what a stage throws (the crop may refuse this frame for `profile`).
    public func medians(analyzer: FaceAnalyzer, repeats: Int, step: () -> Void = {}) throws -> [String: Double] {
        let photo = try PhotoProcessor.process(frame, face: face, profile: profile)
        let checker = ComplianceChecker(profile: profile)
        let photoFaces = analyzer.observe(photo.image)
        func time(_ body: () throws -> Void) rethrows -> Double {
            try body()
            var samples: [Double] = []
            for _ in 0..<repeats {
                let start = ThreadClock.nanoseconds()
                try body()
                samples.append(Double(ThreadClock.nanoseconds() - start) / 1e6)
                step()
            }
            return samples.sorted()[samples.count / 2]
        }
        var medians: [String: Double] = [:]
        medians["decode"] = try time { _ = try JPEG.decode(jpeg) }
        medians["faces"] = time { _ = analyzer.analyze(frame) }
        medians["process"] = try time { _ = try PhotoProcessor.process(frame, face: face, profile: profile) }
        medians["checks"] = time { _ = checker.check(photo.image, faces: photoFaces) }
        medians["hands"] = time { _ = analyzer.palms(photo.image) }
        medians["encode"] = try time { _ = try JPEG.encode(photo.image, options: .finalPhoto) }
        medians["total"] = try time {
            let decoded = try JPEG.decode(jpeg)
            let found = analyzer.analyze(decoded)
            let result = try PhotoProcessor.process(decoded, face: found[0].geometry, profile: profile)
            _ = try JPEG.encode(result.image, options: .finalPhoto)
            _ = checker.check(result.image, faces: analyzer.observe(result.image))
        }
        return medians
    }

    /// What `fotoboxctl bench IMAGE --json` prints: the medians and what a peer needs to do the same work.
    public struct Report: Encodable, Sendable {
        public let medianMs: [String: Double]
        public let plan: Plan

        public init(medianMs: [String: Double], plan: Plan) {
            self.medianMs = medianMs
            self.plan = plan
        }
    }

    /// The crop as `PhotoProcessor.render` does it (frame → photo matrix `[a, b, tx, c, d, ty]`, pixel centres
    /// at +0.5; area pre-reduction by `reduce` when ≥ 2), the pupils in the frame and in the photo, and the hand
    /// regions the hand landmark model ran on in the photo (`[centreX, centreY, side, angle]`, photo pixels, the
    /// angle of the square's x axis in radians, y down): one per palm the palm detector found there.
    public struct Plan: Encodable, Sendable {
        public let width: Int, height: Int
        public let transform: [Double]
        public let reduce: Int
        public let framePupils: [[Double]]
        public let photoPupils: [[Double]]
        public let handRegions: [[Double]]
    }

    /// The plan of `photo` (this frame's crop, as processed once before the timing), with the pupils of
    /// `frameFace`, those the chain finds in the photo and the hand regions of the palms found there (a peer,
    /// scripts/bench-still.py, does the same work from it).
    public func plan(of photo: ProcessedPhoto, frameFace: DetectedFace, analyzer: FaceAnalyzer) -> Plan {
        let t = photo.plan.transform
        func pupils(_ face: DetectedFace?) -> [[Double]] {
            guard let face else { return [] }
            return [[face.pupils.imageLeft.x, face.pupils.imageLeft.y], [face.pupils.imageRight.x, face.pupils.imageRight.y]]
        }
        return Plan(width: profile.width, height: profile.height, transform: [t.a, t.b, t.tx, t.c, t.d, t.ty],
                    reduce: Int(1 / (2 * photo.plan.scale)), framePupils: pupils(frameFace),
                    photoPupils: pupils(analyzer.analyze(photo.image).first),
                    handRegions: analyzer.palms(photo.image).compactMap(Self.handRegion))
    }

    /// The square the hand landmark model ran on for `palm` as `[centreX, centreY, side, angle]` (from the corners of
    /// `handRegion`), nil when it did not run.
    static func handRegion(_ palm: PalmDetection) -> [Double]? {
        let corners = palm.handRegion
        guard palm.handPresence != nil, corners.count == 4 else { return nil }
        let dx = corners[1].x - corners[0].x, dy = corners[1].y - corners[0].y
        let centre = (x: corners.map(\.x).reduce(0, +) / 4, y: corners.map(\.y).reduce(0, +) / 4)
        return [centre.x, centre.y, (dx * dx + dy * dy).squareRoot(), atan2(dy, dx)]
    }
}
