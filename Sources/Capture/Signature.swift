/// One sample of the pen on the pad while it touched.
public struct SignaturePoint: Equatable, Sendable {
    /// Position in pad units (x right, y down).
    public var x: Double
    public var y: Double
    /// Pen pressure, 0…1 of the pad's maximum.
    public var pressure: Double
    /// Milliseconds since the first sample of the signature.
    public var milliseconds: Int

    public init(x: Double, y: Double, pressure: Double, milliseconds: Int) {
        self.x = x
        self.y = y
        self.pressure = pressure
        self.milliseconds = milliseconds
    }
}

/// A captured signature: the strokes (pen down to pen up) in pad units. Biometric data: it stays in memory,
/// goes into the encrypted outbox only, never into logs (its `description` says how much, not what).
public struct Signature: Equatable, Sendable, CustomStringConvertible {
    public var strokes: [[SignaturePoint]]
    /// The pad's coordinate range: x in 0…padWidth, y in 0…padHeight.
    public var padWidth: Double
    public var padHeight: Double
    /// Pad units per millimetre, when the pad reported its resolution.
    public var unitsPerMillimetre: Double?

    public init(strokes: [[SignaturePoint]], padWidth: Double, padHeight: Double, unitsPerMillimetre: Double?) {
        self.strokes = strokes.filter { !$0.isEmpty }
        self.padWidth = padWidth
        self.padHeight = padHeight
        self.unitsPerMillimetre = unitsPerMillimetre
    }

    public var pointCount: Int { strokes.reduce(0) { $0 + $1.count } }

    /// The bounding box of all points, nil when there are none.
    public var bounds: (minX: Double, minY: Double, maxX: Double, maxY: Double)? {
        guard let first = strokes.first?.first else { return nil }
        var box = (minX: first.x, minY: first.y, maxX: first.x, maxY: first.y)
        for stroke in strokes {
            for point in stroke {
                box.minX = min(box.minX, point.x)
                box.maxX = max(box.maxX, point.x)
                box.minY = min(box.minY, point.y)
                box.maxY = max(box.maxY, point.y)
            }
        }
        return box
    }

    /// Milliseconds from the first to the last sample.
    public var durationMilliseconds: Int {
        guard let first = strokes.first?.first, let last = strokes.last?.last else { return 0 }
        return last.milliseconds - first.milliseconds
    }

    public var description: String {
        "signature: \(strokes.count) strokes, \(pointCount) points, \(durationMilliseconds) ms"
    }
}
