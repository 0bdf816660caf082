import OfficeReceiver
import FotoboxTestSupport
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Platform
import Testing

/// A whole visit over the kiosk's HTTP API, as the UI drives it, against the real parts: fotoboxd with the
/// replay camera (a real portrait), the face chain, the simulated pad, the encrypted outbox, and a real
/// fotobox-office over mutual TLS. Ends with the case in the office's inbox.
@Suite(.serialized, .needsBuilt("fotoboxd"), .needsModels, .needsTestData("faces/frll/004_03.jpg"), .needsOutboxRig)
struct KioskVisitTests {
    static let portrait = TestData.path("faces/frll/004_03.jpg")

    /// One HTTP exchange with the kiosk (loopback, plain HTTP as the kiosk serves it).
    struct Kiosk {
        let base: String
        var token: String?

        @discardableResult
        func call(_ method: String, _ path: String, _ body: [String: Any]? = nil) throws -> (status: Int, json: [String: Any]) {
            var request = URLRequest(url: URL(string: base + path)!, timeoutInterval: 40)
            request.httpMethod = method
            if let token { request.setValue(token, forHTTPHeaderField: "X-Visit-Token") }
            if let body {
                request.httpBody = try JSONSerialization.data(withJSONObject: body)
                request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            }
            let done = DispatchSemaphore(value: 0)
            nonisolated(unsafe) var result: (Data?, URLResponse?) = (nil, nil)
            URLSession.shared.dataTask(with: request) { data, response, _ in
                result = (data, response)
                done.signal()
            }.resume()
            done.wait()
            let status = (result.1 as? HTTPURLResponse)?.statusCode ?? 0
            let json = result.0.flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] } ?? [:]
            return (status, json)
        }

        /// Polls the visit until `condition` holds (the service moves on its own threads).
        func waitFor(_ what: String, seconds: Double = 30, _ condition: ([String: Any]) -> Bool) throws -> [String: Any] {
            let deadline = Date().addingTimeInterval(seconds)
            var last: [String: Any] = [:]
            while Date() < deadline {
                last = try call("GET", "/api/v1/visit").json
                if condition(last) { return last }
                usleep(100_000)
            }
            Issue.record("timed out waiting for \(what); last state \(last)")
            return last
        }
    }

    @Test func aWholeVisitEndsInTheOfficeInbox() throws {
        let directory = OutboxRig.temporaryDirectory()
        defer { try? FileSystem.removeTree(directory) }
        let pki = try TestPKI(directory: directory)
        let office = try OfficeProcess(pki: pki, inbox: directory + "/inbox", logDirectory: directory)
        defer { office.stop() }
        let station = try StationFiles(directory: directory, pki: pki, officeURL: office.url)
        try FileSystem.createDirectory(directory + "/frames")
        try FileSystem.writeNewFile(directory + "/frames/portrait.jpg", try FileSystem.readFile(Self.portrait))
        let service = try KioskProcess(station: station, directory: directory, frames: directory + "/frames",
                                       extraConfig: "[visit]\nprofile = scan\n[liveness]\n# A still photo does not turn its head: observe judges it, reports it, and lets the visit go on.\nmode = observe")
        defer { service.stop() }

        var kiosk = Kiosk(base: service.url)
        _ = try kiosk.waitFor("the service", seconds: 20) { $0["step"] as? String == "welcome" }
        let started = try kiosk.call("POST", "/api/v1/visit", ["language": "de"])
        #expect(started.status == 201)
        kiosk.token = try #require(started.json["token"] as? String)
        #expect(try kiosk.call("POST", "/api/v1/visit/case-number", ["caseNumber": "../etc"]).status == 422)
        #expect(try kiosk.call("POST", "/api/v1/visit/case-number", ["caseNumber": "VISI-2024"]).status == 200)
        try kiosk.call("POST", "/api/v1/visit/consent", ["accepted": true])
        // The face chain judges the replayed portrait until the guidance says all is well.
        _ = try kiosk.waitFor("guidance 'good'") { $0["guidance"] as? String == "good" }
        try kiosk.call("POST", "/api/v1/visit/capture")
        let review = try kiosk.waitFor("the review") { $0["step"] as? String == "review" }
        #expect((review["photo"] as? [String: Any])?["compliant"] as? Bool == true, "\(review)")
        try kiosk.call("POST", "/api/v1/visit/review", ["accept": true])
        _ = try kiosk.waitFor("the signature step") { $0["step"] as? String == "signature" }
        // The simulated pad replays a recorded signature, then its OK button sends (no tap on the screen).
        let receipt = try kiosk.waitFor("the receipt", seconds: 20) { $0["step"] as? String == "receipt" }
        let confirmation = (receipt["receipt"] as? [String: Any])?["confirmationCode"] as? String
        #expect(confirmation?.isEmpty == false)
        try kiosk.call("POST", "/api/v1/visit/finish")

        // Delivered in the background: the case folder appears whole at the office.
        var folder = office.submissionFolder("VISI-2024")
        let deadline = Date().addingTimeInterval(30)
        while !FileSystem.exists(folder + "/report.json"), Date() < deadline {
            usleep(200_000)
            folder = office.submissionFolder("VISI-2024")
        }
        let photo = try FileSystem.readFile(folder + "/photo.jpg")
        let signature = try FileSystem.readFile(folder + "/signature.jpg")
        #expect(Array(photo.prefix(3)) == [0xFF, 0xD8, 0xFF] && Array(signature.prefix(3)) == [0xFF, 0xD8, 0xFF])
        let report = try JSONSerialization.jsonObject(with: Data(try FileSystem.readFile(folder + "/report.json"))) as? [String: Any]
        #expect(report != nil)
        // The liveness challenge before the capture was judged and reported (observe: the visit went on).
        let liveness = report?["liveness"] as? [String: Any]
        #expect(liveness?["mode"] as? String == "observe", "\(report ?? [:])")
        #expect((liveness?["score"] as? Double).map { (0...1).contains($0) } == true, "\(liveness ?? [:])")
        #expect(["turn-left", "turn-right", "nod"].contains(liveness?["challenge"] as? String ?? ""), "\(liveness ?? [:])")
        // The capture context travelled typed from the visit to the office (issue 16, item 11).
        let stored = try JSONSerialization.jsonObject(with: Data(try FileSystem.readFile(folder + "/submission.json"))) as? [String: Any]
        let visit = stored?["visit"] as? [String: Any]
        #expect(stored?["profile"] as? String == "scan", "\(stored ?? [:])")
        #expect(stored?["stationId"] as? String == "station-1" && (stored?["camera"] as? String)?.hasPrefix("replay") == true, "\(stored ?? [:])")
        #expect(visit?["language"] as? String == "de" && visit?["retakes"] as? Int == 0 && visit?["compliant"] as? Bool == true, "\(stored ?? [:])")
        #expect((visit?["visitSeconds"] as? Int).map { $0 >= 1 && $0 < 600 } == true, "\(stored ?? [:])")
        #expect((stored?["softwareVersion"] as? String)?.isEmpty == false)
        // The code on the citizen's receipt went along, so staff can find the visit by it (issue 15).
        #expect(visit?["confirmationCode"] as? String == confirmation, "\(stored ?? [:])")
        // Nothing of the visit is left at the kiosk.
        let after = try Kiosk(base: kiosk.base).call("GET", "/api/v1/visit").json
        #expect(after["step"] as? String == "welcome" && after["caseNumber"] == nil)
    }
}
