import Imaging

/// Tells the wall from what stands in front of it, without a segmentation model: pixels near the wall's
/// dominant colour are wall; everything else that is connected to the head (hair, ears, shoulders) is the
/// person; what is neither — a picture frame, a door edge, a second person's shoulder — is an object on
/// the background. Hair is thereby never mistaken for clutter, however wild, and clutter never hides as
/// hair unless it touches the person.
struct BackgroundAnalysis {
    /// Mean luma step between neighbouring wall pixels (texture of the wall itself: wallpaper, a rough
    /// or patterned surface); a plain painted wall gives under 1.
    var wallTexture: Double
    /// Fraction of the background region covered by objects (not wall, not the person).
    var objectFraction: Double

    /// RGB distance from the wall colour within which a pixel counts as wall: wide enough for the light
    /// falling off across a plain wall, narrow enough that hair and objects stand out.
    static let wallTolerance = 40.0

    /// `image` is the reduced copy; `head` and `region` are in its pixels; `wall` the region's median colour.
    static func analyse(_ image: RGBImage, head: Ellipse, region: SampleRegion,
                        wall: (r: Double, g: Double, b: Double)) -> BackgroundAnalysis {
        let width = image.width, height = image.height
        let count = width * height
        guard count > 0 else { return BackgroundAnalysis(wallTexture: 0, objectFraction: 0) }
        var isWall = [Bool](repeating: false, count: count)
        var luma = [Double](repeating: 0, count: count)
        let limit = wallTolerance * wallTolerance
        image.pixels.withUnsafeBufferPointer { p in
            for i in 0..<count {
                let r = Double(p[3 * i]), g = Double(p[3 * i + 1]), b = Double(p[3 * i + 2])
                let d = (r - wall.r) * (r - wall.r) + (g - wall.g) * (g - wall.g) + (b - wall.b) * (b - wall.b)
                isWall[i] = d <= limit
                luma[i] = 0.299 * r + 0.587 * g + 0.114 * b
            }
        }
        // The person: flood fill over non-wall pixels, seeded inside the head.
        var isPerson = [Bool](repeating: false, count: count)
        var stack: [Int] = []
        for y in 0..<height {
            for x in 0..<width where head.contains(x: Double(x) + 0.5, y: Double(y) + 0.5) {
                let i = y * width + x
                if !isWall[i] { isPerson[i] = true; stack.append(i) }
            }
        }
        while let i = stack.popLast() {
            let x = i % width, y = i / width
            for (nx, ny) in [(x - 1, y), (x + 1, y), (x, y - 1), (x, y + 1)] where nx >= 0 && ny >= 0 && nx < width && ny < height {
                let j = ny * width + nx
                if !isWall[j] && !isPerson[j] { isPerson[j] = true; stack.append(j) }
            }
        }
        var regionCount = 0, objects = 0, textureSum = 0.0, texturePairs = 0
        for y in 0..<height {
            for x in 0..<width {
                let px = Double(x) + 0.5, py = Double(y) + 0.5
                switch region {
                case .rectangle(let r): if x < r.x || y < r.y || x >= r.x + r.width || y >= r.y + r.height { continue }
                case .inside(let e): if !e.contains(x: px, y: py) { continue }
                case .outside(let e, let aboveY): if y >= aboveY || e.contains(x: px, y: py) { continue }
                }
                let i = y * width + x
                regionCount += 1
                if !isWall[i] {
                    if !isPerson[i] { objects += 1 }
                    continue
                }
                if x + 1 < width, isWall[i + 1] { textureSum += abs(luma[i] - luma[i + 1]); texturePairs += 1 }
                if y + 1 < height, isWall[i + width] { textureSum += abs(luma[i] - luma[i + width]); texturePairs += 1 }
            }
        }
        return BackgroundAnalysis(wallTexture: texturePairs > 0 ? textureSum / Double(texturePairs) : 0,
                                  objectFraction: regionCount > 0 ? Double(objects) / Double(regionCount) : 1)
    }
}
