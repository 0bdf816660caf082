import FaceAnalysis
import Imaging

/// The finished photo and how it was made.
public struct ProcessedPhoto: Sendable {
    public var image: RGBImage
    public var plan: CropPlan
    public var correction: ColourCorrection
    /// The face's landmarks in the photo.
    public var geometry: FaceGeometry { plan.geometry }
}

/// What `fotoboxctl process --json` prints: where the photo went, the frame-to-photo transform, the colour
/// correction applied and the checks of the result.
public struct ProcessedPhotoReport: Encodable, Sendable {
    public struct Output: Encodable, Sendable { public var path: String; public var width: Int; public var height: Int }
    /// Red, green and blue gains, then the exposure's gamma.
    public struct Correction: Encodable, Sendable { public var gains: [Double]; public var gamma: Double }
    public var output: Output
    /// The affine transform from frame to photo pixels, row by row.
    public var transform: [[Double]]
    public var report: ComplianceReport
    public var correction: Correction

    /// The report of `photo`, written to `path` and judged as `report`.
    public init(_ photo: ProcessedPhoto, writtenTo path: String, report: ComplianceReport) {
        output = Output(path: path, width: photo.image.width, height: photo.image.height)
        transform = photo.plan.transform.rows
        self.report = report
        correction = Correction(gains: [photo.correction.redGain, photo.correction.greenGain, photo.correction.blueGain],
                                gamma: photo.correction.gamma)
    }
}

/// Frame + landmarks → the profile's photo: crop and de-rotate in one resampling pass (after an area
/// pre-reduction when the frame is much larger), then colour correction measured on the result.
public enum PhotoProcessor {
    public static func process(_ frame: RGBImage, face: FaceGeometry, profile: PhotoProfile) throws(CropRefusal) -> ProcessedPhoto {
        let plan = try CropPlanner.plan(face: face, frameWidth: frame.width, frameHeight: frame.height, profile: profile)
        var image = render(frame, plan: plan)
        let regions = PortraitRegions(face: plan.geometry)
        let step = max(1, profile.width / 300)
        let correction = ColourCorrection.plan(
            background: RegionStatistics.measure(image, region: regions.background, step: step),
            face: RegionStatistics.measure(image, region: .inside(regions.innerFace), step: step))
        correction.apply(to: &image)
        return ProcessedPhoto(image: image, plan: plan, correction: correction)
    }

    /// Resamples the frame as the plan says. Bicubic sampling alone would alias when the frame is
    /// reduced by more than 2×, so an area reduction by the whole factor comes first.
    public static func render(_ frame: RGBImage, plan: CropPlan) -> RGBImage {
        let factor = Int(1 / (2 * plan.scale))
        guard factor >= 2 else {
            return AffineWarp.warp(frame, transform: plan.transform, width: plan.profile.width, height: plan.profile.height,
                                   interpolation: .bicubic)
        }
        let reducedWidth = max(1, frame.width / factor), reducedHeight = max(1, frame.height / factor)
        let reduced = AreaResize.resize(frame, width: reducedWidth, height: reducedHeight)
        // reduced pixels → frame pixels, then the plan.
        let enlarge = AffineTransform(a: Double(frame.width) / Double(reducedWidth), b: 0, tx: 0,
                                      c: 0, d: Double(frame.height) / Double(reducedHeight), ty: 0)
        return AffineWarp.warp(reduced, transform: enlarge.followed(by: plan.transform),
                               width: plan.profile.width, height: plan.profile.height, interpolation: .bicubic)
    }
}
