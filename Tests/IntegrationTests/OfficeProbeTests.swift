import FotoboxTestSupport
import Foundation
import Outbox
import Platform
import Testing

/// The office probe (`fotoboxctl selftest`'s office check) on the uploader's libcurl handle against the real
/// `fotobox-office` on loopback, with certificates made by openssl: each cause its own typed failure.
@Suite("Office probe (real fotobox-office, uploader's libcurl handle)", .serialized, .needsOutboxRig)
struct OfficeProbeTests {
    struct Setup {
        let directory = OutboxRig.temporaryDirectory()
        let pki: TestPKI
        let office: OfficeProcess

        init() throws {
            pki = try TestPKI(directory: directory)
            office = try OfficeProcess(pki: pki, inbox: directory + "/inbox", logDirectory: directory)
        }

        func settings(url: String? = nil, ca: String = "office-ca", client: String = "station", pin: String? = nil) -> UploaderSettings {
            UploaderSettings(baseURL: url ?? office.url, caFile: pki.path(ca + ".pem"), clientCertificate: pki.path(client + ".pem"),
                             clientKey: pki.path(client + ".key"), pin: pin, connectTimeoutSeconds: 2, transferTimeoutSeconds: 20)
        }

        func cleanUp() {
            office.stop()
            try? FileSystem.removeTree(directory)
        }
    }

    @Test func aHandshakeReportsProtocolAnswerAndTheOfficesCertificate() throws {
        let setup = try Setup()
        defer { setup.cleanUp() }
        let answer = try OfficeProbe.handshake(settings: setup.settings(pin: try setup.pki.pin(of: "office"))).get()
        #expect(answer.protocolVersion.hasPrefix("TLSv1."), "\(answer)")
        #expect(answer.statusLine.hasPrefix("HTTP/"), "\(answer)")
        // The test PKI's certificates run 30 days from (about) now.
        #expect([29, 30].contains(answer.serverCertificateDays), "\(answer)")
        #expect(answer.milliseconds >= 0)
    }

    @Test func aWrongPinNamesTheOfficesActualKey() throws {
        let setup = try Setup()
        defer { setup.cleanUp() }
        let result = OfficeProbe.handshake(settings: setup.settings(pin: try setup.pki.pin(of: "rogue-ca")))
        #expect(result.failure == .pinMismatch(actual: try setup.pki.pin(of: "office")), "\(result)")
        #expect(result.failure?.message.contains("does not match backend.pin") == true)
    }

    @Test func anOfficeCertificateFromAnotherCAIsRefusedWithTheVerificationCode() throws {
        let setup = try Setup()
        defer { setup.cleanUp() }
        let result = OfficeProbe.handshake(settings: setup.settings(ca: "station-ca"))
        guard case .certificateRefused(let detail, let code)? = result.failure else {
            Issue.record("expected certificateRefused, got \(result)")
            return
        }
        // X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY (20): the office's issuer is not backend.ca.
        #expect(code == 20, "\(detail)")
        #expect(result.failure?.message.hasPrefix("the office's certificate is refused") == true)
    }

    @Test func aClientCertificateTheOfficeRefusesIsSaid() throws {
        let setup = try Setup()
        defer { setup.cleanUp() }
        let result = OfficeProbe.handshake(settings: setup.settings(client: "rogue"))
        switch result.failure {
        case .clientCertificateRefused?, .handshakeFailed?: break
        default: Issue.record("expected the office to refuse the rogue certificate, got \(result)")
        }
    }

    @Test func anOfficeThatIsDownOrSilentOrMissingFilesIsAClearFailure() throws {
        let setup = try Setup()
        defer { setup.cleanUp() }
        let port = setup.office.port
        setup.office.stop()
        let down = OfficeProbe.handshake(settings: setup.settings(url: "https://127.0.0.1:\(port)"))
        guard case .cannotConnect? = down.failure else { Issue.record("expected cannotConnect, got \(down)"); return }

        let listener = try SilentListener()
        defer { withExtendedLifetime(listener) {} }
        let started = ContinuousClock.now
        let silent = OfficeProbe.handshake(settings: setup.settings(url: "https://127.0.0.1:\(listener.port)"))
        guard case .timedOut? = silent.failure else { Issue.record("expected timedOut, got \(silent)"); return }
        #expect(silent.failure?.message.contains("no answer within the connect timeout") == true)
        // connect-timeout 2 s; generous bound for a loaded machine, no speed goal.
        #expect(ContinuousClock.now - started < .seconds(30))

        let missing = OfficeProbe.handshake(settings: setup.settings(client: "nobody"))
        guard case .settings(let detail)? = missing.failure else { Issue.record("expected settings, got \(missing)"); return }
        #expect(detail.contains("backend.client-cert"), "\(detail)")
    }

    @Test func certificateFilesAreReadWithTheirExpiry() throws {
        let setup = try Setup()
        defer { setup.cleanUp() }
        let days = try OfficeProbe.daysUntilExpiry(pemFile: setup.pki.path("office-ca.pem")).get()
        #expect(days.count == 1 && [29, 30].contains(days[0]), "\(days)")
        #expect(try OfficeProbe.daysUntilExpiry(pemFile: setup.pki.path("expired.pem")).get().allSatisfy { $0 < -300 })
        #expect(OfficeProbe.daysUntilExpiry(pemFile: "").failure == .notSet)
        #expect(OfficeProbe.daysUntilExpiry(pemFile: setup.pki.path("office.key")).failure == .noCertificate)
        guard case .unreadable? = OfficeProbe.daysUntilExpiry(pemFile: setup.directory + "/absent.pem").failure else {
            Issue.record("an absent file must be unreadable")
            return
        }
    }
}

extension Result {
    /// The failure, or nil on success.
    fileprivate var failure: Failure? {
        if case .failure(let failure) = self { failure } else { nil }
    }
}
