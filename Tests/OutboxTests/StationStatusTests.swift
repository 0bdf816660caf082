import Configuration
import Foundation
import Submission
import Testing

/// `GET /api/v1/status` read by a `fotoboxctl` of another version: the step and the faults are typed, and a name
/// only a newer fotoboxd knows is kept and shown by its name, never a decoding error (issue 18).
@Suite("Station status across versions")
struct StationStatusTests {
    static let health = StationHealthReport(stationId: "station-7", softwareVersion: "fotoboxd 0.2", sentAt: "2026-01-01T00:00:00Z",
                                            camera: .init(up: true, detail: "replay"), pad: .init(up: true, detail: "STU-540"),
                                            diskFreeBytes: 1, queueDepth: 0, oldestQueuedSeconds: 0, lastError: nil, submissionsQueued: 0)

    static func json(step: String, faults: [String]) throws -> Data {
        var object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(
            StationStatus(step: .welcome, visitActive: true, camera: "ok", frames: 7, faults: [], health: health))) as! [String: Any]
        object["step"] = step
        object["faults"] = faults
        return try JSONSerialization.data(withJSONObject: object)
    }

    @Test func theWireIsThePlainStepName() throws {
        let status = StationStatus(step: .caseNumber, visitActive: true, camera: "ok", frames: 3, faults: [.pad], health: Self.health)
        let text = String(decoding: try JSONEncoder().encode(status), as: UTF8.self)
        #expect(text.contains(#""step":"case-number""#) && text.contains(#""faults":["pad"]"#), "\(text)")
        let read = try JSONDecoder().decode(StationStatus.self, from: Data(text.utf8))
        #expect(read == status && read.step.known == .caseNumber && read.faults == [.known(.pad)])
    }

    @Test func everyStepReadsBackAsItself() throws {
        for step in VisitStep.allCases {
            let read = try JSONDecoder().decode(StationStatus.self, from: Self.json(step: step.rawValue, faults: []))
            #expect(read.step == .known(step) && read.step.label == step.rawValue)
        }
    }

    @Test func aNewerStepAndFaultAreShownByName() throws {
        let read = try JSONDecoder().decode(StationStatus.self, from: Self.json(step: "payment", faults: ["printer", "camera"]))
        #expect(read.step == .unknown("payment") && read.step.known == nil && read.step.label == "payment")
        #expect(read.faults == [.unknown("printer"), .known(.camera)])
        #expect(read.faults.map(\.label) == ["printer", "camera"])
        // Sent on as it came (a status forwarded by `--json` keeps the newer name).
        let again = String(decoding: try JSONEncoder().encode(read), as: UTF8.self)
        #expect(again.contains(#""step":"payment""#) && again.contains(#""faults":["printer","camera"]"#), "\(again)")
    }

    @Test func anUnreadableNameIsNeverPrintedAsItCame() throws {
        for hostile in ["\u{1B}[2Jwelcome", "../../etc", "", String(repeating: "a", count: 65), "ok\nnext"] {
            let read = try JSONDecoder().decode(StationStatus.self, from: Self.json(step: hostile, faults: [hostile]))
            #expect(read.step == .unknown(hostile))
            #expect(read.step.label == Reported<VisitStep>.unreadableLabel && read.faults.map(\.label) == ["(unreadable)"])
        }
        // A step that is not a string is still no status.
        var object = try JSONSerialization.jsonObject(with: Self.json(step: "welcome", faults: [])) as! [String: Any]
        object["step"] = 3
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(StationStatus.self, from: JSONSerialization.data(withJSONObject: object)) }
    }
}
