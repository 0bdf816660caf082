import FaceAnalysis
import Imaging

/// The face's skin as grey pixels, resampled so that every frame's face has the same size, for following
/// the texture itself from frame to frame (`TextureTracker`).
///
/// Why not the mesh alone: FaceMesh places its points where a 3-D head of the pose it believes would have
/// them. Shown a photo turned in the hand, it believes in a small head turn and moves the nose tip against
/// the outline accordingly, although the photo's pixels move as one plane. Measured on FRLL photos turned
/// by 25–45°: the mesh's points leave a homography the residual that a head of the believed pose would
/// (docs/liveness.md). The texture does not follow beliefs: a print's pixels move exactly by a homography.
public struct FaceTexture: Sendable, Equatable {
    /// Crop pixel = (source point − `origin`) × `scale`.
    public var originX: Double
    public var originY: Double
    public var scale: Double
    public var width: Int
    public var height: Int
    public var pixels: [UInt8]

    /// The face's root-mean-square radius (of the rigid points) in crop pixels.
    public static let normalisedSize = 40.0
    /// The crop reaches this many face sizes from the face's centre (the outline lies at about 1.6).
    static let reach = 2.4

    /// The crop of `image` around `points` (the rigid mesh points of this frame), or nil for a degenerate face.
    public init?(image: RGBImage, points: [MeshPoint], size: Double) {
        guard size > 1, !points.isEmpty, image.width > 0, image.height > 0 else { return nil }
        let n = Double(points.count)
        let cx = points.reduce(0) { $0 + $1.x } / n, cy = points.reduce(0) { $0 + $1.y } / n
        scale = Self.normalisedSize / size
        let side = Int((2 * Self.reach * Self.normalisedSize).rounded())
        width = side
        height = side
        originX = cx - Double(side) / 2 / scale
        originY = cy - Double(side) / 2 / scale
        // Source → crop: scale about the origin. Larger reductions are averaged first (bilinear would alias).
        var source = image
        var sourceScale = scale
        var sx = originX, sy = originY
        if scale < 0.5 {
            let factor = max(1, Int(0.5 / scale))
            let reduced = AreaResize.resize(image, width: max(1, image.width / factor), height: max(1, image.height / factor))
            let fx = Double(reduced.width) / Double(image.width), fy = Double(reduced.height) / Double(image.height)
            source = reduced
            sourceScale = scale / fx
            sx *= fx
            sy *= fy
        }
        let transform = AffineTransform.translation(x: -sx, y: -sy).followed(by: .scale(sourceScale))
        let rgb = AffineWarp.warp(source, transform: transform, width: side, height: side, interpolation: .bilinear,
                                  fill: AffineWarp.Fill(r: 0, g: 0, b: 0))
        var grey = [UInt8](repeating: 0, count: side * side)
        rgb.pixels.withUnsafeBufferPointer { p in
            for i in 0..<(side * side) {
                let r = 77 * Int(p[3 * i]), g = 150 * Int(p[3 * i + 1]), b = 29 * Int(p[3 * i + 2])
                grey[i] = UInt8((r + g + b) >> 8)
            }
        }
        pixels = grey
    }

    /// Overwrites the pixels (the buffer is this value's own unless shared copy-on-write).
    public mutating func zero() {
        pixels.withUnsafeMutableBufferPointer { buffer in
            for index in buffer.indices { buffer[index] = 0 }
        }
    }

    /// A source point in crop pixels.
    public func crop(_ p: MeshPoint) -> MeshPoint {
        MeshPoint(x: (p.x - originX) * scale, y: (p.y - originY) * scale, z: p.z * scale)
    }

    @inline(__always) func value(_ x: Int, _ y: Int) -> Int { Int(pixels[y * width + x]) }
}

/// Follows the face's texture from a reference frame to another: for each rigid point, the grey patch
/// around it in the reference is searched for around the mesh's position in the other frame, by
/// normalised cross-correlation (invariant to brightness and contrast changes), to a tenth of a pixel.
///
/// The correlation's sums are taken in integers over the grey bytes (Σv, Σv², Σv·ref per offset), which is
/// exactly the mean-free NCC: Σ v·(ref − mean) = Σ v·ref − mean·Σ v. `LivenessJudgeTests` checks it against
/// the plain double-precision formula.
public enum TextureTracker {
    /// Patch half-width and search radius in crop pixels (face size 40): a 13×13 patch is about a fifth of
    /// the eye distance; the search covers ±6 px = 15 % of the face size, beyond the mesh's disagreement
    /// with the texture on turned photos (≈ 3–5 %).
    public static let patchRadius = 6, searchRadius = 6
    /// Patches flatter than this (grey-level standard deviation) hold no texture to follow.
    public static let minimumContrast = 3.0
    /// A match must correlate at least this well.
    public static let minimumCorrelation = 0.8

    /// Pairs of (reference point with its depth, where its texture is in `target`), in crop pixels; points
    /// without texture or without a clear match are left out.
    public static func track(from reference: FaceObservation, _ referenceTexture: FaceTexture,
                             to target: FaceObservation, _ targetTexture: FaceTexture) -> (from: [MeshPoint], to: [MeshPoint]) {
        var from: [MeshPoint] = [], to: [MeshPoint] = []
        let r = patchRadius, s = searchRadius
        let count = r * 2 + 1
        let area = Double(count * count)
        let span = 2 * s + 1
        var patch = [Int](repeating: 0, count: count * count)
        var scores = [Double](repeating: -1, count: span * span)
        referenceTexture.pixels.withUnsafeBufferPointer { referencePixels in
        targetTexture.pixels.withUnsafeBufferPointer { targetPixels in
        patch.withUnsafeMutableBufferPointer { patch in
        scores.withUnsafeMutableBufferPointer { scores in
            let referenceWidth = referenceTexture.width, targetWidth = targetTexture.width
            for (k, point) in reference.points.enumerated() where k < target.points.count {
                let p = referenceTexture.crop(point)
                let q = targetTexture.crop(target.points[k])
                let px = Int(p.x.rounded()), py = Int(p.y.rounded())
                let qx = Int(q.x.rounded()), qy = Int(q.y.rounded())
                guard px - r >= 0, py - r >= 0, px + r < referenceTexture.width, py + r < referenceTexture.height,
                      qx - r - s >= 0, qy - r - s >= 0, qx + r + s < targetTexture.width, qy + r + s < targetTexture.height
                else { continue }
                // The reference patch, its sum and its energy about the mean.
                var referenceSum = 0, referenceSquares = 0
                for dy in 0..<count {
                    let row = (py - r + dy) * referenceWidth + px - r
                    for dx in 0..<count {
                        let v = Int(referencePixels[row + dx])
                        patch[dy * count + dx] = v
                        referenceSum &+= v
                        referenceSquares &+= v &* v
                    }
                }
                let energy = Double(referenceSquares) - Double(referenceSum) * Double(referenceSum) / area
                guard energy > 0, (energy / area).squareRoot() >= minimumContrast else { continue }
                let referenceMean = Double(referenceSum) / area
                var best = -1.0, bestX = 0, bestY = 0
                for oy in -s...s {
                    for ox in -s...s {
                        var sum = 0, squares = 0, cross = 0
                        for dy in 0..<count {
                            let row = (qy + oy - r + dy) * targetWidth + qx + ox - r
                            let patchRow = dy * count
                            for dx in 0..<count {
                                let v = Int(targetPixels[row + dx])
                                sum &+= v
                                squares &+= v &* v
                                cross &+= v &* patch[patchRow + dx]
                            }
                        }
                        let variance = Double(squares) - Double(sum) * Double(sum) / area
                        let centred = Double(cross) - referenceMean * Double(sum)
                        let score = variance > 0 ? centred / (variance * energy).squareRoot() : -1
                        scores[(oy + s) * span + ox + s] = score
                        if score > best { best = score; bestX = ox; bestY = oy }
                    }
                }
                guard best >= minimumCorrelation, abs(bestX) < s, abs(bestY) < s else { continue }
                // Sub-pixel: the vertex of a parabola through the peak and its neighbours, per axis.
                func at(_ x: Int, _ y: Int) -> Double { scores[(y + s) * span + x + s] }
                func vertex(_ minus: Double, _ centre: Double, _ plus: Double) -> Double {
                    let curvature = minus - 2 * centre + plus
                    return curvature < 0 ? max(-0.5, min(0.5, 0.5 * (minus - plus) / curvature)) : 0
                }
                let fx = vertex(at(bestX - 1, bestY), best, at(bestX + 1, bestY))
                let fy = vertex(at(bestX, bestY - 1), best, at(bestX, bestY + 1))
                from.append(MeshPoint(x: Double(px), y: Double(py), z: p.z))
                to.append(MeshPoint(x: Double(qx + bestX) + fx, y: Double(qy + bestY) + fy, z: 0))
            }
        }
        }
        }
        }
        return (from, to)
    }
}
