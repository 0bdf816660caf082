import Submission
import Foundation

/// An HTTP answer: status and a JSON body.
public struct OfficeResponse: Sendable, Equatable {
    public var status: Int
    public var body: [UInt8]

    /// `{"error": message}`.
    static func error(_ status: Int, _ message: String) -> OfficeResponse {
        OfficeResponse(status: status, body: json(["error": message]))
    }

    static func json<T: Encodable>(_ value: T) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Array((try? encoder.encode(value)) ?? Data(#"{"error":"encoding failed"}"#.utf8))
    }
}

/// The office's HTTP API without the transport: method, path, headers and body in, answer out.
/// `OfficeServer` feeds it from libmicrohttpd after the client certificate has been checked; the unit
/// tests call it directly. Documented in docs/api.md ("Office API") and docs/openapi-office.yaml.
public struct OfficeAPI: Sendable {
    public let inbox: OfficeInbox
    public let policy: CaseIDPolicy

    public init(inbox: OfficeInbox, policy: CaseIDPolicy = .anySafe) {
        self.inbox = inbox
        self.policy = policy
    }

    /// Routes one request. `header` looks a request header up by name (case-insensitive).
    public func handle(method: String, path: String, header: (String) -> String?, body: [UInt8]) -> OfficeResponse {
        let route = path.split(separator: "?", maxSplits: 1).first.map(String.init) ?? path
        switch route {
        case "/v1/submissions":
            guard method == "POST" else { return .error(405, "use POST to submit") }
            return submit(header: header, body: body)
        case "/v1/health":
            guard method == "GET" || method == "HEAD" else { return .error(405, "use GET") }
            return OfficeResponse(status: 200, body: OfficeResponse.json(["status": "ok"]))
        default:
            let prefix = "/v1/submissions/"
            guard route.hasPrefix(prefix) else { return .error(404, "no such resource") }
            guard method == "GET" || method == "HEAD" else { return .error(405, "use GET to look a case up") }
            return lookUp(caseID: String(route.dropFirst(prefix.count)))
        }
    }

    /// Whether an `Idempotency-Key` header value is acceptable: 8-128 letters, digits, '-' or '_'.
    public static func isValidIdempotencyKey(_ key: String) -> Bool {
        (8...128).contains(key.utf8.count) && key.utf8.allSatisfy { byte in
            (48...57).contains(byte) || (65...90).contains(byte) || (97...122).contains(byte) || byte == 45 || byte == 95
        }
    }

    private func submit(header: (String) -> String?, body: [UInt8]) -> OfficeResponse {
        guard body.count <= SubmissionRules.bodyByteLimit else {
            return .error(413, "the request body is larger than \(SubmissionRules.bodyByteLimit) bytes")
        }
        let key: String
        if let given = header("Idempotency-Key") {
            guard Self.isValidIdempotencyKey(given) else { return .error(400, "Idempotency-Key must be 8-128 letters, digits, '-' or '_'") }
            key = given
        } else {
            key = "office-" + SubmissionWire.randomHex(bytes: 16)
        }
        guard let contentType = header("Content-Type"), contentType.lowercased().hasPrefix("multipart/form-data") else {
            return .error(415, "Content-Type multipart/form-data is required")
        }
        let submission: Submission
        do {
            submission = try SubmissionWire.decode(body, contentType: contentType)
            try SubmissionRules.validate(submission, policy: policy)
        } catch {
            switch error {
            case .multipart, .missingPart: return .error(400, error.description)
            case .partTooLarge: return .error(413, error.description)
            default: return .error(422, error.description)
            }
        }
        do {
            let (receipt, created) = try inbox.store(submission, idempotencyKey: key)
            return OfficeResponse(status: created ? 201 : 200, body: OfficeResponse.json(receipt))
        } catch {
            return .error(error.isDiskFull ? 507 : 500, error.message)
        }
    }

    private func lookUp(caseID: String) -> OfficeResponse {
        guard CaseIDPolicy.isSafe(caseID) else { return .error(400, "not a case ID") }
        do {
            guard let record = try inbox.latest(caseID: caseID) else { return .error(404, "no submission for this case ID") }
            return OfficeResponse(status: 200, body: OfficeResponse.json(record))
        } catch {
            return .error(500, error.message)
        }
    }
}
