import OfficeReceiver
import Submission
import FotoboxTestSupport
import Foundation
import Outbox
import Platform
import Testing

/// Mutual TLS between the real station uploader and the real `fotobox-office`, with certificates made by openssl.
@Suite("Outbox mutual TLS (real fotobox-office)", .serialized, .needsOutboxRig)
struct OutboxTLSTests {
    struct Setup {
        let directory: String
        let pki: TestPKI
        let office: OfficeProcess

        init() throws {
            directory = OutboxRig.temporaryDirectory()
            pki = try TestPKI(directory: directory)
            office = try OfficeProcess(pki: pki, inbox: directory + "/inbox", logDirectory: directory)
        }

        func cleanUp() {
            office.stop()
            try? FileSystem.removeTree(directory)
        }

        var caseFolders: [String] {
            ((try? FileSystem.listDirectory(office.inbox)) ?? []).filter { !$0.hasPrefix(".") }
        }

        /// curl's HTTP status for GET /v1/health with the given client certificate ("000" when TLS failed).
        func curlStatus(certificate: String?) -> String {
            var arguments = ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", pki.path("office-ca.pem")]
            if let certificate { arguments += ["--cert", pki.path(certificate + ".pem"), "--key", pki.path(certificate + ".key")] }
            return OutboxRig.run("/usr/bin/curl", arguments + [office.url + "/v1/health"]).standardOutput
        }
    }

    static func photo(_ seed: UInt64) -> [UInt8] { OutboxRig.jpeg(width: 1244, height: 1600, seed: seed) }

    /// Queues one submission from files with `fotoboxctl queue add`.
    static func queueAdd(_ station: StationFiles, directory: String, caseID: String, seed: UInt64) throws -> [UInt8] {
        let photo = photo(seed)
        let photoPath = directory + "/photo-\(seed).jpg", signaturePath = directory + "/signature.jpg"
        if !FileSystem.exists(photoPath) { try FileSystem.writeNewFile(photoPath, photo) }
        if !FileSystem.exists(signaturePath) { try FileSystem.writeNewFile(signaturePath, OutboxRig.signature) }
        let result = OutboxRig.fotoboxctl(["queue", "add", "--config", station.configPath, "--case-id", caseID,
                                           "--photo", photoPath, "--signature", signaturePath])
        guard result.status == 0 else { throw RigError("queue add failed: \(result.standardError)") }
        return photo
    }

    @Test func stationCertificateIsAcceptedAndTheCaseArrives() throws {
        let setup = try Setup()
        defer { setup.cleanUp() }
        #expect(setup.curlStatus(certificate: "station") == "200")
        let station = try StationFiles(directory: setup.directory, pki: setup.pki, officeURL: setup.office.url)
        let photo = try Self.queueAdd(station, directory: setup.directory, caseID: "ABCD-1234", seed: 3)
        let delivered = OutboxRig.fotoboxctl(["queue", "deliver", "--config", station.configPath])
        #expect(delivered.status == 0, "\(delivered.standardError)")
        let samePhoto = try FileSystem.readFile(setup.office.submissionFolder("ABCD-1234") + "/photo.jpg") == photo
        let sameSignature = try FileSystem.readFile(setup.office.submissionFolder("ABCD-1234") + "/signature.jpg") == OutboxRig.signature
        #expect(samePhoto && sameSignature, "the case folder's files differ from what was queued")
        let items = try station.outbox().items()
        #expect(items.map(\.state) == [.erased])
        #expect(items.first?.receiptID?.isEmpty == false)
    }

    @Test func missingWrongAndExpiredClientCertificatesAreRefused() throws {
        let setup = try Setup()
        defer { setup.cleanUp() }
        // Refused in the TLS handshake (issue 16.1): no HTTP exchange at all.
        #expect(setup.curlStatus(certificate: nil) == "000")
        #expect(setup.curlStatus(certificate: "rogue") == "000")
        #expect(setup.curlStatus(certificate: "expired") == "000")
        #expect(setup.office.log.contains("not issued by the station CA"))
        #expect(setup.office.log.contains("certificate expired"))

        // The station's own uploader with a wrong or expired certificate: refused, kept pending, nothing written.
        for certificate in ["rogue", "expired"] {
            let station = try StationFiles(directory: setup.directory, pki: setup.pki, officeURL: setup.office.url,
                                           clientCertificate: certificate, name: certificate)
            _ = try Self.queueAdd(station, directory: setup.directory, caseID: "WXYZ-0001", seed: 4)
            let result = OutboxRig.fotoboxctl(["queue", "deliver", "--once", "--config", station.configPath])
            #expect(result.status == 1)
            let item = try #require(try station.outbox().items().first)
            #expect(item.state == .pending)
            #expect(item.lastError?.isEmpty == false, "\(item.lastError ?? "")")
        }
        #expect(setup.caseFolders.isEmpty)
    }

    @Test func anOfficeCertificateFromAnotherCAIsRefusedByTheStation() throws {
        let setup = try Setup()
        defer { setup.cleanUp() }
        // The station trusts only its configured CA: point it at the station CA instead of the office CA.
        let station = try StationFiles(directory: setup.directory, pki: setup.pki, officeURL: setup.office.url)
        let config = try String(contentsOfFile: station.configPath, encoding: .utf8)
            .replacingOccurrences(of: setup.pki.path("office-ca.pem"), with: setup.pki.path("station-ca.pem"))
        try FileSystem.writeFileAtomically(station.configPath, Array(config.utf8))
        _ = try Self.queueAdd(station, directory: setup.directory, caseID: "ABCD-0002", seed: 5)
        let result = OutboxRig.fotoboxctl(["queue", "deliver", "--once", "--config", station.configPath])
        #expect(result.status == 1)
        let item = try #require(try station.outbox().items().first)
        #expect(item.state == .pending)
        #expect(item.lastError?.contains("SSL") == true || item.lastError?.contains("certificate") == true, "\(item.lastError ?? "")")
        #expect(setup.caseFolders.isEmpty)
    }

    @Test func thePublicKeyPinIsEnforced() throws {
        let setup = try Setup()
        defer { setup.cleanUp() }
        let right = try StationFiles(directory: setup.directory, pki: setup.pki, officeURL: setup.office.url, name: "pinned",
                                     pin: try setup.pki.pin(of: "office"))
        _ = try Self.queueAdd(right, directory: setup.directory, caseID: "PINS-0001", seed: 6)
        #expect(OutboxRig.fotoboxctl(["queue", "deliver", "--once", "--config", right.configPath]).status == 0)
        // A valid office certificate, but not the pinned key: refused by the station.
        let wrong = try StationFiles(directory: setup.directory, pki: setup.pki, officeURL: setup.office.url, name: "mispinned",
                                     pin: try setup.pki.pin(of: "rogue"))
        _ = try Self.queueAdd(wrong, directory: setup.directory, caseID: "PINS-0002", seed: 7)
        #expect(OutboxRig.fotoboxctl(["queue", "deliver", "--once", "--config", wrong.configPath]).status == 1)
        let item = try #require(try wrong.outbox().items().first)
        #expect(item.state == .pending)
        #expect(item.lastError?.lowercased().contains("pinned") == true || item.lastError?.contains("public key") == true, "\(item.lastError ?? "")")
        #expect(setup.caseFolders == ["PINS-0001"])
    }

    /// An office that accepts the TCP connection but never answers the TLS handshake: the connect
    /// timeout ends the attempt, the item stays queued with the reason, nothing hangs.
    @Test func aSilentOfficeTimesOut() throws {
        let directory = OutboxRig.temporaryDirectory()
        defer { try? FileSystem.removeTree(directory) }
        let pki = try TestPKI(directory: directory)
        // A listening socket nobody accepts on: TCP completes, nobody speaks TLS.
        let listener = try SilentListener()
        defer { withExtendedLifetime(listener) {} }   // open until the test ends, whatever ARC could do
        let port = listener.port
        let station = try StationFiles(directory: directory, pki: pki, officeURL: "https://127.0.0.1:\(port)")
        let config = try String(contentsOfFile: station.configPath, encoding: .utf8).replacingOccurrences(of: "connect-timeout = 2", with: "connect-timeout = 1")
        try FileSystem.writeFileAtomically(station.configPath, Array(config.utf8))
        _ = try Self.queueAdd(station, directory: directory, caseID: "SLOW-0001", seed: 8)
        let result = OutboxRig.fotoboxctl(["queue", "deliver", "--once", "--config", station.configPath])
        #expect(result.status == 1)
        let item = try #require(try station.outbox().items().first)
        #expect(item.state == .pending)
        #expect(item.lastError?.lowercased().contains("timed out") == true || item.lastError?.lowercased().contains("timeout") == true, "\(item.lastError ?? "")")
    }

    @Test func httpURLsAreRefused() throws {
        let directory = OutboxRig.temporaryDirectory()
        defer { try? FileSystem.removeTree(directory) }
        let settings = UploaderSettings(baseURL: "http://127.0.0.1:1", caFile: "/dev/null", clientCertificate: "/dev/null", clientKey: "/dev/null")
        #expect { try settings.validate() } throws: { "\($0)".contains("https://") }
    }

    @Test func malformedAndOversizedRequestsGet4xxAndTheServerKeepsRunning() throws {
        let setup = try Setup()
        defer { setup.cleanUp() }
        let tls = ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", setup.pki.path("office-ca.pem"),
                   "--cert", setup.pki.path("station.pem"), "--key", setup.pki.path("station.key")]
        let url = setup.office.url + "/v1/submissions"
        func status(_ extra: [String]) -> String { OutboxRig.run("/usr/bin/curl", tls + extra).standardOutput }
        #expect(status(["-X", "POST", "--data-binary", "garbage", "-H", "Content-Type: multipart/form-data; boundary=x", url]) == "400")
        #expect(status(["-X", "POST", "--data-binary", "x", url]) == "415")
        #expect(status(["-X", "DELETE", url]) == "405")
        #expect(status([setup.office.url + "/nothing"]) == "404")
        // Announced too large: refused before the body is read.
        #expect(status(["-X", "POST", "-H", "Content-Length: 999999999", "-H", "Content-Type: multipart/form-data; boundary=x", "--max-time", "5", url]) == "413")
        // Streamed past the limit without a length: the connection is closed, the office stays up.
        let big = setup.directory + "/big.bin"
        try FileSystem.writeNewFile(big, [UInt8](repeating: 0x41, count: SubmissionRules.bodyByteLimit + 1_000_000))
        _ = status(["-X", "POST", "-H", "Transfer-Encoding: chunked", "-H", "Content-Type: multipart/form-data; boundary=x", "--data-binary", "@" + big, "--max-time", "20", url])
        #expect(setup.office.process.isRunning)
        #expect(setup.curlStatus(certificate: "station") == "200")
        #expect(setup.caseFolders.isEmpty)
    }
}
