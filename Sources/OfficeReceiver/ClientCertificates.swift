import CGnuTLS
import Foundation
import Platform

/// Who a client of the office is, read from its certificate's subject (`OU=station`, `OU=clerk` or
/// `OU=monitoring`; docs/office.md). Each role may use only its own endpoints (`OfficeRoute.allowedRole`).
public enum ClientRole: String, Sendable, CaseIterable, Codable {
    /// A Fotobox station: submits cases and reports its health.
    case station
    /// A clerk at the counter: searches, views, takes over and rejects cases.
    case clerk
    /// The monitoring system (Prometheus): reads `/metrics` and the fleet.
    case monitoring
}

/// Why a client certificate is refused. The TLS handshake fails with it (the client never sends a request)
/// and the office logs it with the client's address.
public enum ClientCertificateRefusal: Error, Equatable, Sendable, CustomStringConvertible {
    case noCertificate
    /// The chain does not verify against the client CA (GnuTLS status bits described).
    case chain(String)
    /// No extended key usage `clientAuth` (1.3.6.1.5.5.7.3.2).
    case notForClientAuthentication
    /// The certificate is for a TLS server (extended key usage `serverAuth`): never a client.
    case serverCertificate
    /// No `OU` naming a role, or more than one role.
    case noRole(found: [String])
    /// Listed in the CRL (`--crl`).
    case revoked

    public var description: String {
        switch self {
        case .noCertificate: "no client certificate"
        case .chain(let reason): reason
        case .notForClientAuthentication: "the certificate lacks extended key usage clientAuth"
        case .serverCertificate: "a server certificate (extended key usage serverAuth) is never accepted as a client"
        case .noRole(let found):
            "the certificate's subject names no single role (OU=station, OU=clerk or OU=monitoring); found OU \(found.isEmpty ? "none" : found.joined(separator: ", "))"
        case .revoked: "certificate revoked (CRL)"
        }
    }
}

/// A certificate revocation list (PEM or DER, one or more CRLs), checked against the client CA at load.
/// Immutable after init.
/// Unchecked `Sendable` (the C-handle invariant): it only wraps GnuTLS CRL handles that are read, never changed, after init and
/// freed in deinit.
public final class RevocationList: @unchecked Sendable {
    private let handles: [gnutls_x509_crl_t?]
    /// How many certificates the lists revoke in all (for the log line).
    public let revokedCount: Int

    /// Parses `bytes` and verifies every CRL's signature against `authority` (the client CA, PEM).
    public init(bytes: [UInt8], authority: [UInt8]) throws(OfficeError) {
        var list: UnsafeMutablePointer<gnutls_x509_crl_t?>?
        var count: UInt32 = 0
        let imported = bytes.withUnsafeBytes { raw -> Bool in
            var datum = gnutls_datum_t(data: UnsafeMutablePointer(mutating: raw.bindMemory(to: UInt8.self).baseAddress), size: UInt32(raw.count))
            if gnutls_x509_crl_list_import2(&list, &count, &datum, GNUTLS_X509_FMT_PEM, 0) >= 0, count > 0 { return true }
            return gnutls_x509_crl_list_import2(&list, &count, &datum, GNUTLS_X509_FMT_DER, 0) >= 0 && count > 0
        }
        guard imported, let list else { throw .settings("--crl: not a certificate revocation list (PEM or DER)") }
        handles = Array(UnsafeBufferPointer(start: list, count: Int(count)))
        fotobox_gnutls_free(list)
        let authorities = try Self.certificates(authority)
        defer { authorities.forEach { gnutls_x509_crt_deinit($0) } }
        var total = 0
        for handle in handles {
            var status: UInt32 = 0
            let verified = authorities.withUnsafeBufferPointer { cas in
                gnutls_x509_crl_verify(handle, cas.baseAddress, UInt32(cas.count), 0, &status)
            }
            guard verified >= 0, status == 0 else {
                handles.forEach { gnutls_x509_crl_deinit($0) }
                throw .settings("--crl: a revocation list is not signed by the client CA (--client-ca)")
            }
            total += Int(max(0, gnutls_x509_crl_get_crt_count(handle)))
        }
        revokedCount = total
    }

    deinit { handles.forEach { gnutls_x509_crl_deinit($0) } }

    /// Whether the list revokes `certificate`.
    func revokes(_ certificate: gnutls_x509_crt_t) -> Bool {
        handles.withUnsafeBufferPointer { list in
            gnutls_x509_crt_check_revocation(certificate, list.baseAddress, UInt32(list.count)) == 1
        }
    }

    static func certificates(_ pem: [UInt8]) throws(OfficeError) -> [gnutls_x509_crt_t?] {
        var list: UnsafeMutablePointer<gnutls_x509_crt_t?>?
        var count: UInt32 = 0
        let status = pem.withUnsafeBytes { raw -> Int32 in
            var datum = gnutls_datum_t(data: UnsafeMutablePointer(mutating: raw.bindMemory(to: UInt8.self).baseAddress), size: UInt32(raw.count))
            return gnutls_x509_crt_list_import2(&list, &count, &datum, GNUTLS_X509_FMT_PEM, 0)
        }
        guard status >= 0, let list, count > 0 else { throw .settings("--client-ca: no certificate in the file") }
        defer { fotobox_gnutls_free(list) }
        return Array(UnsafeBufferPointer(start: list, count: Int(count)))
    }
}

/// The office's rule for client certificates, applied during the TLS handshake (and again per request
/// for the role): the chain verifies against the client CA, extended key usage `clientAuth` and not
/// `serverAuth`, exactly one role in `OU`, and not revoked by the CRL file. The CRL file is re-read when it
/// changes (inode, size or modification time; looked at no more than once a second); a changed file that
/// does not parse or verify is logged and the previous list stays in force.
public final class ClientCertificatePolicy: Sendable {
    public let crlPath: String?
    private let authority: [UInt8]
    private let log: @Sendable (String) -> Void
    private struct CRLState {
        var stamp: [Int] = []
        var list: RevocationList?
        var lastLook = ContinuousClock.now
    }
    private let crl = Locked(CRLState())

    static let clientAuthentication = "1.3.6.1.5.5.7.3.2"
    static let serverAuthentication = "1.3.6.1.5.5.7.3.1"

    /// Loads the CRL now, so a bad `--crl` stops the office at start.
    public init(clientCAPEM: [UInt8], crlPath: String?, log: @escaping @Sendable (String) -> Void) throws(OfficeError) {
        self.crlPath = crlPath
        self.authority = clientCAPEM
        self.log = log
        if let crlPath {
            let (stamp, list) = try Self.load(crlPath, authority: clientCAPEM)
            crl.withLock { $0.stamp = stamp; $0.list = list }
        }
    }

    /// Who the TLS session's client is, or why it is refused.
    func check(session: gnutls_session_t?) -> Result<ClientIdentity, ClientCertificateRefusal> {
        let status = fotobox_tls_verify_peer(session)
        if status < 0 { return .failure(.noCertificate) }
        if status != 0 { return .failure(.chain(Self.describe(verification: status))) }
        guard let leaf = fotobox_tls_peer_leaf(session) else { return .failure(.noCertificate) }
        defer { gnutls_x509_crt_deinit(leaf) }
        return check(leaf: leaf)
    }

    func check(leaf: gnutls_x509_crt_t) -> Result<ClientIdentity, ClientCertificateRefusal> {
        if fotobox_x509_has_key_purpose(leaf, Self.serverAuthentication) == 1 { return .failure(.serverCertificate) }
        guard fotobox_x509_has_key_purpose(leaf, Self.clientAuthentication) == 1 else { return .failure(.notForClientAuthentication) }
        var units: [String] = []
        var buffer = [CChar](repeating: 0, count: 256)
        for index in 0..<8 {
            guard fotobox_x509_organizational_unit(leaf, UInt32(index), &buffer, buffer.count) == 0 else { break }
            units.append(String(cStringBuffer: buffer))
        }
        let roles = units.compactMap(ClientRole.init(rawValue:))
        guard roles.count == 1, let role = roles.first else { return .failure(.noRole(found: units.map { String($0.prefix(40)) })) }
        if currentRevocationList()?.revokes(leaf) == true { return .failure(.revoked) }
        var name = [CChar](repeating: 0, count: 256)
        let commonName = fotobox_x509_common_name(leaf, &name, name.count) == 0 ? String(cStringBuffer: name) : role.rawValue
        // The name goes into the audit log: printable, short.
        let printable = String(commonName.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F }.prefix(64).map(Character.init))
        let expiry = fotobox_x509_expiration(leaf)
        return .success(ClientIdentity(role: role, name: printable,
                                       certificateExpiry: expiry > 0 ? Date(timeIntervalSince1970: TimeInterval(expiry)) : nil))
    }

    /// The CRL in force, re-read first when the file changed.
    func currentRevocationList() -> RevocationList? {
        guard let crlPath else { return nil }
        return crl.withLock { state in
            let now = ContinuousClock.now
            guard now - state.lastLook >= .seconds(1) || state.list == nil else { return state.list }
            state.lastLook = now
            guard let stamp = try? Self.stamp(crlPath), stamp != state.stamp else { return state.list }
            do {
                let (newStamp, list) = try Self.load(crlPath, authority: authority)
                state.stamp = newStamp
                state.list = list
                log("fotobox-office: CRL \(crlPath) re-read: \(list.revokedCount) certificate(s) revoked")
            } catch {
                state.stamp = stamp   // do not retry the same broken file every second
                log("fotobox-office: CRL \(crlPath) changed but was not loaded, the previous list stays in force: \(error)")
            }
            return state.list
        }
    }

    private static func stamp(_ path: String) throws(SystemError) -> [Int] {
        let info = try FileSystem.status(path)
        return [Int(info.st_ino), Int(info.st_size), Int(info.st_mtim.tv_sec), Int(info.st_mtim.tv_nsec)]
    }

    private static func load(_ path: String, authority: [UInt8]) throws(OfficeError) -> ([Int], RevocationList) {
        do {
            let stamp = try stamp(path)
            let bytes = try FileSystem.readFile(path, limit: 16 << 20)
            return (stamp, try RevocationList(bytes: bytes, authority: authority))
        } catch let error as OfficeError {
            throw error
        } catch {
            throw .settings("--crl \(path): \(error)")
        }
    }

    static func describe(verification status: Int32) -> String {
        let bits = UInt32(bitPattern: status)
        var reasons: [String] = []
        if bits & GNUTLS_CERT_EXPIRED.rawValue != 0 { reasons.append("certificate expired") }
        if bits & GNUTLS_CERT_NOT_ACTIVATED.rawValue != 0 { reasons.append("certificate not yet valid") }
        if bits & GNUTLS_CERT_SIGNER_NOT_FOUND.rawValue != 0 { reasons.append("not issued by the station CA") }
        if bits & GNUTLS_CERT_REVOKED.rawValue != 0 { reasons.append("certificate revoked") }
        if reasons.isEmpty { reasons.append("certificate does not verify (GnuTLS status \(bits))") }
        return reasons.joined(separator: ", ")
    }
}

private extension String {
    /// The NUL-terminated text a C function wrote into `buffer` (all of it when no NUL was written).
    init(cStringBuffer buffer: [CChar]) {
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        self = String(decoding: bytes, as: UTF8.self)
    }
}
