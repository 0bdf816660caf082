import Capture
import Configuration
import Imaging

/// Why a signature gives no image.
public enum SignatureImageError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The pad recorded no ink at all.
    case empty
    /// The ink covers less than the minimum (sizes in millimetres on the pad).
    case tooSmall(width: Double, height: Double, minimum: Double)
    case encoding(JPEGError)

    public var description: String {
        switch self {
        case .empty: return "no signature: the pad recorded no ink"
        case let .tooSmall(width, height, minimum):
            return "signature too small: \(Int(width.rounded())) × \(Int(height.rounded())) mm, sign across at least \(Int(minimum)) mm"
        case .encoding(let error): return "signature image: \(error)"
        }
    }
}

/// Draws a signature as the document maker wants it: black ink on white, anti-aliased, the line width
/// following the pen pressure, cropped to the ink and scaled to fit the document's image size with its
/// aspect ratio kept, centred.
public struct SignatureRenderer: Sendable {
    /// A signature whose ink spans less than this (in both directions) is refused as a scribble.
    public var minimumExtentMillimetres = 10.0
    /// Fewer samples than this are a tap, not a signature.
    public var minimumPoints = 10
    /// Pad units per millimetre when the pad did not say (the STU-430's 2540 per inch).
    public var assumedUnitsPerMillimetre = 100.0
    /// Line width in output pixels at zero and at full pressure, per 100 pixels of image height.
    public var widthAtNoPressure = 1.0
    public var widthAtFullPressure = 2.8
    /// Empty border, per 100 pixels of image height.
    public var margin = 4.0

    public init() {}

    /// Refuses an empty or tiny signature with the reason.
    public func validate(_ signature: Signature) throws(SignatureImageError) {
        guard signature.pointCount > 0, let box = signature.bounds else { throw .empty }
        let perMillimetre = signature.unitsPerMillimetre ?? assumedUnitsPerMillimetre
        let width = (box.maxX - box.minX) / perMillimetre, height = (box.maxY - box.minY) / perMillimetre
        if max(width, height) < minimumExtentMillimetres || signature.pointCount < minimumPoints {
            throw .tooSmall(width: width, height: height, minimum: minimumExtentMillimetres)
        }
    }

    /// The signature as a `width`×`height` grey image (white background).
    public func render(_ signature: Signature, width: Int, height: Int) throws(SignatureImageError) -> GrayImage {
        try validate(signature)
        guard let box = signature.bounds, width > 0, height > 0 else { throw .empty }
        let unit = Double(height) / 100
        let minimumRadius = widthAtNoPressure * unit / 2, maximumRadius = widthAtFullPressure * unit / 2
        // Fit the ink box into the image minus the margin and the widest line's half width.
        let inset = margin * unit + maximumRadius
        let availableWidth = Double(width) - 2 * inset, availableHeight = Double(height) - 2 * inset
        let inkWidth = box.maxX - box.minX, inkHeight = box.maxY - box.minY
        let scale = min(inkWidth > 0 ? availableWidth / inkWidth : .infinity, inkHeight > 0 ? availableHeight / inkHeight : .infinity)
        let offsetX = (Double(width) - inkWidth * scale) / 2 - box.minX * scale
        let offsetY = (Double(height) - inkHeight * scale) / 2 - box.minY * scale

        var coverage = [Float](repeating: 0, count: width * height)
        coverage.withUnsafeMutableBufferPointer { buffer in
            let canvas = InkCanvas(coverage: buffer, width: width, height: height)
            for stroke in signature.strokes {
                func place(_ point: SignaturePoint) -> InkCanvas.Point {
                    InkCanvas.Point(x: point.x * scale + offsetX, y: point.y * scale + offsetY,
                                    radius: minimumRadius + (maximumRadius - minimumRadius) * min(max(point.pressure, 0), 1))
                }
                var previous = place(stroke[0])
                canvas.segment(previous, previous)
                for point in stroke.dropFirst() {
                    let next = place(point)
                    canvas.segment(previous, next)
                    previous = next
                }
            }
        }
        var image = GrayImage(width: width, height: height)
        for i in 0..<coverage.count { image.pixels[i] = UInt8(255 - (coverage[i] * 255).rounded()) }
        return image
    }

    public func render(_ signature: Signature, for document: SignatureDocument) throws(SignatureImageError) -> GrayImage {
        try render(signature, width: document.width, height: document.height)
    }

    /// The signature image as a JPEG for `document` (through Imaging's one JPEG writer).
    public func jpeg(_ signature: Signature, for document: SignatureDocument, quality: Int = 90) throws(SignatureImageError) -> [UInt8] {
        let image = try render(signature, for: document)
        do { return try JPEG.encode(image, options: JPEGEncodeOptions(quality: quality)) } catch { throw .encoding(error) }
    }
}

/// Coverage accumulation for round-capped line segments of varying radius: each pixel takes the largest
/// coverage of any segment, so overlapping segments of a stroke do not darken their joints.
struct InkCanvas {
    struct Point { var x, y, radius: Double }

    let coverage: UnsafeMutableBufferPointer<Float>
    let width: Int
    let height: Int

    /// A capsule from `a` to `b`, the radius interpolated along it; anti-aliased over one pixel.
    func segment(_ a: Point, _ b: Point) {
        let reach = max(a.radius, b.radius) + 1
        let left = max(Int((min(a.x, b.x) - reach).rounded(.down)), 0)
        let right = min(Int((max(a.x, b.x) + reach).rounded(.up)), width - 1)
        let top = max(Int((min(a.y, b.y) - reach).rounded(.down)), 0)
        let bottom = min(Int((max(a.y, b.y) + reach).rounded(.up)), height - 1)
        guard left <= right, top <= bottom else { return }
        let dx = b.x - a.x, dy = b.y - a.y
        let lengthSquared = dx * dx + dy * dy
        for y in top...bottom {
            let py = Double(y) + 0.5
            let row = y &* width
            for x in left...right {
                let px = Double(x) + 0.5
                // The nearest point of the segment, and the radius there.
                var t = lengthSquared > 0 ? ((px - a.x) * dx + (py - a.y) * dy) / lengthSquared : 0
                t = min(max(t, 0), 1)
                let ex = px - (a.x + t * dx), ey = py - (a.y + t * dy)
                let distance = (ex * ex + ey * ey).squareRoot()
                let radius = a.radius + t * (b.radius - a.radius)
                let value = Float(min(max(radius + 0.5 - distance, 0), 1))
                if value > coverage[row &+ x] { coverage[row &+ x] = value }
            }
        }
    }
}
