import HTTPTestSupport
import OfficeReceiver
import Foundation
import Submission
import Outbox
import Platform
import Testing

/// Certificate roles, the CRL and the office's defence against clients that hold connections open
/// (issues 16.1 and 17), against the real `fotobox-office` with certificates made by openssl.
@Suite("Office certificate roles and connection limits (real fotobox-office)", .serialized, .needsOutboxRig)
struct OfficeRoleTests {
    /// curl's HTTP status ("000" when the TLS handshake failed) for a request with a client certificate.
    static func status(_ office: OfficeProcess, _ pki: TestPKI, certificate: String?, method: String = "GET", path: String = "/v1/health",
                       extra: [String] = [], source: String? = nil) -> String {
        var arguments = ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "10", "--cacert", pki.path("office-ca.pem"), "-X", method]
        if let certificate { arguments += ["--cert", pki.path(certificate + ".pem"), "--key", pki.path(certificate + ".key")] }
        if let source { arguments += ["--interface", source] }
        return OutboxRig.run("/usr/bin/curl", arguments + extra + [office.url + path]).standardOutput
    }

    @Test func onlyStationClerkAndMonitoringCertificatesWithTheirRolesGetIn() throws {
        let directory = OutboxRig.temporaryDirectory()
        defer { try? FileSystem.removeTree(directory) }
        let pki = try TestPKI(directory: directory)
        let office = try OfficeProcess(pki: pki, inbox: directory + "/inbox", logDirectory: directory, crl: true)
        defer { office.stop() }
        for good in ["station", "clerk", "monitoring"] {
            #expect(Self.status(office, pki, certificate: good) == "200", "\(good)")
        }
        // Refused in the TLS handshake: no HTTP status at all.
        for bad in ["server-role", "no-eku", "no-role", "revoked", "expired", "rogue"] {
            #expect(Self.status(office, pki, certificate: bad) == "000", "\(bad) got in")
        }
        #expect(Self.status(office, pki, certificate: nil) == "000")
        let log = office.log
        #expect(log.contains("a server certificate (extended key usage serverAuth) is never accepted as a client"))
        #expect(log.contains("lacks extended key usage clientAuth"))
        #expect(log.contains("names no single role"))
        #expect(log.contains("certificate revoked (CRL)"))
        #expect(log.contains("certificate expired"))
        #expect(log.contains("not issued by the station CA"))

        // Each role only its own endpoints.
        let photo = directory + "/photo.jpg", signature = directory + "/signature.jpg"
        try FileSystem.writeNewFile(photo, OutboxRig.jpeg(width: 1244, height: 1600, seed: 11))
        try FileSystem.writeNewFile(signature, OutboxRig.signature)
        let metadata = directory + "/metadata.json", report = directory + "/report.json"
        try FileSystem.writeNewFile(metadata, Array(#"{"caseId":"ROLE-0001","stationId":"station-1","capturedAt":"2026-12-03T10:00:00Z","queuedAt":"2026-12-03T10:00:01Z","softwareVersion":"test","camera":"test","profile":"live"}"#.utf8))
        try FileSystem.writeNewFile(report, Array(#"{"compliant":true,"checks":[]}"#.utf8))
        let form = ["-F", "metadata=@\(metadata);type=application/json", "-F", "report=@\(report);type=application/json",
                    "-F", "photo=@\(photo);type=image/jpeg", "-F", "signature=@\(signature);type=image/jpeg"]
        // The office refuses a wrong role before reading the body and closes the connection. A client still
        // sending when that happens may get a reset instead of the 403 (curl gives up waiting for "100
        // Continue" after 1 s, and under load it did): these wait for the office's decision before sending.
        let waitForDecision = ["-H", "Expect: 100-continue", "--expect100-timeout", "30"]
        #expect(Self.status(office, pki, certificate: "clerk", method: "POST", path: "/v1/submissions", extra: waitForDecision + form) == "403")
        #expect(Self.status(office, pki, certificate: "monitoring", method: "POST", path: "/v1/submissions", extra: waitForDecision + form) == "403")
        #expect(!FileSystem.exists(office.inbox + "/ROLE-0001"))
        #expect(Self.status(office, pki, certificate: "station", method: "POST", path: "/v1/submissions", extra: form) == "201")
        #expect(Self.status(office, pki, certificate: "station", path: "/v1/submissions/ROLE-0001") == "403")
        #expect(Self.status(office, pki, certificate: "monitoring", path: "/v1/submissions/ROLE-0001") == "403")
        #expect(Self.status(office, pki, certificate: "clerk", path: "/v1/submissions/ROLE-0001") == "200")
    }

    @Test func aChangedCRLIsReadWithoutARestart() throws {
        let directory = OutboxRig.temporaryDirectory()
        defer { try? FileSystem.removeTree(directory) }
        let pki = try TestPKI(directory: directory)
        let office = try OfficeProcess(pki: pki, inbox: directory + "/inbox", logDirectory: directory, crl: true)
        defer { office.stop() }
        #expect(Self.status(office, pki, certificate: "clerk") == "200")
        try pki.revoke("clerk")
        Thread.sleep(forTimeInterval: 1.2)
        #expect(Self.status(office, pki, certificate: "clerk") == "000")
        #expect(Self.status(office, pki, certificate: "station") == "200")
        #expect(office.log.contains("re-read: 2 certificate(s) revoked"))
    }

    /// Issue 16.1: 40 idle TCP connections and 32 stalled TLS handshakes from one address used to fill the
    /// office's 32 connection slots; a station from another address must still get in, and the stalled
    /// connections are cut at the handshake deadline.
    @Test func connectionsHeldOpenByAnAttackerDoNotKeepStationsOut() throws {
        let directory = OutboxRig.temporaryDirectory()
        defer { try? FileSystem.removeTree(directory) }
        let pki = try TestPKI(directory: directory)
        let office = try OfficeProcess(pki: pki, inbox: directory + "/inbox", logDirectory: directory,
                                       extraArguments: ["--handshake-timeout", "3"])
        defer { office.stop() }
        var held: [HeldConnection] = []
        for index in 0..<72 {
            // The attacker's address is 127.0.0.2 (all of 127/8 is loopback); half start a TLS handshake and stall.
            if let connection = try? HeldConnection(from: "127.0.0.2", to: office.port) {
                if index % 2 == 1 { connection.sendPartialClientHello() }
                held.append(connection)
            }
        }
        #expect(held.count >= 32)
        Thread.sleep(forTimeInterval: 0.5)
        #expect(Self.status(office, pki, certificate: "station", source: "127.0.0.1") == "200")
        #expect(office.process.isRunning)
        // The attacker's connections the office took are cut at the deadline; none stays open past it.
        Thread.sleep(forTimeInterval: 4.5)
        let stillOpen = held.filter { $0.isOpenAtServer }
        #expect(stillOpen.isEmpty, "\(stillOpen.count) attacker connections still open after the deadline")
        #expect(office.log.contains("no complete request within"))
        #expect(Self.status(office, pki, certificate: "station", source: "127.0.0.1") == "200")
    }
}

/// A TCP connection from a chosen loopback address that sends (almost) nothing.
final class HeldConnection {
    let descriptor: Int32

    init(from source: String, to port: UInt16) throws {
        descriptor = RawHTTP(port: port, from: source).hold()
        guard descriptor >= 0 else { throw SystemError(call: "connect from \(source)", errno: errno) }
    }

    /// The first bytes of a TLS record (a ClientHello announced, never finished).
    func sendPartialClientHello() {
        let bytes: [UInt8] = [0x16, 0x03, 0x01, 0x02, 0x00, 0x01]
        _ = bytes.withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// False once the server closed its end (end-of-file or reset on a non-blocking read). A connection
    /// the server never accepted (refused beyond the per-address limit) counts as closed too.
    var isOpenAtServer: Bool {
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = recv(descriptor, &buffer, buffer.count, Int32(MSG_DONTWAIT))
        if count == 0 { return false }
        if count < 0 { return errno == EAGAIN || errno == EWOULDBLOCK }
        return true
    }

    deinit { close(descriptor) }
}
