import Testing
import Devices

@Suite("Wacom reports")
struct WacomReportTests {
    static let capabilityBytes: [UInt8] = [0x09, 0x25, 0x80, 0x17, 0x70, 0x03, 0xFF, 0x01, 0x40, 0x00, 0xC8,
                                           200, 0x09, 0xEC, 0x02, 0x00, 0x00]

    @Test func capabilityParsesBigEndianFields() throws {
        let capability = try WacomCapability(report: Self.capabilityBytes)
        #expect(capability == WacomCapability(maxX: 9600, maxY: 6000, maxPressure: 1023, screenWidth: 320,
                                              screenHeight: 200, reportRate: 200, resolution: 2540, encodingFlag: 0x02))
        #expect(capability.monochromeImageByteCount == 40 * 200)
    }

    @Test func capabilityRefusesShortWrongAndImplausibleReports() {
        #expect(throws: WacomReportError.empty) { try WacomCapability(report: []) }
        #expect(throws: WacomReportError.tooShort(reportID: 0x09, expected: 15, actual: 10)) {
            try WacomCapability(report: Array(Self.capabilityBytes.prefix(10)))
        }
        #expect(throws: WacomReportError.unexpectedID(expected: 0x09, actual: 0x08)) {
            try WacomCapability(report: [0x08] + Self.capabilityBytes.dropFirst())
        }
        var zeroScreen = Self.capabilityBytes
        zeroScreen[7] = 0; zeroScreen[8] = 0
        #expect(throws: WacomReportError.invalidCapability("screen 0×200")) { try WacomCapability(report: zeroScreen) }
        var noPressure = Self.capabilityBytes
        noPressure[5] = 0; noPressure[6] = 0
        #expect(throws: WacomReportError.invalidCapability("maximum pressure 0")) { try WacomCapability(report: noPressure) }
    }

    @Test func informationReadsNameAndFirmware() throws {
        let report: [UInt8] = [0x08] + Array("STU-430".utf8) + [0, 0] + [0x01, 0x05] + [0, 0, 0, 0, 0]
        let information = try WacomInformation(report: report)
        #expect(information.modelName == "STU-430")
        #expect(information.firmware == "1.05")
        #expect(throws: WacomReportError.tooShort(reportID: 0x08, expected: 12, actual: 5)) {
            try WacomInformation(report: Array(report.prefix(5)))
        }
    }

    @Test func informationDropsNonPrintableBytes() throws {
        let report: [UInt8] = [0x08, 0x20, 0x53, 0x07, 0x54, 0xFF, 0x55, 0x20, 0x00, 0x41, 0x02, 0x10]
        #expect(try WacomInformation(report: report).modelName == "STU")
    }

    @Test func statusStates() throws {
        #expect(try WacomStatus(report: [0x03, 0x00, 0x00, 0, 0]) == WacomStatus(state: .ready, lastResult: 0))
        #expect(try WacomStatus(report: [0x03, 0x01, 0x02]).state == .image)
        #expect(try WacomStatus(report: [0x03, 0x05, 0x00]).state == .romBusy)
        #expect(try WacomStatus(report: [0x03, 0x42, 0x00]).state == .other(0x42))
        #expect(throws: WacomReportError.tooShort(reportID: 0x03, expected: 3, actual: 2)) { try WacomStatus(report: [0x03, 0x00]) }
    }

    @Test func penReportBitsAndBigEndianCoordinates() throws {
        // rdy, sw = 1, pressure 0x3FF, x 0x1234, y 0x0567
        let pen = try WacomPenReport(report: [0x01, 0x93, 0xFF, 0x12, 0x34, 0x05, 0x67])
        #expect(pen.inProximity && pen.isTouching)
        #expect(pen.pressure == 0x3FF && pen.x == 0x1234 && pen.y == 0x0567)
        #expect(pen.timeCount == nil && pen.sequence == nil)
        let hovering = try WacomPenReport(report: [0x01, 0x80, 0x00, 0, 10, 0, 20, 0xAA])
        #expect(hovering.inProximity && !hovering.isTouching)
    }

    @Test func penReportWithTimeCountAndSequence() throws {
        let pen = try WacomPenReport(report: [0x34, 0x90, 0x10, 0x00, 0x64, 0x00, 0xC8, 0xFF, 0xFE, 0x00, 0x07])
        #expect(pen.timeCount == 0xFFFE && pen.sequence == 7 && pen.pressure == 0x10)
        #expect(try WacomPenReport(report: pen.bytes) == pen)
    }

    @Test func penReportRefusesWhatIsNotAPenReport() {
        #expect(throws: WacomReportError.empty) { try WacomPenReport(report: []) }
        #expect(throws: WacomReportError.unknownInputReport(0x42)) { try WacomPenReport(report: [0x42, 0, 0, 0, 0, 0, 0]) }
        #expect(throws: WacomReportError.tooShort(reportID: 0x01, expected: 7, actual: 6)) {
            try WacomPenReport(report: [0x01, 0x80, 0, 0, 0, 0])
        }
        #expect(throws: WacomReportError.tooShort(reportID: 0x34, expected: 11, actual: 7)) {
            try WacomPenReport(report: [0x34, 0x80, 0, 0, 0, 0, 0])
        }
    }

    @Test func commandsAreLittleEndian() {
        #expect(WacomCommand.handwritingDisplayArea(WacomScreenRect(left: 5, top: 20, right: 314, bottom: 0x0102))
                == [0x2A, 5, 0, 20, 0, 0x3A, 0x01, 0x02, 0x01])
        #expect(WacomCommand.clearScreen() == [0x20, 0x00])
        #expect(WacomCommand.inking(true) == [0x21, 0x01])
        #expect(WacomCommand.penDataOptionMode(3) == [0x32, 0x03])
        let block = WacomCommand.imageDataBlock([1, 2, 3][...])
        #expect(block.count == 256 && Array(block.prefix(6)) == [0x26, 3, 0, 1, 2, 3])
    }

    @Test func modelTableKnowsTheSTUProducts() {
        #expect(WacomModel.forProduct(0x00A4)?.name == "STU-430")
        #expect(WacomModel.forProduct(0x00A4)?.fallbackCapability == .stu430)
        #expect(WacomModel.forProduct(0x0001) == nil)
        #expect(WacomModel.all.count == 8)
    }
}

@Suite("Wacom pen decoder")
struct WacomPenDecoderTests {
    static func report(x: Int, y: Int, pressure: Int = 500, touching: Bool = true, time: UInt16? = nil, sequence: UInt16? = nil) -> [UInt8] {
        WacomPenReport(inProximity: true, switchState: touching ? 1 : 0, pressure: pressure, x: x, y: y,
                       timeCount: time, sequence: sequence).bytes
    }

    @Test func timeCountWrapIsUndone() {
        var decoder = WacomPenDecoder(capability: .stu430)
        let times: [UInt16] = [0xFFF0, 0xFFFA, 0x0004, 0x000E]
        let decoded = times.enumerated().compactMap { index, time in
            decoder.decode(Self.report(x: 100, y: 100, time: time, sequence: UInt16(index)), hostMilliseconds: 0)
        }
        #expect(decoded.map(\.milliseconds) == [0, 10, 20, 30])
        #expect(decoder.dropped.missingBySequence == 0)
    }

    @Test func sequenceGapsAreCountedAcrossTheWrap() {
        var decoder = WacomPenDecoder(capability: .stu430)
        for (time, sequence) in [(UInt16(0), UInt16(0xFFFE)), (5, 0xFFFF), (20, 2)] {
            _ = decoder.decode(Self.report(x: 1, y: 1, time: time, sequence: sequence), hostMilliseconds: 0)
        }
        #expect(decoder.dropped.missingBySequence == 2)
        #expect(decoder.decodedCount == 3)
    }

    @Test func hostClockWhenThePadSendsPlainReports() {
        var decoder = WacomPenDecoder(capability: .stu430)
        #expect(decoder.decode(Self.report(x: 1, y: 1), hostMilliseconds: 1000)?.milliseconds == 0)
        #expect(decoder.decode(Self.report(x: 1, y: 1), hostMilliseconds: 1012)?.milliseconds == 12)
    }

    @Test func outOfRangeAndMalformedReportsAreDroppedAndCounted() {
        var decoder = WacomPenDecoder(capability: .stu430)
        #expect(decoder.decode(Self.report(x: 9601, y: 0), hostMilliseconds: 0) == nil)
        #expect(decoder.decode(Self.report(x: 0, y: 6001), hostMilliseconds: 0) == nil)
        #expect(decoder.decode(Self.report(x: 0, y: 0, pressure: 1024), hostMilliseconds: 0) == nil)
        #expect(decoder.decode([], hostMilliseconds: 0) == nil)
        #expect(decoder.decode([0x01, 0x80], hostMilliseconds: 0) == nil)
        #expect(decoder.decode([0x7E, 0, 0, 0, 0, 0, 0], hostMilliseconds: 0) == nil)
        #expect(decoder.dropped.outOfRange == 3 && decoder.dropped.empty == 1)
        #expect(decoder.dropped.tooShort == 1 && decoder.dropped.unknownID == 1)
        #expect(decoder.dropped.total == 6 && decoder.decodedCount == 0)
        #expect(decoder.decode(Self.report(x: 9600, y: 6000, pressure: 1023), hostMilliseconds: 0) != nil)
    }
}

/// Random and truncated bytes through every parser: each must return or throw, never trap.
@Suite("Wacom report fuzzing")
struct WacomReportFuzzTests {
    @Test func randomAndTruncatedReportsNeverCrash() throws {
        var random = FuzzBytes(seed: 0x57AC0)
        var decoder = WacomPenDecoder(capability: .stu430)
        let valid: [[UInt8]] = [WacomReportTests.capabilityBytes, [0x03, 0, 0, 0, 0],
                                [0x08] + Array("STU-430".utf8) + [0, 0, 1, 5, 0, 0, 0, 0, 0],
                                WacomPenDecoderTests.report(x: 5, y: 5, time: 1, sequence: 1)]
        var parsed = 0
        for round in 0..<20_000 {
            var bytes: [UInt8]
            if round % 2 == 0 {
                bytes = random.bytes(Int(random.next() % 24))
                // Give known ids a fair chance, or nearly everything would be "unknown id".
                if !bytes.isEmpty { bytes[0] = [0x01, 0x03, 0x08, 0x09, 0x34, bytes[0]][Int(random.next() % 6)] }
            } else {
                bytes = Array(valid[round / 2 % valid.count].prefix(Int(random.next() % 18)))
                if !bytes.isEmpty { bytes[Int(random.next()) % bytes.count] ^= random.next() }
            }
            if (try? WacomCapability(report: bytes)) != nil { parsed += 1 }
            if (try? WacomInformation(report: bytes)) != nil { parsed += 1 }
            if (try? WacomStatus(report: bytes)) != nil { parsed += 1 }
            if let pen = try? WacomPenReport(report: bytes) { parsed += 1; _ = pen.bytes }
            _ = decoder.decode(bytes, hostMilliseconds: round)
        }
        #expect(parsed > 1000)
        #expect(decoder.decodedCount + decoder.dropped.total == 20_000)
    }
}

/// Deterministic pseudo-random bytes (xorshift64*), so failures reproduce.
struct FuzzBytes {
    private var state: UInt64
    init(seed: UInt64) { state = seed | 1 }
    mutating func next() -> UInt8 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return UInt8(truncatingIfNeeded: (state &* 2_685_821_657_736_338_717) >> 56)
    }
    mutating func bytes(_ count: Int) -> [UInt8] { (0..<count).map { _ in next() } }
}
