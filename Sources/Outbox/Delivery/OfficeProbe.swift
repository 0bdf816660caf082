import CCrypto
import CCurl
import Configuration
import Foundation
import Platform

/// A look at the office as `fotoboxctl selftest` takes it: a `GET /` on the uploader's own libcurl handle, so
/// with exactly an upload's TLS (≥ 1.2, `backend.ca` as the only trust anchor, the client certificate, host
/// name check, `backend.pin`) and no submission. libcurl reports the office's certificate chain
/// (CURLOPT_CERTINFO); its expiry and, when the pin refuses it, its public key are read from there with libcrypto.
public enum OfficeProbe {
    /// Why the probe failed, typed by cause; `message` is one line for the technician.
    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        /// The `[backend]` settings cannot be used: the URL, a file missing, or a certificate, key or CA file
        /// libcurl cannot load.
        case settings(String)
        /// The office's host name does not resolve.
        case cannotResolve(String)
        /// No TCP connection (refused, unreachable).
        case cannotConnect(String)
        /// No answer within the connect timeout (connection, TLS handshake or HTTP answer).
        case timedOut(String)
        /// The office's certificate does not verify against `backend.ca` or does not name the host;
        /// `verifyResult` is OpenSSL's X.509 verification code (CURLINFO_SSL_VERIFYRESULT, 0 for a host name mismatch).
        case certificateRefused(String, verifyResult: Int)
        /// The office's public key (`sha256//…` when the chain showed it) is none of `backend.pin`'s.
        case pinMismatch(actual: String?)
        /// The TLS handshake failed otherwise (no common protocol, the office refusing the client certificate under TLS 1.2).
        case handshakeFailed(String)
        /// The handshake was done, then the office cut the connection: with TLS 1.3 it judges the client
        /// certificate only after the client's handshake, so its verdict comes with the first read.
        case clientCertificateRefused(String)
        /// The handshake was done but libcurl reported no certificate of the office.
        case noCertificate
        /// Any other transfer failure, in libcurl's words.
        case transfer(String)

        public var message: String {
            switch self {
            case .settings(let detail): detail
            case .cannotResolve(let detail): "cannot resolve the office: \(detail)"
            case .cannotConnect(let detail): "cannot connect: \(detail)"
            case .timedOut(let detail): "no answer within the connect timeout (\(detail))"
            case .certificateRefused(let detail, _): "the office's certificate is refused: \(detail)"
            case .pinMismatch(let actual): "the office's public key \(actual ?? "(not shown)") does not match backend.pin"
            case .handshakeFailed(let detail): "TLS handshake failed: \(detail)"
            case .clientCertificateRefused(let detail): "the office refused the client certificate: \(detail)"
            case .noCertificate: "the office sent no certificate"
            case .transfer(let detail): detail
            }
        }

        public var description: String { message }
    }

    /// What a successful probe showed.
    public struct Answer: Sendable, Equatable {
        /// The TLS version libcurl negotiated ("TLSv1.3"), from its connection report.
        public let protocolVersion: String
        /// Until the TLS handshake was done (CURLINFO_APPCONNECT_TIME_T).
        public let milliseconds: Int
        /// The first line of the office's answer to `GET /`: any answer shows it accepted the client certificate.
        public let statusLine: String
        /// Days until the office's certificate expires (negative: expired).
        public let serverCertificateDays: Int
    }

    /// Why a PEM file's certificates could not be read.
    public enum CertificateFileError: Error, Sendable, Equatable, CustomStringConvertible {
        case notSet
        case unreadable(String)
        case noCertificate

        public var message: String {
            switch self {
            case .notSet: "not set"
            case .unreadable(let reason): "cannot read (\(reason))"
            case .noCertificate: "holds no PEM certificate"
            }
        }

        public var description: String { message }
    }

    /// Days until each certificate in a PEM file expires (negative: expired).
    public static func daysUntilExpiry(pemFile: String) -> Result<[Int], CertificateFileError> {
        guard !pemFile.isEmpty else { return .failure(.notSet) }
        let text: [UInt8]
        do { text = try FileSystem.readFile(pemFile) } catch { return .failure(.unreadable("\(error)")) }
        let days = PEMCertificates(text).map(\.daysUntilExpiry)
        return days.isEmpty ? .failure(.noCertificate) : .success(days)
    }

    /// The station's `[backend]` settings, probed.
    public static func handshake(config: StationConfig) -> Result<Answer, Failure> {
        handshake(settings: UploaderSettings(config: config))
    }

    /// Shakes hands with the office with the upload's settings and reads the first line of its answer to
    /// `GET /`, all within the connect timeout (libcurl's monotonic timers).
    public static func handshake(settings: UploaderSettings) -> Result<Answer, Failure> {
        var settings = settings
        settings.transferTimeoutSeconds = settings.connectTimeoutSeconds
        let uploader: Uploader
        do { uploader = try Uploader(settings: settings) } catch { return .failure(.settings("\(error)")) }
        return uploader.probe()
    }
}

extension Uploader {
    /// A `GET /` on this uploader's handle with libcurl's connection report and certificate chain switched on
    /// (`HTTPClient.configure` switches them off again for the next upload).
    func probe() -> Result<OfficeProbe.Answer, OfficeProbe.Failure> {
        let trace = ProbeTrace()
        let unmanaged = Unmanaged.passRetained(trace)
        defer { unmanaged.release() }
        return client.transfer(url: settings.officeURL(path: "/"), options: { handle in
            // A GET: `HTTPClient.configure` makes every request one unless it posts.
            var code = fotobox_curl_setopt_long(handle, CURLOPT_CERTINFO, 1)
            func set(_ next: @autoclosure () -> CURLcode) { if code == CURLE_OK { code = next() } }
            set(fotobox_curl_setopt_write(handle, CURLOPT_HEADERFUNCTION, { data, size, count, context in
                let trace = Unmanaged<ProbeTrace>.fromOpaque(context!).takeUnretainedValue()
                if trace.statusLine == nil, let data {
                    let line = String(decoding: UnsafeRawBufferPointer(start: data, count: size * count), as: UTF8.self)
                    trace.statusLine = line.trimmingCharacters(in: .whitespacesAndNewlines)
                }
                return size * count
            }))
            set(fotobox_curl_setopt_pointer(handle, CURLOPT_HEADERDATA, unmanaged.toOpaque()))
            // The negotiated TLS version is only in libcurl's informational text ("SSL connection using
            // TLSv1.3 / …"): verbose on, every line to the trace, none to stderr.
            set(fotobox_curl_setopt_debug(handle, { _, kind, data, size, context in
                guard kind == CURLINFO_TEXT, let data, let context else { return 0 }
                let trace = Unmanaged<ProbeTrace>.fromOpaque(context).takeUnretainedValue()
                let text = String(decoding: UnsafeRawBufferPointer(start: data, count: size), as: UTF8.self)
                let prefix = "SSL connection using "
                if trace.protocolVersion == nil, let range = text.range(of: prefix) {
                    trace.protocolVersion = String(text[range.upperBound...].prefix { !$0.isWhitespace && $0 != "/" })
                }
                return 0
            }))
            set(fotobox_curl_setopt_pointer(handle, CURLOPT_DEBUGDATA, unmanaged.toOpaque()))
            set(fotobox_curl_setopt_long(handle, CURLOPT_VERBOSE, 1))
            return code
        }, inspect: { handle, failure, _ in
            var connected: curl_off_t = 0
            _ = fotobox_curl_getinfo_offset(handle, CURLINFO_APPCONNECT_TIME_T, &connected)
            let chain = Self.certificateChain(handle)
            if let failure {
                var verifyResult = 0
                _ = fotobox_curl_getinfo_long(handle, CURLINFO_SSL_VERIFYRESULT, &verifyResult)
                return .failure(Self.probeFailure(failure, handshakeDone: connected > 0, verifyResult: verifyResult, chain: chain))
            }
            guard let office = chain.first else { return .failure(.noCertificate) }
            return .success(OfficeProbe.Answer(protocolVersion: trace.protocolVersion ?? "TLS", milliseconds: Int(connected / 1000),
                                               statusLine: trace.statusLine ?? "(empty answer)",
                                               serverCertificateDays: office.daysUntilExpiry))
        })
    }

    /// What libcurl's failure means for the technician.
    private static func probeFailure(_ failure: HTTPClient.Failure, handshakeDone: Bool, verifyResult: Int,
                                     chain: [PEMCertificates.Certificate]) -> OfficeProbe.Failure {
        let cutAfterHandshake = [CURLE_RECV_ERROR, CURLE_SEND_ERROR, CURLE_GOT_NOTHING, CURLE_SSL_CONNECT_ERROR].contains(failure.code)
        if handshakeDone && cutAfterHandshake { return .clientCertificateRefused(failure.message) }
        return switch failure.code {
        case CURLE_SSL_PINNEDPUBKEYNOTMATCH: .pinMismatch(actual: chain.first?.publicKeyPin)
        case CURLE_PEER_FAILED_VERIFICATION: .certificateRefused(failure.message, verifyResult: verifyResult)
        case CURLE_COULDNT_RESOLVE_HOST: .cannotResolve(failure.message)
        case CURLE_COULDNT_CONNECT: .cannotConnect(failure.message)
        case CURLE_OPERATION_TIMEDOUT: .timedOut(failure.message)
        case CURLE_SSL_CERTPROBLEM, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_CIPHER: .settings(failure.message)
        case CURLE_SSL_CONNECT_ERROR: .handshakeFailed(failure.message)
        default: .transfer(failure.message)
        }
    }

    /// The office's chain as libcurl reported it (CURLINFO_CERTINFO: per certificate "Subject:…",
    /// "Expire date:…", "Cert:<PEM>", …), each certificate read from its PEM; the office's own first.
    private static func certificateChain(_ handle: UnsafeMutableRawPointer) -> [PEMCertificates.Certificate] {
        var info: UnsafeMutablePointer<curl_certinfo>?
        guard fotobox_curl_getinfo_certinfo(handle, &info) == CURLE_OK, let info, let lists = info.pointee.certinfo else { return [] }
        var chain: [PEMCertificates.Certificate] = []
        for index in 0..<Int(max(info.pointee.num_of_certs, 0)) {
            var entry = lists[index]
            while let current = entry {
                entry = current.pointee.next
                guard let data = current.pointee.data else { continue }
                let line = String(cString: data)
                if line.hasPrefix("Cert:") {
                    chain += PEMCertificates(Array(line.utf8.dropFirst(5)))
                    break
                }
            }
        }
        return chain
    }
}

/// What the probe's callbacks saw (one transfer, on the calling thread).
private final class ProbeTrace {
    var statusLine: String?
    var protocolVersion: String?
}

/// The X.509 certificates of a PEM text, read with libcrypto: each one's expiry and public-key pin.
struct PEMCertificates: Sequence {
    struct Certificate {
        /// Days until it expires, rounded down (negative: expired; 0: today).
        let daysUntilExpiry: Int
        /// `sha256//BASE64` of the DER SubjectPublicKeyInfo, as curl's CURLOPT_PINNEDPUBLICKEY takes it.
        let publicKeyPin: String?
    }

    private let certificates: [Certificate]

    init(_ pem: [UInt8]) {
        var certificates: [Certificate] = []
        pem.withUnsafeBytes { raw in
            guard let base = raw.baseAddress, let bio = BIO_new_mem_buf(base, Int32(raw.count)) else { return }
            defer { BIO_free(bio) }
            while let certificate = PEM_read_bio_X509(bio, nil, nil, nil) {
                certificates.append(Certificate(daysUntilExpiry: Self.daysUntilExpiry(certificate), publicKeyPin: Self.pin(certificate)))
                X509_free(certificate)
            }
        }
        // The loop ends at the first text that is no certificate, leaving an error on the thread's queue.
        ERR_clear_error()
        self.certificates = certificates
    }

    func makeIterator() -> IndexingIterator<[Certificate]> { certificates.makeIterator() }

    private static func daysUntilExpiry(_ certificate: OpaquePointer) -> Int {
        var days: Int32 = 0, seconds: Int32 = 0
        guard ASN1_TIME_diff(&days, &seconds, nil, X509_get0_notAfter(certificate)) == 1 else { return 0 }
        // Rounded down: "expires in 0 days" is today.
        return Int(days) - (days <= 0 && seconds < 0 ? 1 : 0)
    }

    private static func pin(_ certificate: OpaquePointer) -> String? {
        guard let key = X509_get0_pubkey(certificate) else { return nil }
        let length = i2d_PUBKEY(key, nil)
        guard length > 0 else { return nil }
        var der = [UInt8](repeating: 0, count: Int(length))
        _ = der.withUnsafeMutableBufferPointer { buffer in
            var cursor = buffer.baseAddress
            return i2d_PUBKEY(key, &cursor)
        }
        var digest = [UInt8](repeating: 0, count: 32)
        var size: UInt32 = 0
        guard EVP_Digest(der, der.count, &digest, &size, EVP_sha256(), nil) == 1 else { return nil }
        return "sha256//" + Data(digest).base64EncodedString()
    }
}
