// The Wacom STU report formats, from Wacom's published STU SDK (Protocol.hpp / Protocol.cpp).
// Input and GET reports are big-endian; SET commands carrying 16-bit values are little-endian.

/// Report ids of the STU protocol (byte 0 of every report).
public enum WacomReportID {
    public static let penData: UInt8 = 0x01
    public static let status: UInt8 = 0x03
    public static let reset: UInt8 = 0x04
    public static let information: UInt8 = 0x08
    public static let capability: UInt8 = 0x09
    public static let clearScreen: UInt8 = 0x20
    public static let inkingMode: UInt8 = 0x21
    public static let startImageData: UInt8 = 0x25
    public static let imageDataBlock: UInt8 = 0x26
    public static let endImageData: UInt8 = 0x27
    public static let handwritingDisplayArea: UInt8 = 0x2A
    public static let handwritingThicknessColor24: UInt8 = 0x2D
    public static let penDataOptionMode: UInt8 = 0x32
    public static let penDataTimeCountSequence: UInt8 = 0x34
}

/// A report that cannot be what it claims to be. Pen reports with this error are dropped and counted;
/// query replies with it fail the query (and the pad falls back to its model table where it can).
public enum WacomReportError: Error, Equatable, Sendable, CustomStringConvertible {
    case empty
    case tooShort(reportID: UInt8, expected: Int, actual: Int)
    case unexpectedID(expected: UInt8, actual: UInt8)
    case unknownInputReport(UInt8)
    case outOfRange(field: String, value: Int, maximum: Int)
    case invalidCapability(String)

    public var description: String {
        func hex(_ id: UInt8) -> String { "0x" + String(id, radix: 16).leftPadded(to: 2) }
        switch self {
        case .empty: return "empty report"
        case let .tooShort(id, expected, actual): return "report \(hex(id)) has \(actual) bytes, needs \(expected)"
        case let .unexpectedID(expected, actual): return "expected report \(hex(expected)), got \(hex(actual))"
        case let .unknownInputReport(id): return "unknown input report \(hex(id))"
        case let .outOfRange(field, value, maximum): return "pen \(field) \(value) exceeds the pad's maximum \(maximum)"
        case let .invalidCapability(reason): return "capability report is not plausible: \(reason)"
        }
    }
}

extension Array where Element == UInt8 {
    /// Bytes `at` and `at + 1`, big-endian. Callers have checked the length.
    @inline(__always)
    func bigEndianUInt16(at index: Int) -> UInt16 { UInt16(self[index]) << 8 | UInt16(self[index + 1]) }

    /// Checks the id and the minimum length of a report before any field is read.
    func checkReport(_ id: UInt8, length: Int) throws(WacomReportError) {
        guard let first = self.first else { throw .empty }
        guard first == id else { throw .unexpectedID(expected: id, actual: first) }
        guard count >= length else { throw .tooShort(reportID: id, expected: length, actual: count) }
    }
}

/// The pad's operating state (Status report 0x03).
public struct WacomStatus: Equatable, Sendable {
    public enum State: Equatable, Sendable {
        case ready, image, capture, calculation, bootImage, romBusy, systemReset
        case other(UInt8)

        init(_ code: UInt8) {
            switch code {
            case 0: self = .ready
            case 1: self = .image
            case 2: self = .capture
            case 3: self = .calculation
            case 4: self = .bootImage
            case 5: self = .romBusy
            case 0xFF: self = .systemReset
            default: self = .other(code)
            }
        }
    }

    public static let reportLength = 5
    public var state: State
    /// The result of the last command: 0 none, 1 wrong report id, 2 wrong state, 4 bad parameter, 0x10+ graphics.
    public var lastResult: UInt8

    public init(state: State, lastResult: UInt8) {
        self.state = state
        self.lastResult = lastResult
    }

    public init(report: [UInt8]) throws(WacomReportError) {
        try report.checkReport(WacomReportID.status, length: 3)
        state = State(report[1])
        lastResult = report[2]
    }
}

/// The pad's model and firmware (Information report 0x08).
public struct WacomInformation: Equatable, Sendable {
    public static let reportLength = 17
    /// Such as "STU-430"; non-printable bytes are dropped.
    public var modelName: String
    public var firmwareMajor: UInt8
    public var firmwareMinor: UInt8

    public init(modelName: String, firmwareMajor: UInt8, firmwareMinor: UInt8) {
        self.modelName = modelName
        self.firmwareMajor = firmwareMajor
        self.firmwareMinor = firmwareMinor
    }

    public init(report: [UInt8]) throws(WacomReportError) {
        try report.checkReport(WacomReportID.information, length: 12)
        let name = report[1...9].prefix { $0 != 0 }.filter { (0x20...0x7E).contains($0) }
        modelName = String(decoding: name, as: UTF8.self).trimmingSpaces()
        firmwareMajor = report[10]
        firmwareMinor = report[11]
    }

    public var firmware: String { "\(firmwareMajor).\(String(firmwareMinor, radix: 16).leftPadded(to: 2))" }
}

extension String {
    func trimmingSpaces() -> String {
        var scalars = Substring(self)
        while scalars.first == " " { scalars.removeFirst() }
        while scalars.last == " " { scalars.removeLast() }
        return String(scalars)
    }
}

/// What the pad can do (Capability report 0x09): the pen's coordinate range, the screen, the report rate.
public struct WacomCapability: Equatable, Sendable {
    public static let reportLength = 17
    public var maxX: Int
    public var maxY: Int
    public var maxPressure: Int
    public var screenWidth: Int
    public var screenHeight: Int
    /// Pen reports per second (0 on STU-300/500, which do not report it).
    public var reportRate: Int
    /// Tablet units per inch (0 on STU-300/500).
    public var resolution: Int
    /// Bit 1: 1-bit images, bit 2: 16-bit, bit 3: 24-bit, bit 0: zlib.
    public var encodingFlag: UInt8

    public init(maxX: Int, maxY: Int, maxPressure: Int, screenWidth: Int, screenHeight: Int,
                reportRate: Int, resolution: Int, encodingFlag: UInt8) {
        self.maxX = maxX
        self.maxY = maxY
        self.maxPressure = maxPressure
        self.screenWidth = screenWidth
        self.screenHeight = screenHeight
        self.reportRate = reportRate
        self.resolution = resolution
        self.encodingFlag = encodingFlag
    }

    /// Parses and sanity-checks the report: a pad claiming a zero-sized surface or a screen larger than any
    /// STU model would make every later division or buffer size wrong.
    public init(report: [UInt8]) throws(WacomReportError) {
        try report.checkReport(WacomReportID.capability, length: 15)
        maxX = Int(report.bigEndianUInt16(at: 1))
        maxY = Int(report.bigEndianUInt16(at: 3))
        maxPressure = Int(report.bigEndianUInt16(at: 5))
        screenWidth = Int(report.bigEndianUInt16(at: 7))
        screenHeight = Int(report.bigEndianUInt16(at: 9))
        reportRate = Int(report[11])
        resolution = Int(report.bigEndianUInt16(at: 12))
        encodingFlag = report[14]
        guard maxX > 0, maxY > 0 else { throw .invalidCapability("pen range \(maxX)×\(maxY)") }
        guard maxPressure > 0, maxPressure <= 0x0FFF else { throw .invalidCapability("maximum pressure \(maxPressure)") }
        guard (1...2048).contains(screenWidth), (1...2048).contains(screenHeight) else {
            throw .invalidCapability("screen \(screenWidth)×\(screenHeight)")
        }
    }

    /// The size of a 1-bit screen image in bytes (rows padded to whole bytes).
    public var monochromeImageByteCount: Int { (screenWidth + 7) / 8 * screenHeight }
}

/// One pen report (0x01, or 0x34 with the pad's own clock and a sequence number), in tablet units.
public struct WacomPenReport: Equatable, Sendable {
    public static let penDataLength = 7
    public static let timeCountSequenceLength = 11

    /// The pen is in proximity (hovering or touching).
    public var inProximity: Bool
    /// The switch state: non-zero when the tip touches the surface.
    public var switchState: UInt8
    public var pressure: Int
    public var x: Int
    public var y: Int
    /// The pad's millisecond counter (0x34 only); wraps at 0xFFFF.
    public var timeCount: UInt16?
    /// The report's sequence number (0x34 only); wraps at 0xFFFF.
    public var sequence: UInt16?

    public var isTouching: Bool { switchState != 0 }

    public init(inProximity: Bool, switchState: UInt8, pressure: Int, x: Int, y: Int,
                timeCount: UInt16? = nil, sequence: UInt16? = nil) {
        self.inProximity = inProximity
        self.switchState = switchState
        self.pressure = pressure
        self.x = x
        self.y = y
        self.timeCount = timeCount
        self.sequence = sequence
    }

    /// Parses an input report; throws for anything that is not a complete pen report.
    public init(report: [UInt8]) throws(WacomReportError) {
        guard let id = report.first else { throw .empty }
        switch id {
        case WacomReportID.penData:
            try report.checkReport(id, length: Self.penDataLength)
        case WacomReportID.penDataTimeCountSequence:
            try report.checkReport(id, length: Self.timeCountSequenceLength)
        default:
            throw .unknownInputReport(id)
        }
        inProximity = report[1] & 0x80 != 0
        switchState = (report[1] >> 4) & 0x07
        pressure = Int(report[1] & 0x0F) << 8 | Int(report[2])
        x = Int(report.bigEndianUInt16(at: 3))
        y = Int(report.bigEndianUInt16(at: 5))
        if id == WacomReportID.penDataTimeCountSequence {
            timeCount = report.bigEndianUInt16(at: 7)
            sequence = report.bigEndianUInt16(at: 9)
        }
    }

    /// The report's bytes, as the pad sends them: for the device simulator and the tests.
    public var bytes: [UInt8] {
        var bytes: [UInt8] = [timeCount == nil ? WacomReportID.penData : WacomReportID.penDataTimeCountSequence]
        bytes.append((inProximity ? 0x80 : 0) | (switchState & 0x07) << 4 | UInt8(truncatingIfNeeded: pressure >> 8) & 0x0F)
        bytes.append(UInt8(truncatingIfNeeded: pressure))
        for value in [x, y] { bytes += [UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)] }
        if let timeCount, let sequence {
            for value in [timeCount, sequence] { bytes += [UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)] }
        }
        return bytes
    }
}
