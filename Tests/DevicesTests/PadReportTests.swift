import Configuration
import Devices
import Testing

/// What `fotoboxctl pad capture` prints.
@Suite struct PadReportTests {
    @Test func captureLinesNameEveryFileWritten() {
        let plain = SignatureCaptureReport(output: "sig.jpg", document: .idCard, bytes: 1234, iso: nil, isoBytes: nil,
                                           notes: ["Simulated STU-540: 3 strokes"])
        #expect(plain.summaryLines == ["Simulated STU-540: 3 strokes", "wrote sig.jpg (900×132 JPEG, 1234 bytes)"])
        let withISO = SignatureCaptureReport(output: "sig.jpg", document: .passport, bytes: 99, iso: "sig.bin", isoBytes: 512, notes: [])
        #expect(withISO.summaryLines == ["wrote sig.jpg (630×188 JPEG, 99 bytes)",
                                         "wrote sig.bin (ISO/IEC 19794-7 time series, 512 bytes)"])
    }
}
