import WebServer
import VisitCore
import Capture
import Configuration
import Foundation
import Devices
import Submission
import Platform

/// The kiosk's HTTP API (`docs/kiosk-api.md`): JSON under /api/v1/, the preview as MJPEG, state changes
/// as Server-Sent Events, and the UI's static files. Every request is answered; bad ones with a 4xx
/// and a JSON `{"error", "message"}`.
public struct KioskAPI: Sendable {
    public let service: VisitService
    public let files: StaticFiles
    /// Host headers accepted (DNS rebinding: a page elsewhere must not reach the API through a name that
    /// resolves to 127.0.0.1); nil accepts any (when the config binds a non-loopback address).
    public let allowedHosts: Set<String>?
    /// What the page needs to know about this station's screen and guidance.
    public let station: StationInfo
    /// Reads texts aloud ("Vorlesen"); nil: no speech on this station.
    public let speech: SpeechSynthesizer?
    /// Open event streams (no token needed) and preview streams: each holds a connection (and a thread) for
    /// as long as it lasts, so together they stay well below the server's connection limit and
    /// `/api/v1/health` and the visit's own requests always find a connection (issue 16, item 8).
    let eventStreams: StreamSlots
    let previewStreams: StreamSlots

    /// At most this many event streams at once (the UI opens one; a reload may briefly hold a second).
    public static let maximumEventStreams = 8
    /// At most this many preview streams at once (the visit's owner only).
    public static let maximumPreviewStreams = 4

    /// Event streams open now.
    public var openEventStreams: Int { eventStreams.inUse }

    /// The station's health report, for Prometheus (`GET /metrics`, text format) and `GET /api/v1/status`;
    /// nil: both 404.
    public let health: (@Sendable () -> StationHealthReport)?

    public init(service: VisitService, files: StaticFiles, allowedHosts: Set<String>?, station: StationInfo = StationInfo(),
                speech: SpeechSynthesizer? = nil, health: (@Sendable () -> StationHealthReport)? = nil) {
        self.health = health
        self.service = service
        self.files = files
        self.allowedHosts = allowedHosts
        self.station = station
        self.speech = speech
        eventStreams = StreamSlots(limit: Self.maximumEventStreams)
        previewStreams = StreamSlots(limit: Self.maximumPreviewStreams)
    }

    /// The Host values a loopback server on `port` answers to.
    public static func loopbackHosts(port: UInt16) -> Set<String> {
        var hosts: Set<String> = ["127.0.0.1:\(port)", "localhost:\(port)", "[::1]:\(port)"]
        if port == 80 { hosts.formUnion(["127.0.0.1", "localhost", "[::1]"]) }
        return hosts
    }

    public func handle(_ request: HTTPRequest) -> HTTPResponse {
        if let allowedHosts, !allowedHosts.contains(request.headers["host"]?.lowercased() ?? "") {
            return KioskResponses.error(421, "wrong-host", "this server answers only to its loopback address")
        }
        if request.path == "/metrics", let health {
            guard request.method == "GET" else { return methodNotAllowed("GET") }
            return HTTPResponse(status: 200, headers: KioskResponses.common + [("Content-Type", "text/plain; version=0.0.4; charset=utf-8")],
                                body: .bytes(Array(health().prometheusText().utf8)))
        }
        guard request.path.hasPrefix("/api/") else {
            guard request.method == "GET" || request.method == "HEAD" else { return methodNotAllowed("GET") }
            return files.response(for: request.path)
        }
        let token = request.headers["x-visit-token"] ?? request.query["token"]
        switch request.path {
        case "/api/v1/visit":
            switch request.method {
            case "GET": return KioskResponses.json(200, service.snapshot(token: token))
            case "POST": return startVisit(request)
            case "DELETE": return act(.cancel, token)
            default: return methodNotAllowed("GET, POST, DELETE")
            }
        case "/api/v1/visit/photo":
            guard request.method == "GET" else { return methodNotAllowed("GET") }
            guard let jpeg = service.photo(token: token) else { return KioskResponses.error(404, "no-photo", "no photo for this visit") }
            return HTTPResponse(status: 200, headers: KioskResponses.common + [("Content-Type", "image/jpeg")], body: .bytes(jpeg))
        case "/api/v1/visit/signature" where request.method != "POST":
            guard request.method == "GET" else { return methodNotAllowed("GET, POST") }
            guard service.owns(token) else { return KioskResponses.error(403, "not-your-visit", VisitRefusal.notYourVisit.description) }
            return KioskResponses.json(200, SignatureMirror(service.signatureMirror(token: token)))
        case "/api/v1/preview":
            guard request.method == "GET" else { return methodNotAllowed("GET") }
            guard service.owns(token) else { return KioskResponses.error(403, "not-your-visit", VisitRefusal.notYourVisit.description) }
            guard let slot = previewStreams.acquire() else { return Self.tooManyStreams }
            return HTTPResponse(status: 200, headers: KioskResponses.common + [("Content-Type", "multipart/x-mixed-replace; boundary=\(PreviewStream.boundary)")],
                                body: .stream { PreviewStream(service: service, token: token, slot: slot) })
        case "/api/v1/events":
            guard request.method == "GET" else { return methodNotAllowed("GET") }
            guard let slot = eventStreams.acquire() else { return Self.tooManyStreams }
            return HTTPResponse(status: 200, headers: KioskResponses.common + [("Content-Type", "text/event-stream; charset=utf-8")],
                                body: .stream { EventStream(service: service, slot: slot) })
        case "/api/v1/health":
            guard request.method == "GET" else { return methodNotAllowed("GET") }
            let snapshot = service.snapshot(token: nil)
            return KioskResponses.json(200, Health(step: snapshot.step, camera: snapshot.camera, frames: service.frameCount,
                                                   faults: snapshot.faults))
        case "/api/v1/status":
            guard request.method == "GET" else { return methodNotAllowed("GET") }
            guard let health else { return KioskResponses.error(404, "not-found", "no such resource") }
            let snapshot = service.snapshot(token: nil)
            return KioskResponses.json(200, StationStatus(step: snapshot.step, visitActive: service.residue.hasVisit, camera: snapshot.camera,
                                                          frames: service.frameCount, faults: snapshot.faults, health: health()))
        case "/api/v1/station":
            guard request.method == "GET" else { return methodNotAllowed("GET") }
            var info = station
            info.speech = speech?.isAvailable ?? false
            return KioskResponses.json(200, info)
        case "/api/v1/speech":
            guard request.method == "GET" else { return methodNotAllowed("GET") }
            return speak(request)
        default:
            break
        }
        guard request.path.hasPrefix("/api/v1/visit/") else { return KioskResponses.error(404, "not-found", "no such resource") }
        guard request.method == "POST" else { return methodNotAllowed("POST") }
        if let refusal = refuseCrossOrigin(request) { return refusal }
        guard let action = VisitAction(rawValue: String(request.path.dropFirst("/api/v1/visit/".count))) else {
            return KioskResponses.error(404, "not-found", "no such action")
        }
        switch action.event(request.body) {
        case .event(let event): return act(event, token)
        case .refused(let response): return response
        }
    }

    // MARK: parts

    private func startVisit(_ request: HTTPRequest) -> HTTPResponse {
        if let refusal = refuseCrossOrigin(request) { return refusal }
        let language: Language
        switch VisitAction.decode(StartBody.self, request.body, field: "language", expected: VisitAction.languages) {
        case .decoded(let body): language = body.language ?? service.snapshot(token: nil).language
        case .refused(let response): return response
        }
        do throws(VisitRefusal) {
            let (token, snapshot) = try service.startVisit(language)
            return KioskResponses.json(201, Started(token: token, visit: snapshot))
        } catch {
            return refused(error)
        }
    }

    /// `GET /api/v1/speech?lang=de&text=…`: the text spoken in the language's voice, as WAV.
    private func speak(_ request: HTTPRequest) -> HTTPResponse {
        guard let speech else { return KioskResponses.error(404, "no-speech", "this station has no speech output") }
        guard let language = request.query["lang"].flatMap(Language.init(rawValue:)) else { return badField("lang", VisitAction.languages) }
        guard let text = request.query["text"], !text.isEmpty, text.count <= SpeechSynthesizer.maximumCharacters else {
            return badField("text", "1 to \(SpeechSynthesizer.maximumCharacters) characters")
        }
        do throws(SpeechError) {
            let wav = try speech.wav(text, language: language)
            return HTTPResponse(status: 200, headers: KioskResponses.common + [("Content-Type", "audio/wav")], body: .bytes(wav))
        } catch {
            switch error {
            case .busy: return KioskResponses.error(429, "speech-busy", error.description)
            case .unavailable, .failed: return KioskResponses.error(503, "speech-unavailable", error.description)
            }
        }
    }

    private func act(_ event: VisitEvent, _ token: String?) -> HTTPResponse {
        do throws(VisitRefusal) {
            return KioskResponses.json(200, try service.perform(event, token: token))
        } catch {
            return refused(error)
        }
    }

    func refused(_ refusal: VisitRefusal) -> HTTPResponse {
        let status: Int
        var reason: String? = nil
        switch refusal {
        case .wrongStep, .visitInProgress, .noRetakesLeft: status = 409
        case .notYourVisit: status = 403
        case .caseNumberRefused(let why): status = 422; reason = why.code
        case .cameraUnavailable, .outOfOrder: status = 503
        }
        return KioskResponses.error(status, refusal.code, refusal.description, reason: reason)
    }

    /// All stream slots taken: answered at once (the client's EventSource retries), never left waiting.
    static var tooManyStreams: HTTPResponse {
        // Connection: close, so a refused stream gives its connection back at once instead of idling on it.
        KioskResponses.error(503, "too-many-streams", "too many open streams; try again shortly",
                             headers: [("Retry-After", "5"), ("Connection", "close")])
    }

    /// A browser sends Origin on cross-site POSTs; only our own page may act. `null` is what a sandboxed
    /// frame, a `file:` page or a redirect chain sends: never our own page, so it is refused like any
    /// foreign origin (issue 16, item 9).
    private func refuseCrossOrigin(_ request: HTTPRequest) -> HTTPResponse? {
        guard let origin = request.headers["origin"] else { return nil }
        if origin.lowercased() == "null" { return KioskResponses.error(403, "cross-origin", "requests from other pages are refused") }
        if let allowedHosts {
            let host = origin.hasPrefix("http://") ? String(origin.dropFirst(7)) : origin
            if !allowedHosts.contains(host.lowercased()) { return KioskResponses.error(403, "cross-origin", "requests from other pages are refused") }
        }
        return nil
    }

    private func badField(_ name: String, _ expected: String) -> HTTPResponse { VisitAction.badField(name, expected) }

    private func methodNotAllowed(_ allowed: String) -> HTTPResponse {
        KioskResponses.error(405, "method-not-allowed", "allowed: \(allowed)", headers: [("Allow", allowed)])
    }

    struct Started: Encodable {
        var token: String
        var visit: VisitSnapshot
    }

    struct Health: Encodable {
        var step: VisitStep
        var camera: CameraState
        var frames: UInt64
        /// What is out of order (`camera`, `pad`); `fotoboxctl status` exits non-zero with any.
        var faults: [StationFault]
    }
}

/// The pad's strokes for the on-screen mirror, scaled to 0…1 (x right, y down).
struct SignatureMirror: Encodable {
    var aspect: Double
    var strokes: [[[Double]]]

    init(_ signature: Signature?) {
        guard let signature, signature.padWidth > 0, signature.padHeight > 0 else {
            aspect = 1.6
            strokes = []
            return
        }
        aspect = signature.padWidth / signature.padHeight
        strokes = signature.strokes.map { stroke in
            stroke.map { point in
                [(point.x / signature.padWidth * 1000).rounded() / 1000, (point.y / signature.padHeight * 1000).rounded() / 1000,
                 (point.pressure * 100).rounded() / 100]
            }
        }
    }
}

/// `multipart/x-mixed-replace`: one JPEG part per new preview frame, for the visit's owner, until the
/// visit ends or the service stops.
///
/// Not `Sendable`: made and read by the one thread serving its connection (see `HTTPStream`).
final class PreviewStream: HTTPStream {
    static let boundary = "fotobox-frame"
    private let service: VisitService
    private let token: String?
    private var sequence = 0
    /// Held while the stream lasts; released when libmicrohttpd frees the response.
    private let slot: StreamSlot

    init(service: VisitService, token: String?, slot: StreamSlot) {
        self.service = service
        self.token = token
        self.slot = slot
    }

    private var lastJPEG: [UInt8]?
    private var idleSeconds = 0

    func next() -> [UInt8]? {
        while service.isRunning && service.owns(token) {
            guard let (jpeg, sequence) = service.waitForPreview(after: sequence, token: token, timeout: .seconds(1)) else {
                // No new frame: repeat the last one every 10 s, so the connection is not closed as idle.
                idleSeconds += 1
                guard idleSeconds >= 10, let lastJPEG else { continue }
                idleSeconds = 0
                return Self.part(lastJPEG)
            }
            self.sequence = sequence
            idleSeconds = 0
            lastJPEG = jpeg
            return Self.part(jpeg)
        }
        return nil
    }

    static func part(_ jpeg: [UInt8]) -> [UInt8] {
        Array("--\(boundary)\r\nContent-Type: image/jpeg\r\nContent-Length: \(jpeg.count)\r\n\r\n".utf8) + jpeg + Array("\r\n".utf8)
    }
}

/// Server-Sent Events: `event: state` with the public snapshot whenever the revision changes, a comment
/// every 15 s so proxies and the browser see the connection alive.
///
/// Not `Sendable`: made and read by the one thread serving its connection (see `HTTPStream`).
final class EventStream: HTTPStream {
    private let service: VisitService
    private var revision: Int?
    /// Held while the stream lasts; released when libmicrohttpd frees the response.
    private let slot: StreamSlot

    init(service: VisitService, slot: StreamSlot) {
        self.service = service
        self.slot = slot
    }

    func next() -> [UInt8]? {
        guard service.isRunning else { return nil }
        if let revision {
            let now = service.waitForChange(after: revision, timeout: .seconds(15))
            guard service.isRunning else { return nil }
            if now == revision { return Array(": keep-alive\n\n".utf8) }
        }
        let snapshot = service.snapshot(token: nil)
        revision = snapshot.revision
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = (try? encoder.encode(snapshot)).flatMap { String(data: $0, encoding: .utf8) } ?? "{}"
        return Array("retry: 2000\nid: \(snapshot.revision)\nevent: state\ndata: \(json)\n\n".utf8)
    }
}

/// The station's screen and guidance as the page needs them (`GET /api/v1/station`).
public struct StationInfo: Sendable, Encodable, Equatable {
    /// Where the controls go: `low` puts every control in the lower part of the screen, reachable seated
    /// (DIN 18040-1: 85–105 cm); `auto` is low on a portrait screen. The config's enum (`kiosk.layout`), one type.
    public typealias Layout = StationConfig.KioskLayout

    /// The oval the preview shows, in fractions of the frame: the same numbers the guidance judges by.
    public struct Oval: Sendable, Encodable, Equatable {
        public var centerX: Double
        public var centerY: Double
        /// Of the frame's height.
        public var height: Double
        /// Width over height in pixels.
        public var aspect: Double

        public init(centerX: Double, centerY: Double, height: Double, aspect: Double) {
            self.centerX = centerX
            self.centerY = centerY
            self.height = height
            self.aspect = aspect
        }
    }

    public var layout: Layout
    /// nil: the page's own default oval (no guidance pipeline behind this station).
    public var oval: Oval?
    /// Whether "Vorlesen" can speak here.
    public var speech: Bool

    public init(layout: Layout = .auto, oval: Oval? = nil, speech: Bool = false) {
        self.layout = layout
        self.oval = oval
        self.speech = speech
    }

    /// The layout for a screen whose top edge is `screenTopCentimetres` above the floor (nil: unknown):
    /// a screen reaching above 105 cm (DIN 18040-1's highest control) gets the low layout.
    public static func layout(configured: Layout, screenTopCentimetres: Int?) -> Layout {
        guard configured == .auto, let top = screenTopCentimetres else { return configured }
        return top > 105 ? .low : .standard
    }
}

/// A counted set of places for long-lived streams. `acquire` gives a place or nil when all are taken; the
/// place is given back when its `StreamSlot` goes away (with the stream that holds it).
final class StreamSlots: Sendable {
    let limit: Int
    private let used = Locked(0)

    init(limit: Int) { self.limit = limit }

    func acquire() -> StreamSlot? {
        let granted = used.withLock { count -> Bool in
            guard count < limit else { return false }
            count += 1
            return true
        }
        return granted ? StreamSlot(self) : nil
    }

    fileprivate func release() { used.withLock { $0 -= 1 } }

    /// Places in use (tests).
    var inUse: Int { used.withLock { $0 } }
}

/// One taken place of `StreamSlots`, given back at deinit.
final class StreamSlot: Sendable {
    private let slots: StreamSlots
    fileprivate init(_ slots: StreamSlots) { self.slots = slots }
    deinit { slots.release() }
}
