import Submission
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

/// Uploads submissions over HTTPS with mutual TLS, on the station's one HTTP client (`HTTPClient`, peer
/// `.office`). One handle, reused, so consecutive uploads share the connection and the TLS session. Not
/// `Sendable`: a libcurl easy handle is used by one thread at a time, so an uploader belongs to the thread that
/// uses it (the deliverer hands each parallel upload its own).
package final class Uploader {
    let settings: UploaderSettings
    /// The office client; the office probe runs its `GET /` on it too.
    let client: HTTPClient

    package init(settings: UploaderSettings) throws(OutboxError) {
        try settings.validate()
        do { client = try HTTPClient(peer: .office(settings)) } catch { throw .invalidSettings(error.detail) }
        self.settings = settings
    }

    /// Posts one request body with its idempotency key and waits for the answer.
    package func upload(body: [UInt8], contentType: String, idempotencyKey: String) -> UploadOutcome {
        switch client.post(settings.submissionsURL, body: body,
                           headers: ["Content-Type: \(contentType)", "Idempotency-Key: \(idempotencyKey)", "Accept: application/json", "Expect:"]) {
        case .failure(let failure): return .failed("upload to \(settings.baseURL) failed: \(failure.message)")
        case .success(let answer): return Self.outcome(status: answer.status, body: answer.body)
        }
    }

    /// Posts a small JSON document to `path` on the office (the station's health report) over the same
    /// mutual-TLS connection settings.
    package func postJSON(path: String, body: [UInt8]) -> Result<HTTPClient.Answer, HTTPClient.Failure> {
        client.post(settings.officeURL(path: path), body: body, headers: ["Content-Type: application/json", "Accept: application/json", "Expect:"])
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
}
