import Imaging

/// Finds the top of the head, which no model gives: it follows the face axis (perpendicular to the eye line)
/// from the forehead up to where the plain background starts, and estimates the top of the skull from
/// head proportions. Documented in docs/face-analysis.md.
enum CrownScan {
    /// Skull top above the eye line ÷ eye line above the chin. Adult anthropometry (Farkas 1994: vertex–gnathion
    /// ≈ 22–23.5 cm, pupil level–gnathion ≈ 10.5–11.5 cm) puts the eyes a little below half the head height: 1.1.
    static let skullAboveEyesPerEyesToChin = 1.1
    /// Smallest colour difference (RGB distance) that counts as "not background", whatever the noise.
    static let minimumContrast = 24.0
    /// The scan may lower the proportional skull estimate to this fraction of it, no further.
    static let minimumSkullFraction = 0.85

    static func find(in image: RGBImage, imageLeftEye: Point, imageRightEye: Point, chin: Point, forehead: Point) -> Crown {
        let eyeMid = imageLeftEye.midpoint(imageRightEye)
        let ipd = max(imageLeftEye.distance(to: imageRightEye), 1)
        let across = (imageRightEye - imageLeftEye) * (1 / ipd)
        let up = Point(x: across.y, y: -across.x)
        func dot(_ a: Point, _ b: Point) -> Double { a.x * b.x + a.y * b.y }
        func onAxis(_ t: Double) -> Point { eyeMid + up * t }

        let eyesToChin = max(dot(eyeMid - chin, up), ipd * 0.5)
        let skullEstimate = eyesToChin * skullAboveEyesPerEyesToChin
        let start = max(dot(forehead - eyeMid, up), 0)
        let end = lastInside(from: eyeMid, direction: up, width: image.width, height: image.height)

        var hairTop = end, reachesEdge = true
        if end - start >= ipd * 0.3 {
            let step = max(1.0, ipd / 100)
            var profile = [(r: Double, g: Double, b: Double)]()
            var t = start
            while t <= end {
                profile.append(sampleBand(image, centre: onAxis(t), across: across, halfWidth: ipd * 0.2))
                t += step
            }
            // The background reference: the top stretch of the axis, if it is background at all.
            let referenceCount = max(3, Int(ipd * 0.15 / step))
            let top = profile.suffix(referenceCount)
            let reference = mean(top)
            let noise = (top.map { distance($0, reference) }.reduce(0, +) / Double(top.count))
            let threshold = max(minimumContrast, 4 * noise)
            let sides = [onAxis(end - ipd * 0.05) + across * (1.6 * ipd), onAxis(end - ipd * 0.05) - across * (1.6 * ipd)]
                .filter { $0.x >= 0 && $0.y >= 0 && $0.x < Double(image.width) && $0.y < Double(image.height) }
                .map { sampleBand(image, centre: $0, across: across, halfWidth: ipd * 0.1) }
            let topIsBackground = sides.isEmpty || sides.contains { distance($0, reference) < threshold }
            if topIsBackground {
                // From the top down: the first run of samples unlike the background is the hair (or the head).
                let run = max(2, Int(ipd * 0.03 / step))
                var index = profile.count - 1, unlike = 0
                reachesEdge = false
                hairTop = start
                while index >= 0 {
                    if distance(profile[index], reference) > threshold {
                        unlike += 1
                        if unlike >= run {
                            hairTop = start + Double(index + run - 1) * step
                            break
                        }
                    } else {
                        unlike = 0
                    }
                    index -= 1
                }
            }
        }
        // Hair cannot lie inside the skull: when the scan ends lower than the proportions say (short hair,
        // a bald head), the scan is the better measure of the skull too — but only by so much: a scan that
        // stops far lower has mistaken hair for background (a tight crop, dark hair against a dark wall),
        // and a head is never 15 % shorter than the proportions.
        let skullTop = hairTop < skullEstimate ? max(hairTop, skullEstimate * minimumSkullFraction) : skullEstimate
        // …and where the scan was overruled, the hair reaches at least the skull.
        hairTop = max(hairTop, skullTop)
        return Crown(topOfHair: onAxis(hairTop), skullTop: onAxis(skullTop), reachesImageEdge: reachesEdge)
    }

    /// The largest t ≥ 0 with `origin + direction·t` inside the image (0 when the origin is outside).
    static func lastInside(from origin: Point, direction: Point, width: Int, height: Int) -> Double {
        var limit = Double.infinity
        let w = Double(width) - 0.5, h = Double(height) - 0.5
        guard origin.x >= 0, origin.y >= 0, origin.x <= w, origin.y <= h else { return 0 }
        if direction.x > 1e-9 { limit = min(limit, (w - origin.x) / direction.x) }
        if direction.x < -1e-9 { limit = min(limit, (0 - origin.x) / direction.x) }
        if direction.y > 1e-9 { limit = min(limit, (h - origin.y) / direction.y) }
        if direction.y < -1e-9 { limit = min(limit, (0 - origin.y) / direction.y) }
        return limit.isFinite ? max(limit, 0) : 0
    }

    /// The mean colour of 5 pixels on a short segment across the axis.
    static func sampleBand(_ image: RGBImage, centre: Point, across: Point, halfWidth: Double) -> (r: Double, g: Double, b: Double) {
        var r = 0.0, g = 0.0, b = 0.0, n = 0.0
        for k in -2...2 {
            let p = centre + across * (halfWidth * Double(k) / 2)
            // Bounds first, in Double: Int() of NaN or of a huge value would trap.
            guard p.x >= 0, p.y >= 0, p.x < Double(image.width), p.y < Double(image.height) else { continue }
            let x = Int(p.x), y = Int(p.y)
            let px = image[x, y]
            r += Double(px.r); g += Double(px.g); b += Double(px.b); n += 1
        }
        return n > 0 ? (r / n, g / n, b / n) : (0, 0, 0)
    }

    static func mean(_ colours: ArraySlice<(r: Double, g: Double, b: Double)>) -> (r: Double, g: Double, b: Double) {
        var r = 0.0, g = 0.0, b = 0.0
        for c in colours { r += c.r; g += c.g; b += c.b }
        let n = Double(max(colours.count, 1))
        return (r / n, g / n, b / n)
    }

    static func distance(_ a: (r: Double, g: Double, b: Double), _ b: (r: Double, g: Double, b: Double)) -> Double {
        ((a.r - b.r) * (a.r - b.r) + (a.g - b.g) * (a.g - b.g) + (a.b - b.b) * (a.b - b.b)).squareRoot()
    }
}
