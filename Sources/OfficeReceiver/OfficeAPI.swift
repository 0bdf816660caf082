import Submission
import Foundation
import Platform

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

    /// `{"error": message}` (the station's `Uploader.errorMessage` reads it).
    static func error(_ status: Int, _ message: String) -> OfficeResponse {
        OfficeResponse(status: status, body: json(ErrorAnswer(error: message)))
    }

    /// The office's small answers, typed.
    struct ErrorAnswer: Encodable { let error: String }
    /// `GET /v1/health`: `{"role", "status": "ok"}`.
    struct HealthAnswer: Encodable {
        let status = "ok"
        let role: ClientRole
    }
    /// `POST /v1/fleet/health`: `{"status": "recorded"}`.
    struct RecordedAnswer: Encodable { let status = "recorded" }
    /// The desk's take-over and reject: the case's new state, and the import folder after a take-over.
    struct DeskStateAnswer: Encodable {
        let state: OfficeCaseState
        var importFolder: String? = nil
    }

    static func json<T: Encodable>(_ value: T) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Array((try? encoder.encode(value)) ?? Data(#"{"error":"encoding failed"}"#.utf8))
    }
}

/// Who sent a request: the role and the certificate's common name (the clerk's name in the audit log).
public struct ClientIdentity: Sendable, Equatable {
    public var role: ClientRole
    public var name: String
    /// When the client's certificate expires (for the fleet's certificate alert).
    public var certificateExpiry: Date?
    public init(role: ClientRole, name: String, certificateExpiry: Date? = nil) {
        self.role = role
        self.name = name
        self.certificateExpiry = certificateExpiry
    }
}

/// The office's HTTP API without the transport: method, path, the client's identity, headers and body in,
/// answer out. `OfficeServer` feeds it from libmicrohttpd after the TLS handshake checked the client
/// certificate; the unit tests call it directly. Documented in docs/api.md ("Office API"),
/// docs/openapi-office.yaml and docs/office.md.
public struct OfficeAPI: Sendable {
    public let inbox: OfficeInbox
    public let policy: CaseIDPolicy
    /// The clerk's desk (nil: the office only receives, as before issue 17).
    public let desk: ClerkDesk?
    /// The desk page's files (index.html, desk.css, desk.js), served at /desk/.
    public let deskAssets: OfficeWebAssets?
    /// The stations' health reports and the office's counters (`/metrics`, `/fleet/`).
    public let fleet: OfficeFleet

    public init(inbox: OfficeInbox, policy: CaseIDPolicy = .anySafe, desk: ClerkDesk? = nil, deskAssets: OfficeWebAssets? = nil,
                fleet: OfficeFleet = OfficeFleet()) {
        self.inbox = inbox
        self.policy = policy
        self.desk = desk
        self.deskAssets = deskAssets
        self.fleet = fleet
    }

    /// The office's endpoints, and which certificate role may use each.
    enum Route: Equatable {
        case submit
        case health
        case caseRecord(String)
        case deskPage(String)
        case deskSearch(String)
        case deskSubmission(String)
        case deskFile(receipt: String, name: String)
        case deskTakeOver(String)
        case deskReject(String)
        case fleetReport
        case fleetPage
        case fleetJSON
        case metrics

        /// nil: any role.
        var allowedRole: ClientRole? {
            switch self {
            case .submit, .fleetReport: .station
            case .health: nil
            case .fleetPage, .fleetJSON, .metrics: .monitoring
            case .caseRecord, .deskPage, .deskSearch, .deskSubmission, .deskFile, .deskTakeOver, .deskReject: .clerk
            }
        }

        var methods: Set<String> {
            switch self {
            case .submit, .deskTakeOver, .deskReject, .fleetReport: ["POST"]
            case .health, .caseRecord, .deskPage, .deskSearch, .deskSubmission, .deskFile, .fleetPage, .fleetJSON, .metrics: ["GET", "HEAD"]
            }
        }
    }

    static func route(_ path: String) -> Route? {
        let route = path.split(separator: "?", maxSplits: 1).first.map(String.init) ?? path
        let parts = route.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        switch route {
        case "/v1/submissions": return .submit
        case "/v1/health": return .health
        case "/", "/desk", "/desk/": return .deskPage("index.html")
        case "/v1/fleet/health": return .fleetReport
        case "/v1/fleet": return .fleetJSON
        case "/fleet", "/fleet/": return .fleetPage
        case "/metrics": return .metrics
        default: break
        }
        // parts[0] is "" (the leading slash).
        if parts.count == 3, parts[1] == "desk" { return .deskPage(parts[2]) }
        if parts.count == 4, parts[1] == "v1", parts[2] == "submissions" { return .caseRecord(parts[3]) }
        if parts.count == 5, parts[1] == "v1", parts[2] == "desk", parts[3] == "search" { return .deskSearch(parts[4]) }
        if parts.count >= 5, parts[1] == "v1", parts[2] == "desk", parts[3] == "submissions" {
            let receipt = parts[4]
            switch parts.count == 6 ? parts[5] : nil {
            case nil: return .deskSubmission(receipt)
            case "take-over"?: return .deskTakeOver(receipt)
            case "reject"?: return .deskReject(receipt)
            case let name? where ["photo.jpg", "signature.jpg", "report.json"].contains(name): return .deskFile(receipt: receipt, name: name)
            default: return nil
            }
        }
        return nil
    }

    /// The path as logged: case IDs and search terms replaced by a placeholder (logs carry no case numbers).
    public static func loggablePath(_ url: String) -> String {
        switch route(url) {
        case .caseRecord: "/v1/submissions/{caseId}"
        case .deskSearch: "/v1/desk/search/{term}"
        default: String(url.prefix(80).filter { $0.isASCII && !$0.isNewline && $0 != "?" })
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

    /// Routes one request from a client whose certificate has `role` (tests; the name is the role's).
    public func handle(method: String, path: String, role: ClientRole, header: (String) -> String?, body: [UInt8]) -> OfficeResponse {
        handle(method: method, path: path, client: ClientIdentity(role: role, name: role.rawValue), header: header, body: body)
    }

    /// Routes one request. `header` looks a request header up by name (case-insensitive).
    public func handle(method: String, path: String, client: ClientIdentity, header: (String) -> String?, body: [UInt8]) -> OfficeResponse {
        if let refusal = authorize(method: method, path: path, role: client.role) { return refusal }
        let route = Self.route(path)!
        switch route {
        case .submit: return submit(header: header, body: body)
        case .health: return OfficeResponse(status: 200, body: OfficeResponse.json(OfficeResponse.HealthAnswer(role: client.role)))
        case .caseRecord(let caseID): return lookUp(caseID: caseID)
        case .fleetReport:
            guard body.count <= StationHealthReport.byteLimit else { return .error(413, "a health report is at most \(StationHealthReport.byteLimit) bytes") }
            let report: StationHealthReport
            do { report = try JSONDecoder().decode(StationHealthReport.self, from: Data(body)) } catch {
                return .error(422, "health report: " + SubmissionRules.reason(error))
            }
            do { try report.validate() } catch { return .error(422, "health report: \(error)") }
            fleet.record(report, certificateExpiry: client.certificateExpiry)
            return OfficeResponse(status: 200, body: OfficeResponse.json(OfficeResponse.RecordedAnswer()))
        case .metrics:
            let open = (try? inbox.openCount()) ?? 0
            return OfficeResponse(status: 200, body: Array(fleet.prometheusText(openSubmissions: open).utf8),
                                  contentType: "text/plain; version=0.0.4; charset=utf-8")
        case .fleetJSON:
            return OfficeResponse(status: 200, body: OfficeResponse.json(fleet.stations))
        case .fleetPage:
            return OfficeResponse(status: 200, body: fleet.page(), contentType: "text/html; charset=utf-8")
        case .deskPage(let name):
            guard let asset = deskAssets?.files[name] else { return .error(404, "no such resource") }
            return OfficeResponse(status: 200, body: asset.bytes, contentType: asset.contentType)
        // The clerk's actions, below (listed, not `default`: a new route is placed on purpose).
        case .deskSearch, .deskSubmission, .deskFile, .deskTakeOver, .deskReject: break
        }
        guard let desk else { return .error(404, "the clerk's desk is not configured (--import-dir)") }
        // The desk's own page sends this header; a cross-site form cannot (it would need a CORS preflight,
        // which the office never grants), so a browser holding a clerk certificate cannot be made to act.
        if method == "POST" && header("X-Fotobox-Desk") != "1" { return .error(403, "X-Fotobox-Desk: 1 is required") }
        func failure(_ error: ClerkDeskError) -> OfficeResponse {
            switch error {
            case .noSuchSubmission: .error(404, error.description)
            case .alreadyClosed, .importFolderOccupied: .error(409, error.description)
            case .reasonRequired: .error(422, error.description)
            case .storage: .error(500, error.description)
            }
        }
        do throws(ClerkDeskError) {
            switch route {
            case .deskSearch(let term):
                let found: [OfficeCaseRecord]
                do { found = try desk.search(term) } catch { throw .storage(error.message) }
                return OfficeResponse(status: 200, body: OfficeResponse.json(DeskSearchResult(submissions: found)))
            case .deskSubmission(let receipt):
                let record: OfficeCaseRecord?
                do { record = try inbox.submission(receiptID: receipt) } catch { throw .storage(error.message) }
                guard let record else { throw .noSuchSubmission }
                let report = record.state == .open ? String(decoding: try desk.file(receiptID: receipt, name: "report.json"), as: UTF8.self) : nil
                let others: [OfficeCaseRecord]
                do { others = try inbox.submissions(caseID: record.caseId) } catch { throw .storage(error.message) }
                return OfficeResponse(status: 200, body: OfficeResponse.json(DeskSubmission(submission: record, report: report, caseSubmissions: others)))
            case .deskFile(let receipt, let name):
                let bytes = try desk.file(receiptID: receipt, name: name)
                return OfficeResponse(status: 200, body: bytes, contentType: name.hasSuffix(".jpg") ? "image/jpeg" : "application/json")
            case .deskTakeOver(let receipt):
                let folder = try desk.takeOver(receiptID: receipt, clerk: client.name)
                return OfficeResponse(status: 200, body: OfficeResponse.json(OfficeResponse.DeskStateAnswer(state: .takenOver, importFolder: folder)))
            case .deskReject(let receipt):
                struct Body: Decodable { var reason: String }
                guard let parsed = try? JSONDecoder().decode(Body.self, from: Data(body)) else { throw .reasonRequired }
                try desk.reject(receiptID: receipt, reason: parsed.reason, clerk: client.name)
                return OfficeResponse(status: 200, body: OfficeResponse.json(OfficeResponse.DeskStateAnswer(state: .rejected)))
            // Answered above.
            case .submit, .health, .caseRecord, .fleetReport, .metrics, .fleetJSON, .fleetPage, .deskPage:
                return .error(404, "no such resource")
            }
        } catch {
            return failure(error)
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
            case .created(let receipt):
                fleet.recordSubmission(submission)
                return OfficeResponse(status: 201, body: OfficeResponse.json(receipt))
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

/// `GET /v1/desk/search/{term}`: every matching submission, newest first.
struct DeskSearchResult: Encodable {
    var submissions: [OfficeCaseRecord]
}

/// `GET /v1/desk/submissions/{receiptId}`: one submission, its compliance report (the station's JSON, as
/// a string; nil once closed) and every submission of the same case (newest first).
struct DeskSubmission: Encodable {
    var submission: OfficeCaseRecord
    var report: String?
    var caseSubmissions: [OfficeCaseRecord]
}

/// The desk page's static files, read once at start from a directory.
public struct OfficeWebAssets: Sendable {
    public struct File: Sendable {
        public var bytes: [UInt8]
        public var contentType: String
    }
    public let files: [String: File]

    /// Reads `index.html`, `desk.css` and `desk.js` (required) from `directory`.
    public init(directory: String) throws(OfficeError) {
        var files: [String: File] = [:]
        for (name, type) in [("index.html", "text/html; charset=utf-8"), ("desk.css", "text/css; charset=utf-8"),
                             ("desk.js", "text/javascript; charset=utf-8")] {
            do { files[name] = File(bytes: try FileSystem.readFile(directory + "/" + name, limit: 1 << 20), contentType: type) } catch {
                throw .settings("--desk-dir \(directory): \(name): \(error)")
            }
        }
        self.files = files
    }
}
