import Submission
import CCurl
import Configuration
import Foundation
import Platform

/// Where and how the station uploads: the office's URL and the TLS material.
public struct UploaderSettings: Sendable, Equatable {
    /// The office's base URL, `https://host:port` (the path `/v1/submissions` is appended).
    public var baseURL: String
    /// The office CA (PEM): the only trust anchor; the system's CA store is not used.
    public var caFile: String
    /// The station's client certificate and key (PEM) for mutual TLS.
    public var clientCertificate: String
    public var clientKey: String
    /// Optional public-key pin of the office's certificate, `sha256//BASE64` as curl takes it.
    public var pin: String?
    public var connectTimeoutSeconds: Int
    public var transferTimeoutSeconds: Int

    public init(baseURL: String, caFile: String, clientCertificate: String, clientKey: String, pin: String? = nil,
                connectTimeoutSeconds: Int = 10, transferTimeoutSeconds: Int = 60) {
        self.baseURL = baseURL
        self.caFile = caFile
        self.clientCertificate = clientCertificate
        self.clientKey = clientKey
        self.pin = pin
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.transferTimeoutSeconds = transferTimeoutSeconds
    }

    /// The `[backend]` section of the station's config.
    public init(config: StationConfig) {
        self.init(baseURL: config.backendURL, caFile: config.backendCA, clientCertificate: config.backendClientCert,
                  clientKey: config.backendClientKey, pin: config.backendPin,
                  connectTimeoutSeconds: config.connectTimeoutSeconds, transferTimeoutSeconds: config.transferTimeoutSeconds)
    }

    /// HTTPS only, and every file present, checked before the first upload so a typo shows at start.
    public func validate() throws(OutboxError) {
        guard baseURL.lowercased().hasPrefix("https://"), baseURL.count > 8 else {
            throw .invalidSettings("backend.url must be an https:// URL, not '\(baseURL)'")
        }
        for (name, path) in [("backend.ca", caFile), ("backend.client-cert", clientCertificate), ("backend.client-key", clientKey)] {
            guard !path.isEmpty else { throw .invalidSettings("\(name) is not set") }
            guard FileSystem.exists(path) else { throw .invalidSettings("\(name): \(path) does not exist") }
        }
    }

    var submissionsURL: String { (baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL) + "/v1/submissions" }
}

/// What came of one upload.
package enum UploadOutcome: Sendable, Equatable {
    /// The office has the submission (201, or 200 for a repeat).
    case accepted(SubmissionReceipt, status: Int)
    /// The office answered and refused it (4xx other than 408/429): retrying soon will not help.
    case refused(status: Int, message: String)
    /// No answer, a TLS failure, a timeout or a 5xx: try again later.
    case failed(String)
}

/// Uploads submissions over HTTPS with mutual TLS, on libcurl. One easy handle, reused, so consecutive
/// uploads share the connection and the TLS session. Not thread-safe: one thread uses it at a time
/// (the deliverer hands each parallel upload its own).
package final class Uploader: @unchecked Sendable {
    private let settings: UploaderSettings
    private let handle: UnsafeMutableRawPointer
    private let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)

    private static let globalInit: Bool = curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK

    package init(settings: UploaderSettings) throws(OutboxError) {
        try settings.validate()
        guard Self.globalInit, let handle = curl_easy_init() else { throw .invalidSettings("libcurl could not be initialised") }
        self.settings = settings
        self.handle = handle
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
    }

    deinit {
        curl_easy_cleanup(handle)
        errorBuffer.deallocate()
    }

    /// Posts one request body with its idempotency key and waits for the answer.
    package func upload(body: [UInt8], contentType: String, idempotencyKey: String) -> UploadOutcome {
        let response = ResponseCollector()
        var headers: UnsafeMutablePointer<curl_slist>? = nil
        for line in ["Content-Type: \(contentType)", "Idempotency-Key: \(idempotencyKey)", "Accept: application/json", "Expect:"] {
            headers = curl_slist_append(headers, line)
        }
        defer { curl_slist_free_all(headers) }
        errorBuffer[0] = 0
        let unmanaged = Unmanaged.passRetained(response)
        defer { unmanaged.release() }
        let code: CURLcode = body.withUnsafeBytes { raw in
            var result = configure()
            func set(_ code: CURLcode) { if result == CURLE_OK { result = code } }
            set(fotobox_curl_setopt_slist(handle, CURLOPT_HTTPHEADER, headers))
            set(fotobox_curl_setopt_offset(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(raw.count)))
            set(fotobox_curl_setopt_pointer(handle, CURLOPT_POSTFIELDS, UnsafeMutableRawPointer(mutating: raw.baseAddress)))
            set(fotobox_curl_setopt_write(handle, CURLOPT_WRITEFUNCTION, { data, size, count, context in
                let collector = Unmanaged<ResponseCollector>.fromOpaque(context!).takeUnretainedValue()
                let length = size * count
                guard collector.bytes.count + length <= ResponseCollector.limit else { return 0 }
                if let data { collector.bytes.append(contentsOf: UnsafeRawBufferPointer(start: data, count: length)) }
                return length
            }))
            set(fotobox_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, unmanaged.toOpaque()))
            guard result == CURLE_OK else { return result }
            return curl_easy_perform(handle)
        }
        // The request body lives only for this call: never leave a pointer to it in the handle.
        _ = fotobox_curl_setopt_pointer(handle, CURLOPT_POSTFIELDS, nil)
        _ = fotobox_curl_setopt_slist(handle, CURLOPT_HTTPHEADER, nil)
        guard code == CURLE_OK else {
            let detail = errorBuffer[0] != 0 ? String(cString: errorBuffer) : String(cString: curl_easy_strerror(code))
            return .failed("upload to \(settings.baseURL) failed: \(detail) (curl error \(code.rawValue))")
        }
        var status = 0
        _ = fotobox_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return Self.outcome(status: status, body: response.bytes)
    }

    /// How an HTTP answer counts for the outbox.
    package static func outcome(status: Int, body: [UInt8]) -> UploadOutcome {
        switch status {
        case 200, 201:
            guard let receipt = try? JSONDecoder().decode(SubmissionReceipt.self, from: Data(body)) else {
                return .failed("the office answered \(status) without a readable receipt")
            }
            return .accepted(receipt, status: status)
        case 408, 429, 500...599:
            return .failed("the office answered \(status): \(errorMessage(body))")
        default:
            return .refused(status: status, message: errorMessage(body))
        }
    }

    /// The `error` field of an error answer, or the start of the body.
    static func errorMessage(_ body: [UInt8]) -> String {
        struct ErrorBody: Decodable { let error: String }
        if let decoded = try? JSONDecoder().decode(ErrorBody.self, from: Data(body)) { return decoded.error }
        return String(String(decoding: body.prefix(200), as: UTF8.self).filter { $0.isASCII && !$0.isNewline })
    }

    /// The settings that do not change between uploads: URL, HTTPS only, mutual TLS, trust, timeouts.
    private func configure() -> CURLcode {
        let strings: [(CURLoption, String?)] = [
            (CURLOPT_URL, settings.submissionsURL),
            (CURLOPT_PROTOCOLS_STR, "https"),
            (CURLOPT_REDIR_PROTOCOLS_STR, "https"),
            (CURLOPT_CAINFO, settings.caFile),
            // No CA directory: the office CA is the only trust anchor.
            (CURLOPT_CAPATH, nil),
            (CURLOPT_SSLCERT, settings.clientCertificate),
            (CURLOPT_SSLCERTTYPE, "PEM"),
            (CURLOPT_SSLKEY, settings.clientKey),
            (CURLOPT_SSLKEYTYPE, "PEM"),
            (CURLOPT_PINNEDPUBLICKEY, settings.pin),
        ]
        let numbers: [(CURLoption, Int)] = [
            (CURLOPT_POST, 1),
            (CURLOPT_NOSIGNAL, 1),
            (CURLOPT_FOLLOWLOCATION, 0),
            (CURLOPT_SSL_VERIFYPEER, 1),
            (CURLOPT_SSL_VERIFYHOST, 2),
            (CURLOPT_SSLVERSION, Int(CURL_SSLVERSION_TLSv1_2)),
            (CURLOPT_CONNECTTIMEOUT, settings.connectTimeoutSeconds),
            (CURLOPT_TIMEOUT, settings.transferTimeoutSeconds),
        ]
        for (option, value) in strings {
            let result = fotobox_curl_setopt_string(handle, option, value)
            if result != CURLE_OK { return result }
        }
        for (option, value) in numbers {
            let result = fotobox_curl_setopt_long(handle, option, value)
            if result != CURLE_OK { return result }
        }
        return fotobox_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer)
    }
}

/// The answer's body, bounded (the office answers a small JSON).
private final class ResponseCollector {
    static let limit = 64 << 10
    var bytes: [UInt8] = []
}
