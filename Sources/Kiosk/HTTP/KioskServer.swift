import WebServer
import VisitCore
import Configuration
import Foundation
import Submission
import Platform

/// The kiosk's local server: the API over libmicrohttpd on the configured address (loopback unless the
/// config says otherwise).
public final class KioskServer: Sendable {
    public let api: KioskAPI
    private let http: HTTPServer

    /// `port` 0 lets the kernel choose (tests).
    /// `metrics` renders `GET /metrics` (the Prometheus text format); nil: no metrics.
    public init(service: VisitService, host: String, port: UInt16, staticDirectory: String, station: StationInfo = StationInfo(),
                speech: SpeechSynthesizer? = nil, health: (@Sendable () -> StationHealthReport)? = nil) throws(HTTPServerError) {
        // The API (with its Host check) must exist before the first request, and the Host check needs the
        // bound port: so bind first, answering 503 until the API is set.
        let box = APIBox()
        // Every body of the API is small JSON: one limit, refused before it is read when announced.
        let respond: @Sendable (HTTPRequest) -> HTTPResponse = { request in
            box.api?.handle(request) ?? KioskResponses.error(503, "starting", "the station is starting")
        }
        let tooLarge: @Sendable () -> HTTPResponse = {
            KioskResponses.error(413, "too-large", "the request body exceeds \(Self.bodyByteLimit) bytes")
        }
        http = try HTTPServer(host: host, port: port) { _ in .read(limit: Self.bodyByteLimit, tooLarge: tooLarge, respond: respond) }
        api = KioskAPI(service: service, files: StaticFiles(root: staticDirectory),
                       allowedHosts: HostPort(host: host, port: port).isLoopback ? KioskAPI.loopbackHosts(port: http.port) : nil,
                       station: station, speech: speech, health: health)
        box.set(api)
    }

    /// The largest request body the API reads.
    public static let bodyByteLimit = 16 * 1024

    public var port: UInt16 { http.port }
    public var url: String {
        let host = http.host.contains(":") ? "[\(http.host)]" : http.host
        return "http://\(host):\(port)/"
    }

    public func stop() { http.stop() }
}


private final class APIBox: Sendable {
    private let value = Locked<KioskAPI?>(nil)
    var api: KioskAPI? { value.withLock { $0 } }
    func set(_ api: KioskAPI) { value.withLock { $0 = api } }
}
