import Imaging

/// Moves the mesh's chin point (152) to the edge the image shows: the mesh is a smooth model and tends to
/// sit inside the chin's outline, while the rules measure to the outline. Below the chin lies its own
/// shadow on the neck, so the outline is where the brightness drops most steeply going down the face axis.
enum ChinEdge {
    /// How far below (and above) the mesh point the edge is looked for, in inter-eye distances.
    static let searchBelow = 0.25, searchAbove = 0.05
    /// Smallest brightness drop (0–255) that counts as the chin's edge; weaker, the mesh point stays.
    static let minimumDrop = 12.0

    static func refine(_ chin: Point, in image: RGBImage, imageLeftEye: Point, imageRightEye: Point) -> Point {
        let ipd = max(imageLeftEye.distance(to: imageRightEye), 1)
        let across = (imageRightEye - imageLeftEye) * (1 / ipd)
        let down = Point(x: -across.y, y: across.x)
        let step = max(0.5, ipd / 200)
        let half = max(1, Int((ipd * 0.03 / step).rounded()))
        let first = -Int((ipd * searchAbove / step).rounded()) - half
        let last = Int((ipd * searchBelow / step).rounded()) + half
        var brightness = [Double]()
        brightness.reserveCapacity(last - first + 1)
        for k in first...last {
            let c = CrownScan.sampleBand(image, centre: chin + down * (Double(k) * step), across: across, halfWidth: ipd * 0.15)
            brightness.append(0.299 * c.r + 0.587 * c.g + 0.114 * c.b)
        }
        var best = 0, bestDrop = minimumDrop
        for i in half..<(brightness.count - half) {
            let drop = brightness[i - half] - brightness[i + half]
            if drop > bestDrop { bestDrop = drop; best = i }
        }
        guard best > 0 else { return chin }
        return chin + down * (Double(best + first) * step)
    }
}
