import CPNG
import Imaging
import Platform

#if canImport(Glibc)
import Glibc
#endif

/// The liveness test presentations, built from `../shared/testdata` into a folder of JPEG frames each:
/// real bona fide turns (ORL), real attacks (Silent-Face), and synthetic planar attacks (ORL and FRLL
/// photos moved in perspective, with print or screen looks). Test support only: never in the product.
public enum PresentationSets {
    public static let testData = "../shared/testdata"
    public static var livenessData: String { testData + "/liveness" }
    public static var isPresent: Bool { FileSystem.exists(livenessData + "/orl/s3/1.png") && FileSystem.exists(testData + "/faces/frll") }

    /// ORL subjects s3 … s20.
    public static let orlSubjects = (3...20).map { "s\($0)" }

    /// The three Silent-Face demo presentations (real, colour webcam captures of the vendor's demo app).
    public static var silentFace: [(name: String, path: String, bonaFide: Bool)] {
        [("silent-face bona fide", livenessData + "/silent-face/demo/bona-fide", true),
         ("silent-face replay (phone screen)", livenessData + "/silent-face/demo/replay", false),
         ("silent-face print (hand-held, bent)", livenessData + "/silent-face/demo/print", false)]
    }

    /// The canvas the ORL shots are placed on: a 640×480 webcam frame, the 92×112 shot enlarged 3.5×.
    static let canvasWidth = 640, canvasHeight = 480, orlScale = 3.5

    /// A subject's 10 shots in name order (1 … 10), enlarged onto the canvas: a real head with small turns.
    public static func orlBonaFide(_ subject: String) throws -> [RGBImage] {
        try (1...10).map { try orlFrame(subject, shot: $0) }
    }

    public static func orlFrame(_ subject: String, shot: Int) throws -> RGBImage {
        let shotImage = try readPNG(livenessData + "/orl/\(subject)/\(shot).png")
        let transform = AffineTransform.scale(orlScale).followed(by: .translation(
            x: (Double(canvasWidth) - Double(shotImage.width) * orlScale) / 2,
            y: (Double(canvasHeight) - Double(shotImage.height) * orlScale) / 2))
        return AffineWarp.warp(shotImage, transform: transform, width: canvasWidth, height: canvasHeight,
                               interpolation: .bicubic, fill: AffineWarp.Fill(r: 40, g: 40, b: 40))
    }

    /// How a synthetic attack's photo is presented.
    public enum Look: String, Sendable, CaseIterable {
        /// The photo as it is (a good print under even light).
        case plain
        /// A halftone print: the grey levels as a dot screen, slightly blurred by the camera.
        case halftone
        /// A phone screen: a pixel grid of darker lines, a blue cast and lifted blacks.
        case screen
    }

    /// A planar attack: `photo` held up as a flat sheet (or screen), turned and tilted by the hand in
    /// perspective over `frames` frames, on the canvas. The movement mimics the asked head turn: yaw of the
    /// sheet from 0 to ±`maxDegrees` and back, with a little pitch and roll and drift.
    public static func planarAttack(_ photo: RGBImage, frames: Int = 12, maxDegrees: Double = 25, look: Look,
                                    seed: UInt64, faceWidthFraction: Double = 0.45) -> [RGBImage] {
        var random = SeededRandom(seed: seed)
        let presented = apply(look, to: photo)
        let direction: Double = random.unit() < 0.5 ? -1 : 1
        let photoScale = Double(canvasWidth) * faceWidthFraction / Double(photo.width) * 1.6
        return (0..<frames).map { k in
            let phase = Double(k) / Double(max(frames - 1, 1))
            let swing = sin(phase * .pi)  // 0 → 1 → 0: out and back
            let yaw = direction * maxDegrees * swing + random.unit() * 2 - 1
            let pitch = 4 * sin(phase * 2 * .pi) + random.unit() * 2 - 1
            let roll = random.unit() * 4 - 2
            let shift = (x: random.unit() * 20 - 10, y: random.unit() * 20 - 10)
            let h = sheetHomography(width: Double(photo.width), height: Double(photo.height), scale: photoScale,
                                    yaw: yaw, pitch: pitch, roll: roll, shift: shift)
            return perspectiveWarp(presented, homography: h, width: canvasWidth, height: canvasHeight,
                                   fill: (92, 88, 84))
        }
    }

    /// A presentation written as JPEG frames `000.jpg` … into `directory` (created).
    public static func write(_ frames: [RGBImage], to directory: String, quality: Int = 90) throws {
        try FileSystem.createDirectory(directory)
        for (k, frame) in frames.enumerated() {
            let name = directory + "/" + String(repeating: "0", count: max(0, 3 - String(k).count)) + "\(k).jpg"
            if FileSystem.exists(name) { try FileSystem.removeTree(name) }
            try FileSystem.writeNewFile(name, try JPEG.encode(frame, options: JPEGEncodeOptions(quality: quality)), mode: 0o644)
        }
    }

    /// The FRLL portraits (1350×1350 colour studio photos), by file name.
    public static func frllNames() throws -> [String] {
        try FileSystem.listDirectory(testData + "/faces/frll").filter { $0.hasSuffix(".jpg") }.sorted()
    }

    /// An FRLL portrait reduced to 400×400 (the size a print held at arm's length fills in a frame).
    public static func frllPhoto(_ name: String) throws -> RGBImage {
        let image = try JPEG.decode(try FileSystem.readFile(testData + "/faces/frll/" + name))
        return AreaResize.resize(image, width: 400, height: 400)
    }

    /// A PNG file as RGB (libpng's simplified API; grey files are expanded).
    public static func readPNG(_ path: String) throws -> RGBImage {
        let bytes = try FileSystem.readFile(path)
        // libpng reads the compressed data during finish_read: both calls inside one access to the bytes.
        return try bytes.withUnsafeBufferPointer { data throws -> RGBImage in
            var image = png_image()
            guard fotobox_png_begin(&image, data.baseAddress, data.count) == 0 else { throw PNGError(path: path, message: messageOf(&image)) }
            var output = RGBImage(width: Int(image.width), height: Int(image.height))
            let finished = output.pixels.withUnsafeMutableBufferPointer { fotobox_png_finish(&image, $0.baseAddress) }
            guard finished == 0 else { throw PNGError(path: path, message: messageOf(&image)) }
            return output
        }
    }

    public struct PNGError: Error, CustomStringConvertible {
        public let path: String, message: String
        public var description: String { "\(path): \(message)" }
    }

    private static func messageOf(_ image: inout png_image) -> String {
        withUnsafeBytes(of: &image.message) { raw in String(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self)) }
    }

    // MARK: looks

    static func apply(_ look: Look, to photo: RGBImage) -> RGBImage {
        var out = photo
        switch look {
        case .plain:
            break
        case .halftone:
            // A 45° dot screen with a 4-pixel period per channel, then a 3×3 blur (the camera's optics).
            for y in 0..<photo.height {
                for x in 0..<photo.width {
                    let u = Double(x + y) * 0.5 * .pi / 2, v = Double(x - y) * 0.5 * .pi / 2
                    let dot = (cos(u) * cos(v) + 1) / 2  // 0…1 screen
                    let p = photo[x, y]
                    func screen(_ c: UInt8) -> UInt8 { Double(c) / 255 > dot ? 235 : 30 }
                    out[x, y] = (screen(p.r), screen(p.g), screen(p.b))
                }
            }
            out = blur(out)
        case .screen:
            // An RGB stripe pixel grid every 3 pixels with a dark gap, blue cast, lifted blacks.
            for y in 0..<photo.height {
                for x in 0..<photo.width {
                    let p = photo[x, y]
                    let gap = (y % 3 == 2) ? 0.7 : 1.0
                    func tone(_ c: UInt8, _ gain: Double) -> UInt8 { UInt8(min(255, (25 + Double(c) * 0.85 * gain) * gap)) }
                    out[x, y] = (tone(p.r, 0.92), tone(p.g, 0.97), tone(p.b, 1.08))
                }
            }
        }
        return out
    }

    static func blur(_ image: RGBImage) -> RGBImage {
        var out = image
        for y in 1..<(image.height - 1) {
            for x in 1..<(image.width - 1) {
                var sum = (0, 0, 0)
                for dy in -1...1 {
                    for dx in -1...1 {
                        let p = image[x + dx, y + dy]
                        sum = (sum.0 + Int(p.r), sum.1 + Int(p.g), sum.2 + Int(p.b))
                    }
                }
                out[x, y] = (UInt8(sum.0 / 9), UInt8(sum.1 / 9), UInt8(sum.2 / 9))
            }
        }
        return out
    }

    // MARK: perspective

    /// The homography (row-major 3×3) taking photo pixels to canvas pixels for a flat sheet of the photo
    /// turned by yaw/pitch/roll (degrees) about its centre, seen by a pinhole camera (focal length 1.2 ×
    /// canvas width, about a 45° webcam field of view) from 50 cm, the sheet `scale` canvas pixels per
    /// photo pixel when facing the camera.
    static func sheetHomography(width: Double, height: Double, scale: Double, yaw: Double, pitch: Double, roll: Double,
                                shift: (x: Double, y: Double)) -> [Double] {
        let f = 1.2 * Double(canvasWidth)
        let distance = f  // in canvas pixels at the sheet: the sheet appears with `scale` when facing
        let (a, b, c) = (yaw * .pi / 180, pitch * .pi / 180, roll * .pi / 180)
        // R = Rz(roll) · Rx(pitch) · Ry(yaw)
        let ry: [Double] = [cos(a), 0, sin(a), 0, 1, 0, -sin(a), 0, cos(a)]
        let rx: [Double] = [1, 0, 0, 0, cos(b), -sin(b), 0, sin(b), cos(b)]
        let rz: [Double] = [cos(c), -sin(c), 0, sin(c), cos(c), 0, 0, 0, 1]
        let r = multiply(rz, multiply(rx, ry))
        // A photo pixel (u, v) is the sheet point P = (s(u − w/2), s(v − h/2), 0); camera point R·P + (0,0,d).
        // Image: x = f X / Z + cx, y = f Y / Z + cy. As a homography in (u, v, 1):
        let s = scale
        let cx = Double(canvasWidth) / 2 + shift.x, cy = Double(canvasHeight) / 2 + shift.y
        // columns: r1·s, r2·s, t − s(w/2 r1 + h/2 r2)
        let r1 = [r[0], r[3], r[6]].map { $0 * s }, r2 = [r[1], r[4], r[7]].map { $0 * s }
        let t = [0.0, 0.0, distance]
        let t2 = (0..<3).map { t[$0] - width / 2 * r1[$0] - height / 2 * r2[$0] }
        let m: [Double] = [r1[0], r2[0], t2[0], r1[1], r2[1], t2[1], r1[2], r2[2], t2[2]]
        let k: [Double] = [f, 0, cx, 0, f, cy, 0, 0, 1]
        return multiply(k, m)
    }

    static func multiply(_ a: [Double], _ b: [Double]) -> [Double] {
        var product = [Double](repeating: 0, count: 9)
        for row in 0..<3 {
            for column in 0..<3 {
                var sum = 0.0
                for k in 0..<3 { sum += a[row * 3 + k] * b[k * 3 + column] }
                product[row * 3 + column] = sum
            }
        }
        return product
    }

    static func inverse(_ m: [Double]) -> [Double] {
        let det = m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6]) + m[2] * (m[3] * m[7] - m[4] * m[6])
        let adj: [Double] = [
            m[4] * m[8] - m[5] * m[7], m[2] * m[7] - m[1] * m[8], m[1] * m[5] - m[2] * m[4],
            m[5] * m[6] - m[3] * m[8], m[0] * m[8] - m[2] * m[6], m[2] * m[3] - m[0] * m[5],
            m[3] * m[7] - m[4] * m[6], m[1] * m[6] - m[0] * m[7], m[0] * m[4] - m[1] * m[3],
        ]
        return adj.map { $0 / det }
    }

    /// Bilinear perspective warp: each canvas pixel centre mapped back through the inverse homography.
    public static func perspectiveWarp(_ source: RGBImage, homography: [Double], width: Int, height: Int,
                                       fill: (UInt8, UInt8, UInt8)) -> RGBImage {
        let h = inverse(homography)
        var out = RGBImage(width: width, height: height)
        for y in 0..<height {
            for x in 0..<width {
                let px = Double(x) + 0.5, py = Double(y) + 0.5
                let w = h[6] * px + h[7] * py + h[8]
                let u = (h[0] * px + h[1] * py + h[2]) / w - 0.5, v = (h[3] * px + h[4] * py + h[5]) / w - 0.5
                guard w > 0, u >= 0, v >= 0, u < Double(source.width - 1), v < Double(source.height - 1) else {
                    out[x, y] = fill
                    continue
                }
                let x0 = Int(u), y0 = Int(v), fx = u - Double(x0), fy = v - Double(y0)
                let a = source[x0, y0], b = source[x0 + 1, y0], c = source[x0, y0 + 1], d = source[x0 + 1, y0 + 1]
                func mix(_ pa: UInt8, _ pb: UInt8, _ pc: UInt8, _ pd: UInt8) -> UInt8 {
                    let top = Double(pa) * (1 - fx) + Double(pb) * fx, bottom = Double(pc) * (1 - fx) + Double(pd) * fx
                    return UInt8(min(255, max(0, (top * (1 - fy) + bottom * fy).rounded())))
                }
                out[x, y] = (mix(a.r, b.r, c.r, d.r), mix(a.g, b.g, c.g, d.g), mix(a.b, b.b, c.b, d.b))
            }
        }
        return out
    }
}

/// Deterministic pseudo-random numbers (xorshift64*), so the synthetic sets reproduce.
public struct SeededRandom {
    private var state: UInt64
    public init(seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 | 1 }

    public mutating func next() -> UInt64 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return state &* 2_685_821_657_736_338_717
    }

    /// Uniform in [0, 1).
    public mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}
