import FaceAnalysis
import Imaging

/// Where the ICAO crop lies in a frame: the similarity transform (de-rotate by the eye line, scale,
/// place) that maps the frame onto the profile's photo.
public struct CropPlan: Sendable, Equatable {
    public var profile: PhotoProfile
    /// Source pixels → photo pixels.
    public var transform: AffineTransform
    /// Photo pixels per source pixel (≤ 1: the station never enlarges).
    public var scale: Double
    /// The face's landmarks in photo pixels.
    public var geometry: FaceGeometry
}

/// Why a frame cannot give the profile's photo, in words a citizen or a technician can act on.
/// Edges are the picture's as the camera delivers it; directions to move are the person's own.
public enum CropRefusal: Error, Equatable, Sendable, CustomStringConvertible {
    /// Fewer pixels between the eyes than the profile needs, even without reducing the frame.
    case faceTooSmall(interEyeDistance: Double, needed: Double)
    /// The head (chin to crown) is too small in the frame to fill 60 % of the photo without enlarging.
    case headTooSmall(headHeight: Double, needed: Double)
    /// The head is too large for the frame: the crop would need more picture than the camera gives.
    case tooCloseToCamera
    /// The crop runs off one side of the frame.
    case tooCloseToEdge(Edge)
    /// The landmarks make no sense (eyes on top of each other, chin above the eyes, …).
    case implausibleLandmarks(String)

    public enum Edge: String, Sendable, Equatable {
        case left, right, top, bottom
    }

    public var description: String {
        switch self {
        case .faceTooSmall(let ied, let needed):
            // `needed` is the profile's own figure; the measured one may be anything.
            return "face too small for this camera: \(CropPlanner.pixels(ied)) between the eyes, \(Int(needed)) needed"
        case .headTooSmall(let height, let needed):
            return "head too small in the frame: \(CropPlanner.pixels(height)) from chin to crown, \(CropPlanner.pixels(needed)) needed: come closer"
        case .tooCloseToCamera: return "too close to the camera: step back"
        // The camera sees the person mirror-wise: the picture's left edge is on their right.
        case .tooCloseToEdge(.left): return "too close to the left edge of the picture: move to your left"
        case .tooCloseToEdge(.right): return "too close to the right edge of the picture: move to your right"
        case .tooCloseToEdge(.top): return "head too high in the picture: lower your head or the camera"
        case .tooCloseToEdge(.bottom): return "head too low in the picture: raise your head or the camera"
        case .implausibleLandmarks(let reason): return "the face's landmarks are implausible: \(reason)"
        }
    }

    /// A stable code for logs and the kiosk's guidance.
    public var code: String {
        switch self {
        case .faceTooSmall: return "faceTooSmall"
        case .headTooSmall: return "headTooSmall"
        case .tooCloseToCamera: return "tooClose"
        case .tooCloseToEdge(let edge): return "edge-\(edge.rawValue)"
        case .implausibleLandmarks: return "implausibleLandmarks"
        }
    }
}

/// Plans the crop: among all placements the rules allow, the one closest to the profile's targets
/// that the frame can give without enlarging and without padding (TR-03121 v7 forbids both).
///
/// The search is a plain grid over head size, horizontal and vertical position, a few tens of
/// thousands of candidates of a dozen multiplications each: well under a millisecond, and it finds the
/// best placement even where several limits bind at once, which a closed-form placement would not.
public enum CropPlanner {
    /// Head width ÷ inter-eye distance used when the landmarks carry no head width (adult heads are
    /// 2.2–2.6 pupil distances wide; the rules' width limits are wide enough for the estimate).
    public static let estimatedHeadWidthPerInterEyeDistance = 2.4

    public static func plan(face: FaceGeometry, frameWidth: Int, frameHeight: Int,
                            profile: PhotoProfile) throws(CropRefusal) -> CropPlan {
        let ied = face.interEyeDistance
        let headHeight = face.headHeight
        guard ied.isFinite, ied >= 4 else { throw .implausibleLandmarks("the eyes are \(pixels(ied)) apart") }
        guard headHeight.isFinite, headHeight > ied else {
            throw .implausibleLandmarks("chin to crown (\(pixels(headHeight))) is shorter than the distance between the eyes")
        }
        let roll = face.rollDegrees
        let centre = face.eyeMidpoint
        let W = Double(profile.width), H = Double(profile.height)

        // Scale bounds from the size rules; never enlarge.
        let smallest = max(profile.headHeightRatio.lowerBound * H / headHeight, profile.minimumInterEyeDistance / ied)
        let largest = min(1.0, profile.headHeightRatio.upperBound * H / headHeight)
        if profile.minimumInterEyeDistance / ied > 1 {
            throw .faceTooSmall(interEyeDistance: ied, needed: profile.minimumInterEyeDistance)
        }
        if profile.headHeightRatio.lowerBound * H / headHeight > 1 {
            throw .headTooSmall(headHeight: headHeight, needed: profile.headHeightRatio.lowerBound * H)
        }
        guard smallest <= largest else {
            // The head is so large relative to the eye distance that no scale meets both (odd landmarks).
            throw .implausibleLandmarks("head height \(pixels(headHeight)) and eye distance \(pixels(ied)) do not fit one scale")
        }

        // Landmarks relative to M in the de-rotated frame (unit scale).
        let derotate = AffineTransform.translation(x: -centre.x, y: -centre.y).followed(by: .rotation(degrees: -roll))
        let crownOffset = derotate.apply(to: (face.crown.x, face.crown.y)).y
        let chinOffset = derotate.apply(to: (face.chin.x, face.chin.y)).y
        let headWidth = face.headWidth ?? Self.estimatedHeadWidthPerInterEyeDistance * ied

        struct Candidate { var scale: Double, mx: Double, my: Double, cost: Double, outside: (l: Double, r: Double, t: Double, b: Double) }
        var best: Candidate? = nil
        var bestIgnoringFrame: Candidate? = nil
        let scaleSteps = 60
        for si in 0...scaleSteps {
            let s = smallest + (largest - smallest) * Double(si) / Double(scaleSteps)
            let headRatio = s * headHeight / H
            let widthRatio = s * headWidth / W
            // Head width is a rule only when measured; an estimate only steers.
            let widthPenalty = face.headWidth == nil ? 0 : distance(widthRatio, profile.headWidthRatio) * 100
            for xi in 0...20 {
                let mx = profile.horizontalCentring.lowerBound + (profile.horizontalCentring.upperBound - profile.horizontalCentring.lowerBound) * Double(xi) / 20
                for yi in 0...40 {
                    let my = profile.eyeLinePosition.lowerBound + (profile.eyeLinePosition.upperBound - profile.eyeLinePosition.lowerBound) * Double(yi) / 40
                    let crownY = my * H + s * crownOffset, chinY = my * H + s * chinOffset
                    // The whole head inside the photo.
                    guard crownY >= 0, chinY <= H else { continue }
                    let topMargin = crownY / H
                    // The eye line is kept off its limits too: the skull top is an estimate, and a
                    // photo just inside a limit fails on the office's own measurement.
                    let eyeLineMiddle = (profile.eyeLinePosition.lowerBound + profile.eyeLinePosition.upperBound) / 2
                    let cost = square(headRatio - profile.targetHeadHeightRatio) + square(topMargin - profile.targetTopMargin)
                        + square(my - eyeLineMiddle) + 4 * square(mx - 0.5) + widthPenalty
                    // How far the crop's corners reach beyond the frame (in source pixels).
                    let transform = derotate.followed(by: .scale(s)).followed(by: .translation(x: mx * W, y: my * H))
                    let outside = overshoot(transform, W: W, H: H, frameWidth: Double(frameWidth), frameHeight: Double(frameHeight))
                    let candidate = Candidate(scale: s, mx: mx, my: my, cost: cost, outside: outside)
                    if bestIgnoringFrame == nil || cost < bestIgnoringFrame!.cost { bestIgnoringFrame = candidate }
                    if max(outside.l, outside.r, outside.t, outside.b) <= 1e-6, best == nil || cost < best!.cost { best = candidate }
                }
            }
        }
        guard let chosen = best else {
            guard let nearest = bestIgnoringFrame else {
                throw .implausibleLandmarks("the crown and chin cannot both fit the photo")
            }
            // At the smallest crop (largest scale) does the picture still not suffice? Then the head is too big.
            let o = nearest.outside
            if (o.l > 0 && o.r > 0) || (o.t > 0 && o.b > 0) { throw .tooCloseToCamera }
            let worst = [(CropRefusal.Edge.left, o.l), (.right, o.r), (.top, o.t), (.bottom, o.b)].max { $0.1 < $1.1 }!
            throw .tooCloseToEdge(worst.0)
        }
        let transform = derotate.followed(by: .scale(chosen.scale)).followed(by: .translation(x: chosen.mx * W, y: chosen.my * H))
        return CropPlan(profile: profile, transform: transform, scale: chosen.scale, geometry: face.mapped(by: transform))
    }

    /// "212 px", or "no number" for NaN and infinities (which must never reach Int()).
    static func pixels(_ value: Double) -> String { value.isFinite && abs(value) < 1e15 ? "\(Int(value.rounded())) px" : "no number of px" }

    @inline(__always) private static func square(_ x: Double) -> Double { x * x }

    private static func distance(_ value: Double, _ range: ClosedRange<Double>) -> Double {
        value < range.lowerBound ? range.lowerBound - value : (value > range.upperBound ? value - range.upperBound : 0)
    }

    /// How far the photo's corners, mapped back into the frame, lie beyond each frame edge.
    private static func overshoot(_ transform: AffineTransform, W: Double, H: Double, frameWidth: Double, frameHeight: Double)
        -> (l: Double, r: Double, t: Double, b: Double) {
        guard let inverse = transform.inverted() else { return (.infinity, .infinity, .infinity, .infinity) }
        var l = 0.0, r = 0.0, t = 0.0, b = 0.0
        for corner in [(0.0, 0.0), (W, 0.0), (0.0, H), (W, H)] {
            let p = inverse.apply(to: corner)
            l = max(l, -p.x); t = max(t, -p.y)
            r = max(r, p.x - frameWidth); b = max(b, p.y - frameHeight)
        }
        return (l, r, t, b)
    }
}

extension FaceGeometry {
    /// The same landmarks after `transform` (a similarity: lengths scale by its `lengthScale`).
    public func mapped(by transform: AffineTransform) -> FaceGeometry {
        func map(_ p: Point) -> Point { let q = transform.apply(to: (p.x, p.y)); return Point(x: q.x, y: q.y) }
        return FaceGeometry(imageLeftEye: map(imageLeftEye), imageRightEye: map(imageRightEye), chin: map(chin),
                            crown: map(crown), headWidth: headWidth.map { $0 * transform.lengthScale }, yaw: yaw, pitch: pitch)
    }
}
