#if canImport(Glibc)
import Glibc
#endif

/// A 2×3 affine matrix mapping SOURCE pixel coordinates to OUTPUT pixel coordinates:
///
///     x' = a·x + b·y + tx
///     y' = c·x + d·y + ty
///
/// Coordinates are continuous: pixel (i, j) covers [i, i+1) × [j, j+1), its centre is (i + 0.5, j + 0.5).
/// The warp samples the source at `inverted()` of each output pixel centre.
public struct AffineTransform: Sendable, Equatable, Codable, CustomStringConvertible {
    public var a: Double, b: Double, tx: Double
    public var c: Double, d: Double, ty: Double

    public init(a: Double, b: Double, tx: Double, c: Double, d: Double, ty: Double) {
        self.a = a; self.b = b; self.tx = tx
        self.c = c; self.d = d; self.ty = ty
    }

    public static let identity = AffineTransform(a: 1, b: 0, tx: 0, c: 0, d: 1, ty: 0)

    /// A pure translation.
    public static func translation(x: Double, y: Double) -> AffineTransform {
        AffineTransform(a: 1, b: 0, tx: x, c: 0, d: 1, ty: y)
    }

    /// Uniform scale about the origin.
    public static func scale(_ s: Double) -> AffineTransform {
        AffineTransform(a: s, b: 0, tx: 0, c: 0, d: s, ty: 0)
    }

    /// Rotation about the origin by `degrees`, counter-clockwise on screen is negative here because
    /// y points down: a positive angle turns +x towards +y (clockwise as displayed).
    public static func rotation(degrees: Double) -> AffineTransform {
        let r = degrees * .pi / 180
        return AffineTransform(a: cos(r), b: -sin(r), tx: 0, c: sin(r), d: cos(r), ty: 0)
    }

    /// `self` then `next`: the transform that applies `self` first.
    public func followed(by next: AffineTransform) -> AffineTransform {
        AffineTransform(a: next.a * a + next.b * c, b: next.a * b + next.b * d, tx: next.a * tx + next.b * ty + next.tx,
                        c: next.c * a + next.d * c, d: next.c * b + next.d * d, ty: next.c * tx + next.d * ty + next.ty)
    }

    /// The determinant; 0 means the transform cannot be inverted.
    public var determinant: Double { a * d - b * c }

    /// The inverse mapping (output → source), or nil if singular.
    public func inverted() -> AffineTransform? {
        let det = determinant
        guard det.isFinite, abs(det) > 1e-12 else { return nil }
        let ia = d / det, ib = -b / det, ic = -c / det, id = a / det
        return AffineTransform(a: ia, b: ib, tx: -(ia * tx + ib * ty), c: ic, d: id, ty: -(ic * tx + id * ty))
    }

    /// Maps a point.
    public func apply(to point: (x: Double, y: Double)) -> (x: Double, y: Double) {
        (a * point.x + b * point.y + tx, c * point.x + d * point.y + ty)
    }

    /// The scale factor for lengths (for a similarity transform: its exact scale).
    public var lengthScale: Double { abs(determinant).squareRoot() }

    /// `[[a, b, tx], [c, d, ty]]`, the form `fotoboxctl process --json` prints.
    public var rows: [[Double]] { [[a, b, tx], [c, d, ty]] }

    public var description: String { "[[\(a), \(b), \(tx)], [\(c), \(d), \(ty)]]" }
}
