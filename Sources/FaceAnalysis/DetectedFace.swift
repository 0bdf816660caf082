/// A point of the face mesh: x, y in source pixels, z (depth, smaller is nearer the camera) in the same scale.
public struct MeshPoint: Sendable, Equatable {
    public var x: Double
    public var y: Double
    public var z: Double

    public init(x: Double, y: Double, z: Double) {
        self.x = x
        self.y = y
        self.z = z
    }

    public var point: Point { Point(x: x, y: y) }
}

/// An axis-aligned box in source pixels (fractional: the detector's box is not pixel-aligned).
public struct FaceBox: Sendable, Equatable {
    public var x: Double
    public var y: Double
    public var width: Double
    public var height: Double

    public init(x: Double, y: Double, width: Double, height: Double) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }

    public var centre: Point { Point(x: x + width / 2, y: y + height / 2) }

    /// Intersection over union, 0 when disjoint.
    public func overlap(_ other: FaceBox) -> Double {
        let x0 = max(x, other.x), y0 = max(y, other.y)
        let x1 = min(x + width, other.x + other.width), y1 = min(y + height, other.y + other.height)
        guard x1 > x0, y1 > y0 else { return 0 }
        let intersection = (x1 - x0) * (y1 - y0)
        let union = width * height + other.width * other.height - intersection
        return union > 0 ? intersection / union : 0
    }
}

/// The four eye corners, named as seen in the image (`imageLeft…` is the eye with the smaller x).
public struct EyeCorners: Sendable, Equatable {
    public var imageLeftOuter: Point
    public var imageLeftInner: Point
    public var imageRightInner: Point
    public var imageRightOuter: Point
}

/// Head pose in degrees, measured from the 3-D face mesh.
///
/// yaw > 0: the face turns towards the image's right (its nose moves to larger x);
/// pitch > 0: the face tilts up (chin forward); roll > 0: the image-right eye is lower (clockwise as displayed).
public struct HeadPose: Sendable, Equatable {
    public var yaw: Double
    public var pitch: Double
    public var roll: Double
}

/// The top of the head. No model gives it; `CrownScan` follows the face axis up from the forehead.
public struct Crown: Sendable, Equatable {
    /// Where the hair (or the bare head) meets the plain background, on the face axis.
    public var topOfHair: Point
    /// The estimated top of the skull: hair ignored, as the German photo rules measure the head
    /// ("Kinn bis Scheitel, Haare unberücksichtigt"). This is the crown the rules use.
    public var skullTop: Point
    /// The hair (or the head) reaches the image border along the face axis: `topOfHair` is the border.
    public var reachesImageEdge: Bool
}

/// Everything the chain finds about one face, in source pixels (x right, y down).
public struct DetectedFace: Sendable {
    /// The detector's confidence, 0…1.
    public var score: Double
    /// The detector's box.
    public var box: FaceBox
    /// The mesh model's confidence that its crop holds a face, 0…1.
    public var meshPresence: Double
    /// Iris centres (from the iris model; in the preview mode the centre of the mesh's eye contour).
    public var pupils: (imageLeft: Point, imageRight: Point)
    public var eyeCorners: EyeCorners
    /// Tip of the nose (mesh point 1).
    public var noseTip: Point
    /// Between the inner lips (mesh points 13 and 14).
    public var mouthCentre: Point
    /// Bottom centre of the chin (mesh point 152).
    public var chin: Point
    public var crown: Crown
    /// Yaw and pitch from `poseFit` (the two-line estimate `FaceMeasures.pose` only when the fit failed), roll
    /// from the pupils.
    public var pose: HeadPose
    /// The rigid fit of MediaPipe's canonical face to the mesh (`HeadPoseFit`): yaw, pitch, roll and the fit's
    /// residual. Nil when the fit failed (then no pose may be trusted).
    public var poseFit: HeadPoseFit?
    /// Face width at the cheekbones (mesh points 234 and 454).
    public var headWidth: Double
    /// Eyelid gap ÷ eye width for each eye: about 0.25–0.35 open, below about 0.1 closed.
    public var eyeOpenness: (imageLeft: Double, imageRight: Double)
    /// Inner-lip gap ÷ mouth width: about 0 closed, above about 0.1 open.
    public var mouthOpenness: Double
    /// The 468 mesh points (eye regions refined by the iris model in the full mode).
    public var landmarks: [MeshPoint]

    /// The landmarks the crop planner and the compliance checks measure from.
    public var geometry: FaceGeometry {
        // Without a fit there is no trusted yaw or pitch: the checks then say "not measured", never pass.
        FaceGeometry(imageLeftEye: pupils.imageLeft, imageRightEye: pupils.imageRight, chin: chin, crown: crown.skullTop,
                     headWidth: headWidth, yaw: poseFit?.yaw, pitch: poseFit?.pitch)
    }
}
