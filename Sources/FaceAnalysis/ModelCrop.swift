import Imaging
#if canImport(Glibc)
import Glibc
#endif

/// A square region of the source image, possibly rotated, that a model sees as its whole input
/// (MediaPipe's "ROI"): the crop is warped to the model's size in one bilinear pass.
struct ModelCrop {
    /// Source → tensor pixels.
    let transform: AffineTransform
    /// Tensor → source pixels.
    let inverse: AffineTransform
    /// Source pixels per tensor pixel (for depths).
    let sourcePerTensorPixel: Double

    /// A `side`×`side` square centred on `centre`, turned by `angle` radians (the angle of the square's
    /// x axis in the source, y down), shown to a `size`×`size` model; `mirrored` flips it left-right.
    init?(centre: Point, side: Double, angle: Double, size: Int, mirrored: Bool = false) {
        guard side.isFinite, side > 1, centre.x.isFinite, centre.y.isFinite, angle.isFinite else { return nil }
        let n = Double(size)
        var t = AffineTransform.translation(x: -centre.x, y: -centre.y)
            .followed(by: .rotation(degrees: -angle * 180 / .pi))
            .followed(by: .scale(n / side))
        if mirrored { t = t.followed(by: AffineTransform(a: -1, b: 0, tx: 0, c: 0, d: 1, ty: 0)) }
        t = t.followed(by: .translation(x: n / 2, y: n / 2))
        guard let inverse = t.inverted() else { return nil }
        transform = t
        self.inverse = inverse
        sourcePerTensorPixel = side / n
    }

    /// The whole image scaled to fit `size`×`size`, centred, bars around it (the detector's letterbox).
    init(letterboxing width: Int, _ height: Int, into size: Int) {
        let s = Double(size) / Double(max(width, height, 1))
        let t = AffineTransform.scale(s).followed(by: .translation(x: (Double(size) - Double(width) * s) / 2,
                                                                  y: (Double(size) - Double(height) * s) / 2))
        transform = t
        inverse = t.inverted() ?? .identity
        sourcePerTensorPixel = 1 / s
    }

    /// A tensor point back in source pixels.
    func source(_ x: Double, _ y: Double) -> Point {
        let p = inverse.apply(to: (x, y))
        return Point(x: p.x, y: p.y)
    }

    /// Warps `image` into `crop` (reused between calls) and writes it into `tensor` as NHWC floats
    /// `value · scale + offset`.
    func fill(_ tensor: UnsafeMutableBufferPointer<Float>, from image: RGBImage, crop: inout RGBImage,
              scale: Float, offset: Float) {
        AffineWarp.warp(image, transform: transform, into: &crop, interpolation: .bilinear, fill: .black)
        crop.pixels.withUnsafeBufferPointer { pixels in
            let count = min(pixels.count, tensor.count)
            for i in 0..<count { tensor[i] = Float(pixels[i]) * scale + offset }
        }
    }
}

/// The angle of the vector from `a` to `b` in radians, y down (MediaPipe's ROI rotation).
func angle(from a: Point, to b: Point) -> Double {
    atan2(b.y - a.y, b.x - a.x)
}

@inline(__always) func sigmoid(_ x: Float) -> Double {
    1 / (1 + exp(-Double(min(max(x, -80), 80))))
}
