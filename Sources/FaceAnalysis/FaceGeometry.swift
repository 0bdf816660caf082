/// A point in image pixels, x to the right, y down.
public struct Point: Sendable, Equatable, Hashable, Codable, CustomStringConvertible {
    public var x: Double
    public var y: Double

    public init(x: Double, y: Double) {
        self.x = x
        self.y = y
    }

    public static func + (a: Point, b: Point) -> Point { Point(x: a.x + b.x, y: a.y + b.y) }
    public static func - (a: Point, b: Point) -> Point { Point(x: a.x - b.x, y: a.y - b.y) }
    public static func * (a: Point, s: Double) -> Point { Point(x: a.x * s, y: a.y * s) }

    /// Euclidean distance.
    public func distance(to other: Point) -> Double { ((x - other.x) * (x - other.x) + (y - other.y) * (y - other.y)).squareRoot() }

    /// The point halfway to `other`.
    public func midpoint(_ other: Point) -> Point { Point(x: (x + other.x) / 2, y: (y + other.y) / 2) }

    public var description: String { "(\(x), \(y))" }
}

/// The landmarks every ICAO rule is measured from, in the pixels of the image they were found in.
///
/// Produced by the face detector, or given by hand (`fotoboxctl process --eyes … --chin … --crown …`).
/// "Left" and "right" are as seen in the image: `imageLeftEye` has the smaller x in an upright face.
public struct FaceGeometry: Sendable, Equatable, Codable {
    /// Pupil (iris centre) of the eye on the image's left: the person's right eye.
    public var imageLeftEye: Point
    /// Pupil of the eye on the image's right.
    public var imageRightEye: Point
    /// Bottom centre of the chin.
    public var chin: Point
    /// Top centre of the head (crown, hair excluded as far as it can be told).
    public var crown: Point
    /// Head width in pixels at ear level, when known (the detector's face contour); otherwise estimated.
    public var headWidth: Double?
    /// Head pose in degrees, when the detector measured it.
    public var yaw: Double?
    public var pitch: Double?

    public init(imageLeftEye: Point, imageRightEye: Point, chin: Point, crown: Point,
                headWidth: Double? = nil, yaw: Double? = nil, pitch: Double? = nil) {
        self.imageLeftEye = imageLeftEye
        self.imageRightEye = imageRightEye
        self.chin = chin
        self.crown = crown
        self.headWidth = headWidth
        self.yaw = yaw
        self.pitch = pitch
    }

    /// The face centre M of TR-03121 / ICAO: the midpoint of the two eye centres.
    public var eyeMidpoint: Point { imageLeftEye.midpoint(imageRightEye) }

    /// Inter-eye distance in pixels.
    public var interEyeDistance: Double { imageLeftEye.distance(to: imageRightEye) }

    /// Roll in degrees: the angle of the eye line, positive when the image-right eye is lower.
    public var rollDegrees: Double {
        let d = imageRightEye - imageLeftEye
        return atan2Degrees(d.y, d.x)
    }

    /// Head height: chin to crown.
    public var headHeight: Double { chin.distance(to: crown) }
}

@inline(__always)
func atan2Degrees(_ y: Double, _ x: Double) -> Double {
    // Foundation-free atan2: the pipeline modules do not import Foundation.
    Double.atan2(y: y, x: x) * 180 / .pi
}

extension Double {
    /// atan2 without Foundation, via the C library the toolchain links anyway.
    static func atan2(y: Double, x: Double) -> Double { _atan2(y, x) }
}

#if canImport(Glibc)
import Glibc
@inline(__always) private func _atan2(_ y: Double, _ x: Double) -> Double { Glibc.atan2(y, x) }
#endif
