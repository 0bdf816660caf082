import WebServer
import VisitCore
import Capture
import Foundation

/// The headers and bodies every kiosk response shares.
enum KioskResponses {
    /// No caching anywhere (a photo must not outlive its visit in a browser cache), no sniffing, no
    /// referrer; the page may load nothing from anywhere but this server.
    static let common: [(String, String)] = [
        ("Cache-Control", "no-store"),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "no-referrer"),
        ("X-Frame-Options", "DENY"),
    ]
    static let contentSecurityPolicy =
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

    static func json(_ status: Int, _ value: some Encodable) -> HTTPResponse {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let body = (try? encoder.encode(value)).map { Array($0) } ?? Array("{}".utf8)
        return HTTPResponse(status: status, headers: common + [("Content-Type", "application/json; charset=utf-8")], body: .bytes(body))
    }

    struct ErrorBody: Encodable {
        var error: String
        var message: String
        var reason: String?
    }

    static func error(_ status: Int, _ code: String, _ message: String, reason: String? = nil, headers: [(String, String)] = []) -> HTTPResponse {
        var response = json(status, ErrorBody(error: code, message: message, reason: reason))
        response.headers += headers
        return response
    }
}
