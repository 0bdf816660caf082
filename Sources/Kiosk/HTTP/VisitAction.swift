import Foundation
import Submission
import VisitCore
import WebServer

/// The citizen's actions (`VisitAction`, named in VisitCore), `POST /api/v1/visit/<action>` (docs/kiosk-api.md),
/// each with its JSON body decoded into a typed struct: a body that is not a JSON object is `400 malformed-json`,
/// a field missing or of the wrong kind `400 bad-field` naming it; unknown fields are ignored.
extension VisitAction {
    /// The languages as the error messages list them.
    static let languages = "one of " + Language.allCases.map(\.rawValue).joined(separator: ", ")

    enum Parsed<Body> {
        case decoded(Body)
        case refused(HTTPResponse)
    }

    enum Outcome {
        case event(VisitEvent)
        case refused(HTTPResponse)
    }

    /// The event this action's `body` asks for, or the 400 that says what is wrong with it.
    func event(_ body: [UInt8]) -> Outcome {
        func with<Body: Decodable>(_ type: Body.Type, field: String, expected: String, _ make: (Body) -> VisitEvent) -> Outcome {
            switch Self.decode(type, body, field: field, expected: expected) {
            case .decoded(let decoded): .event(make(decoded))
            case .refused(let response): .refused(response)
            }
        }
        switch self {
        case .language: return with(LanguageBody.self, field: "language", expected: Self.languages) { .setLanguage($0.language) }
        case .caseNumber:
            return with(CaseNumberBody.self, field: "caseNumber", expected: "a string") { .caseNumber($0.caseNumber) }
        case .consent: return with(ConsentBody.self, field: "accepted", expected: "true or false") { .consent($0.accepted) }
        case .review: return with(AcceptBody.self, field: "accept", expected: "true or false") { .review(accept: $0.accept) }
        case .signature: return with(AcceptBody.self, field: "accept", expected: "true or false") { .signature(accept: $0.accept) }
        case .capture: return with(EmptyBody.self, field: "", expected: "") { _ in .takePhoto }
        case .confirm: return with(EmptyBody.self, field: "", expected: "") { _ in .confirm }
        case .finish: return with(EmptyBody.self, field: "", expected: "") { _ in .finish }
        case .cancel: return with(EmptyBody.self, field: "", expected: "") { _ in .cancel }
        case .keepAlive: return with(EmptyBody.self, field: "", expected: "") { _ in .keepAlive }
        }
    }

    /// `body` (empty: `{}`) as `Body`.
    static func decode<Body: Decodable>(_ type: Body.Type, _ body: [UInt8], field: String, expected: String) -> Parsed<Body> {
        let bytes = body.isEmpty ? Array("{}".utf8) : body
        guard (try? JSONDecoder().decode(JSONObject.self, from: Data(bytes))) != nil else {
            return .refused(KioskResponses.error(400, "malformed-json", "the body is not a JSON object"))
        }
        do { return .decoded(try JSONDecoder().decode(type, from: Data(bytes))) } catch {
            return .refused(badField(field, expected))
        }
    }

    static func badField(_ name: String, _ expected: String) -> HTTPResponse {
        KioskResponses.error(400, "bad-field", "'\(name)' must be \(expected)")
    }
}

/// `POST /api/v1/visit`: the language to start in (the welcome screen's, when absent).
struct StartBody: Decodable { let language: Language? }
struct LanguageBody: Decodable { let language: Language }
/// A case number as typed; more than 128 bytes is refused before any rule looks at it.
struct CaseNumberBody: Decodable {
    let caseNumber: String
    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        caseNumber = try container.decode(String.self, forKey: .caseNumber)
        guard caseNumber.utf8.count <= 128 else {
            throw DecodingError.dataCorruptedError(forKey: .caseNumber, in: container, debugDescription: "longer than 128 bytes")
        }
    }
    enum CodingKeys: String, CodingKey { case caseNumber }
}
struct ConsentBody: Decodable { let accepted: Bool }
struct AcceptBody: Decodable { let accept: Bool }
/// Actions without fields: any JSON object will do.
struct EmptyBody: Decodable {}

/// Any JSON object, its members unread: tells a body that is no JSON object (`malformed-json`) from one with a
/// bad field, without an untyped `[String: Any]`.
struct JSONObject: Decodable {
    private struct Member: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    init(from decoder: any Decoder) throws { _ = try decoder.container(keyedBy: Member.self) }
}
