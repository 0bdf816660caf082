import FaceAnalysis
import Imaging
import Liveness
import LivenessTestSupport
import Testing

/// The tracker's integer sums against the plain formula (mean-free NCC in doubles, as first written).
@Suite struct TextureTrackerTests {
    /// The scalar reference: the reference patch made mean-free in doubles, correlated at every offset.
    static func referenceTrack(from reference: FaceObservation, _ referenceTexture: FaceTexture,
                               to target: FaceObservation, _ targetTexture: FaceTexture) -> (from: [MeshPoint], to: [MeshPoint]) {
        var from: [MeshPoint] = [], to: [MeshPoint] = []
        let r = TextureTracker.patchRadius, s = TextureTracker.searchRadius
        let count = r * 2 + 1
        let area = Double(count * count)
        func value(_ t: FaceTexture, _ x: Int, _ y: Int) -> Double { Double(t.pixels[y * t.width + x]) }
        for (k, point) in reference.points.enumerated() where k < target.points.count {
            let p = referenceTexture.crop(point), q = targetTexture.crop(target.points[k])
            let px = Int(p.x.rounded()), py = Int(p.y.rounded()), qx = Int(q.x.rounded()), qy = Int(q.y.rounded())
            guard px - r >= 0, py - r >= 0, px + r < referenceTexture.width, py + r < referenceTexture.height,
                  qx - r - s >= 0, qy - r - s >= 0, qx + r + s < targetTexture.width, qy + r + s < targetTexture.height
            else { continue }
            var patch = [Double](repeating: 0, count: count * count)
            var mean = 0.0
            for dy in -r...r { for dx in -r...r { mean += value(referenceTexture, px + dx, py + dy) } }
            mean /= area
            var energy = 0.0
            for dy in -r...r {
                for dx in -r...r {
                    let v = value(referenceTexture, px + dx, py + dy) - mean
                    patch[(dy + r) * count + dx + r] = v
                    energy += v * v
                }
            }
            guard (energy / area).squareRoot() >= TextureTracker.minimumContrast else { continue }
            var scores = [Double](repeating: -1, count: (2 * s + 1) * (2 * s + 1))
            var best = -1.0, bestX = 0, bestY = 0
            for oy in -s...s {
                for ox in -s...s {
                    var sum = 0.0, sumSquares = 0.0, cross = 0.0
                    for dy in -r...r {
                        for dx in -r...r {
                            let v = value(targetTexture, qx + ox + dx, qy + oy + dy)
                            sum += v
                            sumSquares += v * v
                            cross += v * patch[(dy + r) * count + dx + r]
                        }
                    }
                    let variance = sumSquares - sum * sum / area
                    let score = variance > 0 ? cross / (variance * energy).squareRoot() : -1
                    scores[(oy + s) * (2 * s + 1) + ox + s] = score
                    if score > best { best = score; bestX = ox; bestY = oy }
                }
            }
            guard best >= TextureTracker.minimumCorrelation, abs(bestX) < s, abs(bestY) < s else { continue }
            func at(_ x: Int, _ y: Int) -> Double { scores[(y + s) * (2 * s + 1) + x + s] }
            func vertex(_ minus: Double, _ centre: Double, _ plus: Double) -> Double {
                let curvature = minus - 2 * centre + plus
                return curvature < 0 ? max(-0.5, min(0.5, 0.5 * (minus - plus) / curvature)) : 0
            }
            from.append(MeshPoint(x: Double(px), y: Double(py), z: p.z))
            to.append(MeshPoint(x: Double(qx + bestX) + vertex(at(bestX - 1, bestY), best, at(bestX + 1, bestY)),
                                y: Double(qy + bestY) + vertex(at(bestX, bestY - 1), best, at(bestX, bestY + 1)), z: 0))
        }
        return (from, to)
    }

    /// A textured image (smoothed seeded noise, some flat areas) and the same moved by (dx, dy) pixels.
    static func scene(seed: UInt64, dx: Int, dy: Int) -> (RGBImage, RGBImage) {
        let width = 320, height = 240
        var random = SeededRandom(seed: seed)
        var grey = [Double](repeating: 0, count: width * height)
        for i in grey.indices { grey[i] = random.unit() * 255 }
        // Flat bands: points there have no texture and must be left out by both.
        for y in 0..<height where (y / 30) % 4 == 3 { for x in 0..<width { grey[y * width + x] = 128 } }
        func image(_ shiftX: Int, _ shiftY: Int) -> RGBImage {
            var pixels = [UInt8](repeating: 0, count: width * height * 3)
            for y in 0..<height {
                for x in 0..<width {
                    let sx = min(max(x - shiftX, 1), width - 2), sy = min(max(y - shiftY, 1), height - 2)
                    // 3×3 box blur: texture at the scale the tracker follows.
                    var v = 0.0
                    for oy in -1...1 { for ox in -1...1 { v += grey[(sy + oy) * width + sx + ox] } }
                    let byte = UInt8(min(255, max(0, v / 9)))
                    for c in 0..<3 { pixels[(y * width + x) * 3 + c] = byte }
                }
            }
            return RGBImage(width: width, height: height, pixels: pixels)
        }
        return (image(0, 0), image(dx, dy))
    }

    @Test(arguments: [(UInt64(1), 2, -1), (UInt64(2), 0, 0), (UInt64(3), -3, 4)])
    func theIntegerSumsAreTheDoubleFormula(seed: UInt64, dx: Int, dy: Int) throws {
        let (first, second) = Self.scene(seed: seed, dx: dx, dy: dy)
        // 43 points (as many as the rigid set) on a grid around the centre; the "mesh" does not see the move.
        var points: [MeshPoint] = []
        for i in 0..<43 {
            let column = Double(i % 7 - 3), row = Double(i / 7 - 3)
            points.append(MeshPoint(x: 160 + column * 14, y: 120 + row * 14, z: Double(i % 5)))
        }
        let size = 40.0
        let a = try #require(FaceTexture(image: first, points: points, size: size))
        let b = try #require(FaceTexture(image: second, points: points, size: size))
        let observation = FaceObservation(points: points, yaw: 0, pitch: 0, eyeOpenness: 0.3, mouthOpenness: 0)
        let fast = TextureTracker.track(from: observation, a, to: observation, b)
        let plain = Self.referenceTrack(from: observation, a, to: observation, b)
        #expect(fast.from.count == plain.from.count && fast.from.count >= 20, "\(fast.from.count) vs \(plain.from.count) points")
        #expect(fast.from.count < points.count, "the flat band's points are left out")
        for (x, y) in zip(fast.to, plain.to) { #expect(abs(x.x - y.x) < 1e-9 && abs(x.y - y.y) < 1e-9) }
        for (x, y) in zip(fast.from, plain.from) { #expect(x.x == y.x && x.y == y.y && x.z == y.z) }
        // And the move itself is found (crop scale 1: the face size given is the crop's).
        for (f, t) in zip(fast.from, fast.to) {
            #expect(abs(t.x - f.x - Double(dx)) < 0.3 && abs(t.y - f.y - Double(dy)) < 0.3)
        }
    }
}
