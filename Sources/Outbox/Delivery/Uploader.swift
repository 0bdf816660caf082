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

    var submissionsURL: String { officeURL(path: "/v1/submissions") }

    /// `path` (starting with "/") on the office.
    func officeURL(path: String) -> String { (baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL) + path }
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
/// uploads share the connection and the TLS session. Not `Sendable`: a libcurl easy handle is used by one
/// thread at a time, so an uploader belongs to the thread that uses it (the deliverer hands each parallel
/// upload its own, through a lock held only for the hand-over).
package final class Uploader {
    let settings: UploaderSettings
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
        switch post(url: settings.submissionsURL, body: body,
                    headers: ["Content-Type: \(contentType)", "Idempotency-Key: \(idempotencyKey)", "Accept: application/json", "Expect:"]) {
        case .failure(let failure): return .failed("upload to \(settings.baseURL) failed: \(failure.message)")
        case .success(let answer): return Self.outcome(status: answer.status, body: answer.body)
        }
    }

    /// Why a request got no HTTP answer (network, TLS, timeout), in curl's words.
    package struct PostFailure: Error {
        /// curl's code, for callers that tell the causes apart (the office probe).
        package var code: CURLcode
        /// curl's error text (its error buffer, else its description of the code).
        package var detail: String
        package var message: String { "\(detail) (curl error \(code.rawValue))" }
    }

    /// Posts a small JSON document to `path` on the office (the station's health report) over the same
    /// mutual-TLS connection settings.
    package func postJSON(path: String, body: [UInt8]) -> Result<(status: Int, body: [UInt8]), PostFailure> {
        post(url: settings.officeURL(path: path), body: body, headers: ["Content-Type: application/json", "Accept: application/json", "Expect:"])
    }

    private func post(url: String, body: [UInt8], headers lines: [String]) -> Result<(status: Int, body: [UInt8]), PostFailure> {
        var headers: UnsafeMutablePointer<curl_slist>? = nil
        for line in lines { headers = curl_slist_append(headers, line) }
        defer { curl_slist_free_all(headers) }
        return body.withUnsafeBytes { raw in
            transfer(url: url, options: { handle in
                var result = fotobox_curl_setopt_slist(handle, CURLOPT_HTTPHEADER, headers)
                if result == CURLE_OK { result = fotobox_curl_setopt_offset(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(raw.count)) }
                if result == CURLE_OK { result = fotobox_curl_setopt_pointer(handle, CURLOPT_POSTFIELDS, UnsafeMutableRawPointer(mutating: raw.baseAddress)) }
                return result
            }, inspect: { _, failure, answer in
                if let failure { return .failure(failure) }
                return .success(answer)
            })
        }
    }

    /// One request on the handle: the office settings (`configure`, the one definition of the station's TLS),
    /// then this request's own `options`, then the transfer. `inspect` reads the handle's info afterwards,
    /// whether the transfer failed or not. Every pointer the request set is cleared before returning: the
    /// body, headers and collectors live only for this call.
    func transfer<T>(url: String, options: (UnsafeMutableRawPointer) -> CURLcode,
                     inspect: (UnsafeMutableRawPointer, PostFailure?, (status: Int, body: [UInt8])) -> T) -> T {
        let response = ResponseCollector()
        errorBuffer[0] = 0
        let unmanaged = Unmanaged.passRetained(response)
        defer { unmanaged.release() }
        var code = configure()
        func set(_ next: @autoclosure () -> CURLcode) { if code == CURLE_OK { code = next() } }
        set(fotobox_curl_setopt_string(handle, CURLOPT_URL, url))
        set(fotobox_curl_setopt_write(handle, CURLOPT_WRITEFUNCTION, { data, size, count, context in
            let collector = Unmanaged<ResponseCollector>.fromOpaque(context!).takeUnretainedValue()
            let length = size * count
            guard collector.bytes.count + length <= ResponseCollector.limit else { return 0 }
            if let data { collector.bytes.append(contentsOf: UnsafeRawBufferPointer(start: data, count: length)) }
            return length
        }))
        set(fotobox_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, unmanaged.toOpaque()))
        set(options(handle))
        if code == CURLE_OK { code = curl_easy_perform(handle) }
        var failure: PostFailure?
        if code != CURLE_OK {
            let detail = errorBuffer[0] != 0 ? String(cString: errorBuffer) : String(cString: curl_easy_strerror(code))
            failure = PostFailure(code: code, detail: detail)
        }
        var status = 0
        if failure == nil { _ = fotobox_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status) }
        let result = inspect(handle, failure, (status, response.bytes))
        for option in [CURLOPT_POSTFIELDS, CURLOPT_WRITEDATA, CURLOPT_HEADERDATA, CURLOPT_DEBUGDATA] {
            _ = fotobox_curl_setopt_pointer(handle, option, nil)
        }
        _ = fotobox_curl_setopt_slist(handle, CURLOPT_HTTPHEADER, nil)
        _ = fotobox_curl_setopt_write(handle, CURLOPT_HEADERFUNCTION, nil)
        _ = fotobox_curl_setopt_debug(handle, nil)
        return result
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

    /// The settings that do not change between requests: HTTPS only, mutual TLS, trust, pin, timeouts. Also
    /// what one kind of request may have set (the probe's GET, verbose text and chain) back to the upload's.
    private func configure() -> CURLcode {
        let strings: [(CURLoption, String?)] = [
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
            (CURLOPT_VERBOSE, 0),
            (CURLOPT_CERTINFO, 0),
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
