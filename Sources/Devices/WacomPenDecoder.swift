/// A pen position in tablet units with a monotonic time, decoded from one input report.
public struct WacomPenEvent: Equatable, Sendable {
    public var x: Int
    public var y: Int
    public var pressure: Int
    public var isTouching: Bool
    public var inProximity: Bool
    /// Milliseconds since the first decoded report: from the pad's own clock (0x34, wrap undone) or from
    /// the host's clock when the pad sends plain 0x01 reports.
    public var milliseconds: Int

    public init(x: Int, y: Int, pressure: Int, isTouching: Bool, inProximity: Bool, milliseconds: Int) {
        self.x = x
        self.y = y
        self.pressure = pressure
        self.isTouching = isTouching
        self.inProximity = inProximity
        self.milliseconds = milliseconds
    }
}

/// Counts of input reports that were not used, by reason. Nothing bad on the wire crashes or stops a capture;
/// it is dropped and counted here, so the technician's log shows a flaky cable.
public struct WacomDroppedReports: Equatable, Sendable, CustomStringConvertible {
    public var empty = 0
    public var tooShort = 0
    public var unknownID = 0
    public var outOfRange = 0
    /// Reports the pad numbered but that never arrived (gaps in the 0x34 sequence numbers).
    public var missingBySequence = 0

    public init() {}

    public var total: Int { empty + tooShort + unknownID + outOfRange }

    public var description: String {
        "dropped \(total) (empty \(empty), short \(tooShort), unknown id \(unknownID), out of range \(outOfRange)), "
            + "\(missingBySequence) missing by sequence number"
    }
}

/// Turns the pad's input reports into `WacomPenEvent`s: validates them against the pad's capability, undoes
/// the 16-bit wrap of the pad's clock and counts what it drops.
public struct WacomPenDecoder: Sendable {
    public let capability: WacomCapability
    public private(set) var dropped = WacomDroppedReports()
    public private(set) var decodedCount = 0

    private var lastTimeCount: UInt16?
    private var lastSequence: UInt16?
    private var padMilliseconds = 0
    private var firstHostMilliseconds: Int?

    public init(capability: WacomCapability) {
        self.capability = capability
    }

    /// Decodes one input report; nil (and counted) if it is malformed or out of range.
    /// `hostMilliseconds` is the host's monotonic clock when the report arrived.
    public mutating func decode(_ report: [UInt8], hostMilliseconds: Int) -> WacomPenEvent? {
        let pen: WacomPenReport
        do {
            pen = try WacomPenReport(report: report)
        } catch {
            switch error {
            case .empty: dropped.empty += 1
            case .unknownInputReport: dropped.unknownID += 1
            default: dropped.tooShort += 1
            }
            return nil
        }
        guard pen.x <= capability.maxX, pen.y <= capability.maxY, pen.pressure <= capability.maxPressure else {
            dropped.outOfRange += 1
            return nil
        }
        let first = firstHostMilliseconds ?? hostMilliseconds
        firstHostMilliseconds = first
        let milliseconds: Int
        if let timeCount = pen.timeCount, let sequence = pen.sequence {
            // Unsigned 16-bit differences undo the wrap at 0xFFFF (reports come every 5 ms, far below 65 s).
            if let lastTimeCount { padMilliseconds += Int(timeCount &- lastTimeCount) }
            if let lastSequence {
                let step = Int(sequence &- lastSequence)
                // A step of 0 or a huge one (a restart) is not a gap we can count.
                if step > 1 && step < 0x8000 { dropped.missingBySequence += step - 1 }
            }
            lastTimeCount = timeCount
            lastSequence = sequence
            milliseconds = padMilliseconds
        } else {
            milliseconds = max(0, hostMilliseconds - first)
        }
        decodedCount += 1
        return WacomPenEvent(x: pen.x, y: pen.y, pressure: pen.pressure, isTouching: pen.isTouching,
                             inProximity: pen.inProximity, milliseconds: milliseconds)
    }
}
