import FaceAnalysis

/// The two explanations of how the face's points moved between two frames, each fitted by least squares.
///
/// - **Planar**: every point lies on one plane (a print, a screen, a page bent a little), so the image
///   motion is a homography: 8 parameters, x' = (h₁x + h₂y + h₃)/(h₇x + h₈y + 1), y' likewise.
/// - **Rigid in depth**: the points are the mesh's 3-D points of the first frame, seen again after any
///   rotation and translation under weak perspective (the station's camera sees the head from 60–100 cm,
///   its depth of ±10 cm changes the scale by < 20 %): x' = a₁x + a₂y + a₃z + a₄, y' likewise: also
///   8 parameters. A global scale of the mesh's z (the network's depth is not metric) is absorbed.
///
/// Both models have 8 parameters, so neither wins by flexibility: a real head turning leaves the
/// homography a residual (the nose tip and the eye corners move against the outline, which no plane
/// does) and the rigid model none; a moved photo leaves the rigid model a residual as soon as the plane
/// is seen in perspective, and the homography none.
public enum MotionModels {
    /// Root-mean-square transfer error (source pixels) of the best homography mapping `from` onto `to`,
    /// or nil when the points do not determine one (fewer than 5, or all on a line).
    public static func planarResidual(from: [MeshPoint], to: [MeshPoint]) -> Double? {
        let n = min(from.count, to.count)
        guard n >= 5 else { return nil }
        // Hartley normalisation: centroid to 0, mean distance √2, for a well-conditioned system.
        let a = Normalisation(from.prefix(n).map { ($0.x, $0.y) })
        let b = Normalisation(to.prefix(n).map { ($0.x, $0.y) })
        // h₃₃ = 1 (no point of a face maps to infinity): linear least squares in 8 unknowns.
        var normal = [Double](repeating: 0, count: 64)
        var right = [Double](repeating: 0, count: 8)
        for k in 0..<n {
            let (x, y) = a.apply(from[k].x, from[k].y)
            let (u, v) = b.apply(to[k].x, to[k].y)
            let rowU: [Double] = [x, y, 1, 0, 0, 0, -u * x, -u * y]
            let rowV: [Double] = [0, 0, 0, x, y, 1, -v * x, -v * y]
            accumulate(&normal, &right, rowU, u)
            accumulate(&normal, &right, rowV, v)
        }
        guard let h = solve(normal, right, size: 8) else { return nil }
        var sum = 0.0
        for k in 0..<n {
            let (x, y) = a.apply(from[k].x, from[k].y)
            let w = h[6] * x + h[7] * y + 1
            guard abs(w) > 1e-9 else { return nil }
            let (u, v) = b.undo((h[0] * x + h[1] * y + h[2]) / w, (h[3] * x + h[4] * y + h[5]) / w)
            sum += (u - to[k].x) * (u - to[k].x) + (v - to[k].y) * (v - to[k].y)
        }
        return (sum / Double(n)).squareRoot()
    }

    /// Root-mean-square error (source pixels) of the best affine camera taking the 3-D points `from`
    /// onto the image points `to`, or nil when the points do not determine one.
    public static func rigidResidual(from: [MeshPoint], to: [MeshPoint]) -> Double? {
        let n = min(from.count, to.count)
        guard n >= 5 else { return nil }
        // Centre and scale the 3-D points for conditioning (the fit is invariant to it).
        var mean = (0.0, 0.0, 0.0)
        for p in from.prefix(n) { mean.0 += p.x; mean.1 += p.y; mean.2 += p.z }
        mean = (mean.0 / Double(n), mean.1 / Double(n), mean.2 / Double(n))
        var spread = 0.0
        for p in from.prefix(n) { spread += (p.x - mean.0) * (p.x - mean.0) + (p.y - mean.1) * (p.y - mean.1) + (p.z - mean.2) * (p.z - mean.2) }
        let scale = spread > 0 ? (Double(n) / spread).squareRoot() : 1
        var normal = [Double](repeating: 0, count: 16)
        var rightX = [Double](repeating: 0, count: 4), rightY = [Double](repeating: 0, count: 4)
        var rows: [[Double]] = []
        rows.reserveCapacity(n)
        for k in 0..<n {
            let row = [(from[k].x - mean.0) * scale, (from[k].y - mean.1) * scale, (from[k].z - mean.2) * scale, 1]
            rows.append(row)
            accumulate(&normal, &rightX, row, to[k].x)
            for i in 0..<4 { rightY[i] += row[i] * to[k].y }
        }
        // The depth column can be (nearly) dependent on x and y for a flat mesh: a tiny ridge keeps the
        // system solvable and leaves a well-determined fit unchanged.
        normal[10] += 1e-9 * Double(n)
        guard let ax = solve(normal, rightX, size: 4), let ay = solve(normal, rightY, size: 4) else { return nil }
        var sum = 0.0
        for k in 0..<n {
            let row = rows[k]
            let u = ax[0] * row[0] + ax[1] * row[1] + ax[2] * row[2] + ax[3]
            let v = ay[0] * row[0] + ay[1] * row[1] + ay[2] * row[2] + ay[3]
            sum += (u - to[k].x) * (u - to[k].x) + (v - to[k].y) * (v - to[k].y)
        }
        return (sum / Double(n)).squareRoot()
    }

    /// Adds one equation row·p = value to the normal equations.
    private static func accumulate(_ normal: inout [Double], _ right: inout [Double], _ row: [Double], _ value: Double) {
        let size = row.count
        for i in 0..<size {
            let ri = row[i]
            guard ri != 0 else { continue }
            right[i] += ri * value
            for j in 0..<size { normal[i * size + j] += ri * row[j] }
        }
    }

    /// Solves the symmetric system by Gaussian elimination with partial pivoting; nil when singular.
    static func solve(_ matrix: [Double], _ vector: [Double], size: Int) -> [Double]? {
        var m = matrix, v = vector
        var largest = 0.0
        for value in m { largest = max(largest, abs(value)) }
        guard largest > 0, largest.isFinite else { return nil }
        for column in 0..<size {
            var pivot = column
            for row in (column + 1)..<max(column + 1, size) where abs(m[row * size + column]) > abs(m[pivot * size + column]) { pivot = row }
            guard abs(m[pivot * size + column]) > largest * 1e-13 else { return nil }
            if pivot != column {
                for j in 0..<size { m.swapAt(column * size + j, pivot * size + j) }
                v.swapAt(column, pivot)
            }
            let p = m[column * size + column]
            for row in (column + 1)..<max(column + 1, size) {
                let factor = m[row * size + column] / p
                guard factor != 0 else { continue }
                for j in column..<size { m[row * size + j] -= factor * m[column * size + j] }
                v[row] -= factor * v[column]
            }
        }
        var x = [Double](repeating: 0, count: size)
        for row in stride(from: size - 1, through: 0, by: -1) {
            var sum = v[row]
            for j in (row + 1)..<max(row + 1, size) { sum -= m[row * size + j] * x[j] }
            x[row] = sum / m[row * size + row]
        }
        return x.allSatisfy(\.isFinite) ? x : nil
    }
}

/// Similarity that moves points to centroid 0 and mean distance √2 (Hartley), and back.
private struct Normalisation {
    let cx: Double, cy: Double, scale: Double

    init(_ points: [(Double, Double)]) {
        var sx = 0.0, sy = 0.0
        for p in points { sx += p.0; sy += p.1 }
        let n = Double(max(points.count, 1))
        cx = sx / n
        cy = sy / n
        var distance = 0.0
        for p in points { distance += ((p.0 - sx / n) * (p.0 - sx / n) + (p.1 - sy / n) * (p.1 - sy / n)).squareRoot() }
        scale = distance > 0 ? 2.0.squareRoot() * n / distance : 1
    }

    func apply(_ x: Double, _ y: Double) -> (Double, Double) { ((x - cx) * scale, (y - cy) * scale) }
    func undo(_ x: Double, _ y: Double) -> (Double, Double) { (x / scale + cx, y / scale + cy) }
}
