import Imaging
import Platform

// A found face shown to a technician: as text (`fotoboxctl analyze`) and drawn on the photo (`--annotate`).

extension DetectedFace {
    /// The face's landmarks, head size, pose and openness for a person, one figure group per line, in source
    /// pixels; `number` counts the faces from 1 in the order the chain found them.
    public func summaryLines(number: Int) -> [String] {
        func p(_ point: Point) -> String { "(\(point.x.text(decimals: 1)), \(point.y.text(decimals: 1)))" }
        let g = geometry
        return [
            "face \(number): score \(score.text(decimals: 3)), box \(box.x.text(decimals: 0)),\(box.y.text(decimals: 0)) \(box.width.text(decimals: 0))×\(box.height.text(decimals: 0))",
            "  pupils       image-left \(p(pupils.imageLeft))  image-right \(p(pupils.imageRight))  distance \(g.interEyeDistance.text(decimals: 1)) px",
            "  eye corners  \(p(eyeCorners.imageLeftOuter)) \(p(eyeCorners.imageLeftInner))  \(p(eyeCorners.imageRightInner)) \(p(eyeCorners.imageRightOuter))",
            "  nose tip     \(p(noseTip))  mouth \(p(mouthCentre))  chin \(p(chin))",
            "  crown        skull top \(p(crown.skullTop))  top of hair \(p(crown.topOfHair))\(crown.reachesImageEdge ? " (hair reaches the image edge)" : "")",
            "  head         height \(g.headHeight.text(decimals: 0)) px, width \(headWidth.text(decimals: 0)) px",
            "  pose         yaw \(pose.yaw.text(decimals: 1))°  pitch \(pose.pitch.text(decimals: 1))°  roll \(pose.roll.text(decimals: 1))°"
                + (poseFit.map { "  (canonical-face fit, residual \($0.residual.text(decimals: 3)) IED)" } ?? "  (no pose fit: yaw and pitch cannot be judged)"),
            "  openness     eyes \(eyeOpenness.imageLeft.text(decimals: 2)) (person's right) / \(eyeOpenness.imageRight.text(decimals: 2)) (left)"
                + (eyeContourFromIrisModel ? "" : " [iris model could not read the eyes]") + "  mouth \(mouthOpenness.text(decimals: 2))",
        ]
    }
}

extension RGBImage {
    /// A copy with each face's mesh points (green), pupils (red), chin and skull top (blue) and top of hair
    /// (yellow) marked, and the corners of each palm's box (magenta for a confirmed hand, with its 21 points; grey
    /// for a palm the hand model did not confirm); the marks grow with the image so they stay visible on a 4K frame.
    public func markingLandmarks(of faces: [DetectedFace], palms: [PalmDetection] = []) -> RGBImage {
        var canvas = self
        func mark(_ point: Point, radius: Int, _ colour: (UInt8, UInt8, UInt8)) {
            let cx = Int(point.x.rounded()), cy = Int(point.y.rounded())
            for y in (cy - radius)...(cy + radius) where y >= 0 && y < canvas.height {
                for x in (cx - radius)...(cx + radius) where x >= 0 && x < canvas.width { canvas[x, y] = colour }
            }
        }
        let size = max(1, max(width, height) / 600)
        for face in faces {
            for point in face.landmarks { mark(point.point, radius: size / 2, (0, 220, 0)) }
            for point in [face.pupils.imageLeft, face.pupils.imageRight] { mark(point, radius: size + 1, (255, 0, 0)) }
            for point in [face.chin, face.crown.skullTop] { mark(point, radius: size + 1, (0, 80, 255)) }
            mark(face.crown.topOfHair, radius: size, (255, 200, 0))
        }
        // Palms: magenta where the hand model confirmed a hand (its 21 points), grey where it did not (the palm box's
        // corners only).
        for palm in palms {
            let b = palm.box
            let corners = [Point(x: b.x, y: b.y), Point(x: b.x + b.width, y: b.y), Point(x: b.x, y: b.y + b.height),
                           Point(x: b.x + b.width, y: b.y + b.height)]
            for corner in corners { mark(corner, radius: size + 1, palm.isHand ? (255, 0, 255) : (128, 128, 128)) }
            if palm.isHand { for point in palm.handLandmarks { mark(point, radius: size, (255, 0, 255)) } }
        }
        return canvas
    }
}
