import Capture
import Testing
import Devices

@Suite("Signature time series (ISO/IEC 19794-7)")
struct SignatureTimeSeriesTests {
    @Test func recordLayout() {
        let signature = Signature(strokes: [[SignaturePoint(x: 100, y: 200, pressure: 1, milliseconds: 40),
                                             SignaturePoint(x: 110, y: 205, pressure: 0.5, milliseconds: 45)]],
                                  padWidth: 9600, padHeight: 6000, unitsPerMillimetre: 100)
        let record = SignatureTimeSeries.record(signature)
        #expect(Array(record.prefix(8)) == [0x53, 0x44, 0x49, 0x00, 0x20, 0x31, 0x30, 0x00])
        #expect(Array(record[8..<10]) == [0xC1, 0x60])  // X, Y, T, F, S
        // 100 units per mm = 2^6 × 1.5625: exponent 6 + 16 = 22, fraction 1152.
        #expect(Array(record[10..<13]) == [0x80, 0xB4, 0x80])
        // Three samples (two down, one lift), 9 bytes each, then the empty extended data.
        let body = 10 + 9 + 3
        #expect(Array(record[body..<(body + 3)]) == [0, 0, 3])
        #expect(Array(record[(body + 3)..<(body + 12)]) == [0x80, 100, 0x80, 200, 0, 0, 0xFF, 0xFF, 1])
        #expect(Array(record.suffix(11)) == [0x80, 110, 0x80, 205, 0, 5, 0, 0, 0, 0, 0])
        #expect(record.count == body + 3 + 3 * 9 + 2)
    }
}
