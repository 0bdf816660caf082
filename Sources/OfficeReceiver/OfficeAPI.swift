import Submission
import Foundation

/// An HTTP answer: status and a JSON body.
public struct OfficeResponse: Sendable, Equatable {
    public var status: Int
    public var body: [UInt8]
    public var contentType: String

    public init(status: Int, body: [UInt8], contentType: String = "application/json") {
        self.status = status
        self.body = body
        self.contentType = contentType
    }

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

    /// The office's endpoints, and which certificate role may use each.
    enum Route: Equatable {
        case submit
        case health
        case caseRecord(String)

        /// nil: any role.
        var allowedRole: ClientRole? {
            switch self {
            case .submit: .station
            case .health: nil
            case .caseRecord: .clerk
            }
        }

        var methods: Set<String> {
            switch self {
            case .submit: ["POST"]
            case .health, .caseRecord: ["GET", "HEAD"]
            }
        }
    }

    static func route(_ path: String) -> Route? {
        let route = path.split(separator: "?", maxSplits: 1).first.map(String.init) ?? path
        switch route {
        case "/v1/submissions": return .submit
        case "/v1/health": return .health
        default:
            let prefix = "/v1/submissions/"
            guard route.hasPrefix(prefix) else { return nil }
            return .caseRecord(String(route.dropFirst(prefix.count)))
        }
    }

    /// The path as logged: case IDs replaced by a placeholder (logs carry no case numbers).
    public static func loggablePath(_ url: String) -> String {
        switch route(url) {
        case .caseRecord: "/v1/submissions/{caseId}"
        default: String(url.prefix(64).filter { $0.isASCII && !$0.isNewline && $0 != "?" })
        }
    }

    /// The refusal for a request this role may not make (404, 405 or 403), or nil when it may go on.
    /// Called before the body is read.
    public func authorize(method: String, path: String, role: ClientRole) -> OfficeResponse? {
        guard let route = Self.route(path) else { return .error(404, "no such resource") }
        guard route.methods.contains(method) else { return .error(405, "use \(route.methods.sorted().joined(separator: " or "))") }
        if let allowed = route.allowedRole, allowed != role {
            return .error(403, "a \(role.rawValue) certificate may not use this endpoint (it is for the \(allowed.rawValue) role)")
        }
        return nil
    }

    /// Routes one request from a client whose certificate has `role`. `header` looks a request header up
    /// by name (case-insensitive).
    public func handle(method: String, path: String, role: ClientRole, header: (String) -> String?, body: [UInt8]) -> OfficeResponse {
        if let refusal = authorize(method: method, path: path, role: role) { return refusal }
        switch Self.route(path)! {
        case .submit: return submit(header: header, body: body)
        case .health: return OfficeResponse(status: 200, body: OfficeResponse.json(["status": "ok", "role": role.rawValue]))
        case .caseRecord(let caseID): return lookUp(caseID: caseID)
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
            switch try inbox.store(submission, idempotencyKey: key) {
            case .created(let receipt): return OfficeResponse(status: 201, body: OfficeResponse.json(receipt))
            case .repeated(let receipt): return OfficeResponse(status: 200, body: OfficeResponse.json(receipt))
            case .keyReusedWithOtherContent:
                return .error(409, "this Idempotency-Key was used before for a different submission; nothing was stored")
            }
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
