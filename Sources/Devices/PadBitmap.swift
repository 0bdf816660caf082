/// A 1-bit image for the pad's LCD: `true` is ink (black), `false` background (white).
/// Small (320×200 on an STU-430), so one `Bool` per pixel keeps drawing simple; `packed()` makes the
/// pad's wire format.
public struct PadBitmap: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public private(set) var ink: [Bool]

    /// A white bitmap.
    public init(width: Int, height: Int) {
        self.width = max(width, 0)
        self.height = max(height, 0)
        ink = [Bool](repeating: false, count: self.width * self.height)
    }

    public subscript(x: Int, y: Int) -> Bool {
        get { x >= 0 && y >= 0 && x < width && y < height ? ink[y * width + x] : false }
        set { if x >= 0 && y >= 0 && x < width && y < height { ink[y * width + x] = newValue } }
    }

    /// Fills `rect` (corners inclusive, clipped to the bitmap) with ink or background.
    public mutating func fill(_ rect: WacomScreenRect, ink value: Bool = true) {
        let x0 = max(rect.left, 0), x1 = min(rect.right, width - 1)
        let y0 = max(rect.top, 0), y1 = min(rect.bottom, height - 1)
        guard x0 <= x1, y0 <= y1 else { return }
        for y in y0...y1 {
            for x in x0...x1 { ink[y * width + x] = value }
        }
    }

    /// A frame `thickness` pixels wide just inside `rect`.
    public mutating func frame(_ rect: WacomScreenRect, thickness: Int = 1) {
        let t = max(thickness, 1) - 1
        fill(WacomScreenRect(left: rect.left, top: rect.top, right: rect.right, bottom: rect.top + t))
        fill(WacomScreenRect(left: rect.left, top: rect.bottom - t, right: rect.right, bottom: rect.bottom))
        fill(WacomScreenRect(left: rect.left, top: rect.top, right: rect.left + t, bottom: rect.bottom))
        fill(WacomScreenRect(left: rect.right - t, top: rect.top, right: rect.right, bottom: rect.bottom))
    }

    /// Draws `text` with its top-left corner at (x, y), each font pixel `scale`×`scale` screen pixels.
    public mutating func draw(_ text: String, x: Int, y: Int, scale: Int) {
        var penX = x
        for character in text {
            if let rows = PadFont.glyphs[character] {
                for (row, bits) in rows.enumerated() {
                    for column in 0..<PadFont.glyphWidth where bits & (0x10 >> column) != 0 {
                        let left = penX + column * scale, top = y + row * scale
                        fill(WacomScreenRect(left: left, top: top, right: left + scale - 1, bottom: top + scale - 1))
                    }
                }
            }
            penX += PadFont.advance * scale
        }
    }

    /// The pad's 1-bit format: rows top to bottom, padded to whole bytes, most significant bit leftmost,
    /// a set bit is a white pixel (Wacom STU SDK, 1-bit mode).
    public func packed() -> [UInt8] {
        let rowBytes = (width + 7) / 8
        var bytes = [UInt8](repeating: 0, count: rowBytes * height)
        for y in 0..<height {
            for x in 0..<width where !ink[y * width + x] {
                bytes[y * rowBytes + x / 8] |= 0x80 >> UInt8(x % 8)
            }
        }
        return bytes
    }

    /// The inverse of `packed()`, for the device simulator and the tests; nil when the size does not match.
    public init?(packed bytes: [UInt8], width: Int, height: Int) {
        let rowBytes = (width + 7) / 8
        guard width > 0, height > 0, bytes.count == rowBytes * height else { return nil }
        self.init(width: width, height: height)
        for y in 0..<height {
            for x in 0..<width { ink[y * width + x] = bytes[y * rowBytes + x / 8] & (0x80 >> UInt8(x % 8)) == 0 }
        }
    }
}

/// A 5×7 pixel font holding only the characters the pad's prompt uses; others draw as blank space.
/// Each glyph is seven rows, bit 4 the leftmost column.
public enum PadFont {
    public static let glyphWidth = 5
    public static let glyphHeight = 7
    /// Glyph width plus one column of spacing.
    public static let advance = 6

    /// The width in font pixels of `text` (without the trailing spacing column).
    public static func width(of text: String) -> Int { max(text.count * advance - 1, 0) }

    static let glyphs: [Character: [UInt8]] = [
        "B": [0b11110, 0b10001, 0b10001, 0b11110, 0b10001, 0b10001, 0b11110],
        "K": [0b10001, 0b10010, 0b10100, 0b11000, 0b10100, 0b10010, 0b10001],
        "N": [0b10001, 0b11001, 0b10101, 0b10011, 0b10001, 0b10001, 0b10001],
        "O": [0b01110, 0b10001, 0b10001, 0b10001, 0b10001, 0b10001, 0b01110],
        "X": [0b10001, 0b10001, 0b01010, 0b00100, 0b01010, 0b10001, 0b10001],
        "a": [0b00000, 0b00000, 0b01110, 0b00001, 0b01111, 0b10001, 0b01111],
        "b": [0b10000, 0b10000, 0b10110, 0b11001, 0b10001, 0b10001, 0b11110],
        "c": [0b00000, 0b00000, 0b01110, 0b10000, 0b10000, 0b10001, 0b01110],
        "e": [0b00000, 0b00000, 0b01110, 0b10001, 0b11111, 0b10000, 0b01110],
        "h": [0b10000, 0b10000, 0b10110, 0b11001, 0b10001, 0b10001, 0b10001],
        "i": [0b00100, 0b00000, 0b01100, 0b00100, 0b00100, 0b00100, 0b01110],
        "l": [0b01100, 0b00100, 0b00100, 0b00100, 0b00100, 0b00100, 0b01110],
        "m": [0b00000, 0b00000, 0b11010, 0b10101, 0b10101, 0b10001, 0b10001],
        "n": [0b00000, 0b00000, 0b10110, 0b11001, 0b10001, 0b10001, 0b10001],
        "o": [0b00000, 0b00000, 0b01110, 0b10001, 0b10001, 0b10001, 0b01110],
        "r": [0b00000, 0b00000, 0b10110, 0b11001, 0b10000, 0b10000, 0b10000],
        "s": [0b00000, 0b00000, 0b01111, 0b10000, 0b01110, 0b00001, 0b11110],
        "t": [0b01000, 0b01000, 0b11100, 0b01000, 0b01000, 0b01001, 0b00110],
        "u": [0b00000, 0b00000, 0b10001, 0b10001, 0b10001, 0b10011, 0b01101],
    ]
}
