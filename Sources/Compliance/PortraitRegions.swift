import FaceAnalysis
import Imaging

/// The parts of a portrait the colour correction and the quality checks measure, derived from the
/// landmarks alone (no segmentation model): the head, the inner face (skin without hair and
/// background), and the background beside and above the head.
public struct PortraitRegions: Sendable, Equatable {
    /// Chin to crown, ear to ear.
    public var head: Ellipse
    /// Cheeks, nose and mouth: skin, little hair; what exposure and colour are judged on.
    public var innerFace: Ellipse
    /// Background: outside the head with generous room for hair (60 % wider, 25 % taller than the
    /// head), and above the eye line, so that shoulders, collars and hair falling beside the neck stay out.
    public var background: SampleRegion

    public init(face: FaceGeometry) {
        let m = face.eyeMidpoint
        let ied = face.interEyeDistance
        let headWidth = face.headWidth ?? CropPlanner.estimatedHeadWidthPerInterEyeDistance * ied
        let centre = face.crown.midpoint(face.chin)
        head = Ellipse(centreX: centre.x, centreY: centre.y, radiusX: headWidth / 2, radiusY: face.headHeight / 2)
        let eyeToChin = face.chin.distance(to: m)
        let faceCentre = m + (face.chin - m) * 0.45
        innerFace = Ellipse(centreX: faceCentre.x, centreY: faceCentre.y, radiusX: 0.75 * ied, radiusY: 0.42 * eyeToChin)
        let clearance = Ellipse(centreX: centre.x, centreY: centre.y, radiusX: head.radiusX * 1.6, radiusY: head.radiusY * 1.25)
        background = .outside(clearance, aboveY: Int(m.y))
    }

    /// The head's four quadrants around the face centre, ICAO's regions for illumination uniformity.
    public var faceQuadrants: [PixelRect] {
        let e = innerFace
        let x0 = Int(e.centreX - e.radiusX), x1 = Int(e.centreX), x2 = Int(e.centreX + e.radiusX)
        let y0 = Int(e.centreY - e.radiusY), y1 = Int(e.centreY), y2 = Int(e.centreY + e.radiusY)
        return [PixelRect(x: x0, y: y0, width: x1 - x0, height: y1 - y0), PixelRect(x: x1, y: y0, width: x2 - x1, height: y1 - y0),
                PixelRect(x: x0, y: y1, width: x1 - x0, height: y2 - y1), PixelRect(x: x1, y: y1, width: x2 - x1, height: y2 - y1)]
    }
}
