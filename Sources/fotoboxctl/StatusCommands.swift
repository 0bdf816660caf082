import Arguments
import CCurl
import Configuration
import Foundation
import Outbox

// `fotoboxctl status`: the running service's state, asked through the kiosk's loopback API.
// The kiosk has no status endpoint yet: `GET /api/v1/status` is tried first, and while it answers 404 the
// state is put together from `GET /api/v1/health` (step, camera, frame counter: two samples give the frame
// rate) and `GET /api/v1/visit` (problem), with the queue read from the outbox database itself.

let statusCommand = Command(
    "status", summary: "the running service: visit step, camera and frame rate, queue depth, last error",
    discussion: """
        Asks fotoboxd on its loopback API ([kiosk] listen in the config, or --url). The frame rate is measured \
        over --sample seconds from the service's frame counter. The queue is read from the outbox database \
        (needs read access to [outbox] path and key). Exit 3 when the service does not answer.
        """,
    examples: ["fotoboxctl status", "fotoboxctl status --json", "fotoboxctl status --url http://127.0.0.1:8080"],
    options: [.value("config", "FILE", help: "the station's config file (default \(defaultConfigPath))"),
              .value("url", "URL", help: "the kiosk's base URL (default: http:// and [kiosk] listen)"),
              .value("sample", "SECONDS", help: "how long to count frames for the frame rate (default 1; 0: no rate)"),
              .flag("json", help: "print one JSON object")],
    action: { arguments, output in
        let sample = try arguments.integer("sample", in: 0...60) ?? 1
        let configPath = arguments.value("config") ?? defaultConfigPath
        // The config is optional here (the defaults name the usual address), unless it was asked for.
        var config: StationConfig?
        do { config = try StationConfig.load(path: configPath) } catch {
            if arguments.value("config") != nil { throw CommandRunner.Failure(.usage, "the config has errors:\n\(error)") }
        }
        let base = try baseURL(arguments.value("url"), config: config ?? StationConfig(), path: arguments.commandPath)
        let status = try ServiceStatus.fetch(base: base, sampleSeconds: sample, config: config)
        if arguments.flag("json") {
            output.print(ctlJSON(status))
        } else {
            var rows: [[String]] = [["service", "\(base) answers"]]
            rows.append(["visit", status.step + (status.visitActive == true ? " (a citizen is at the station)" : "")])
            rows.append(["camera", status.camera])
            rows.append(["faults", status.faults.isEmpty ? "none" : status.faults.joined(separator: ", ") + " (out of order)"])
            rows.append(["frames", status.frames.map(String.init) ?? "?"])
            rows.append(["fps", status.framesPerSecond.map { String(format: "%.1f", $0) } ?? "not measured"])
            rows.append(["queue", status.queue ?? "unknown (\(status.queueProblem ?? "no config"))"])
            rows.append(["last error", status.lastError ?? "none"])
            alignedTable(rows).forEach { output.print($0) }
            if !status.statusEndpoint {
                output.print("(the kiosk has no /api/v1/status: pieced together from /api/v1/health and /api/v1/visit)")
            }
        }
        // Out of order (the welcome screen says so to citizens): a monitoring script must see it too.
        if !status.faults.isEmpty {
            throw CommandRunner.Failure(.failure, "out of order: \(status.faults.joined(separator: ", ")) not working")
        }
        return .success
    })

private func baseURL(_ given: String?, config: StationConfig, path: [String]) throws -> String {
    if let given {
        guard given.hasPrefix("http://") || given.hasPrefix("https://") else {
            throw UsageError("--url needs http://HOST:PORT, not '\(given)'", commandPath: path)
        }
        return given.hasSuffix("/") ? String(given.dropLast()) : given
    }
    guard let listen = HostPort(config.kioskListen) else { return "http://127.0.0.1:8080" }
    // A service listening on every address answers on loopback too.
    let host = switch listen.host {
    case "0.0.0.0": "127.0.0.1"
    case "::": "[::1]"
    default: listen.host.contains(":") ? "[\(listen.host)]" : listen.host
    }
    return "http://\(host):\(listen.port)"
}

/// The service's state as `status --json` prints it.
struct ServiceStatus: Encodable {
    var url: String
    /// The kiosk answered `/api/v1/status` itself (else the state is pieced together).
    var statusEndpoint: Bool
    var step: String
    var visitActive: Bool?
    var camera: String
    var frames: UInt64?
    var framesPerSecond: Double?
    var queuePending: Int?
    var queue: String?
    var queueProblem: String?
    var lastError: String?
    /// What is out of order (`camera`, `pad`): the kiosk shows its out-of-order screen.
    var faults: [String] = []

    static func fetch(base: String, sampleSeconds: Int, config: StationConfig?) throws -> ServiceStatus {
        let timeout = 3_000
        var status = ServiceStatus(url: base, statusEndpoint: false, step: "?", camera: "?")
        // A future /api/v1/status answers with these same keys.
        let direct = try get(base + "/api/v1/status", timeoutMilliseconds: timeout)
        if direct.status == 200, let decoded = try? JSONDecoder().decode(ServiceStatus.Answer.self, from: Data(direct.body)) {
            status.statusEndpoint = true
            status.step = decoded.step ?? "?"
            status.camera = decoded.camera ?? "?"
            status.frames = decoded.frames
            status.framesPerSecond = decoded.framesPerSecond
            status.queuePending = decoded.queueDepth
            status.queue = decoded.queueDepth.map { "\($0) pending" }
            status.lastError = decoded.lastError
            status.faults = decoded.faults ?? []
            return status
        }
        let first = try health(base, timeout)
        status.step = first.step ?? "?"
        status.camera = first.camera ?? "?"
        status.frames = first.frames
        status.faults = first.faults ?? []
        if sampleSeconds > 0, let before = first.frames {
            let started = Date()
            usleep(UInt32(sampleSeconds) * 1_000_000)
            if let after = try health(base, timeout).frames, after >= before {
                status.frames = after
                status.framesPerSecond = (Double(after - before) / Date().timeIntervalSince(started) * 10).rounded() / 10
            }
        }
        let visit = try get(base + "/api/v1/visit", timeoutMilliseconds: timeout)
        if visit.status == 200, let decoded = try? JSONDecoder().decode(Answer.self, from: Data(visit.body)) {
            status.visitActive = decoded.active
            status.lastError = decoded.problem
        }
        if let config {
            do {
                let outbox = try Outbox(config: config)
                let queue = try outbox.status()
                status.queuePending = queue.pending + queue.sending
                status.queue = queue.summary
                if status.lastError == nil, let error = queue.lastError { status.lastError = "outbox: \(error)" }
            } catch {
                status.queueProblem = "\(error)"
            }
        }
        return status
    }

    /// The fields read from the kiosk's answers (all optional: each endpoint has some of them).
    struct Answer: Decodable {
        var step: String?
        var camera: String?
        var frames: UInt64?
        var framesPerSecond: Double?
        var queueDepth: Int?
        var lastError: String?
        var active: Bool?
        var problem: String?
        var faults: [String]?
    }

    private static func health(_ base: String, _ timeout: Int) throws -> Answer {
        let answer = try get(base + "/api/v1/health", timeoutMilliseconds: timeout)
        guard answer.status == 200, let decoded = try? JSONDecoder().decode(Answer.self, from: Data(answer.body)) else {
            throw CommandRunner.Failure(.failure, "\(base)/api/v1/health answered HTTP \(answer.status), not the service's health")
        }
        return decoded
    }

    /// One GET on libcurl with a hard time limit; a service that does not answer ends the command with 3.
    static func get(_ url: String, timeoutMilliseconds: Int) throws -> (status: Int, body: [UInt8]) {
        guard let handle = curl_easy_init() else { throw CommandRunner.Failure(.failure, "libcurl could not be initialised") }
        defer { curl_easy_cleanup(handle) }
        final class Body { var bytes: [UInt8] = [] }
        let body = Body()
        let unmanaged = Unmanaged.passRetained(body)
        defer { unmanaged.release() }
        let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        defer { errorBuffer.deallocate() }
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        _ = fotobox_curl_setopt_string(handle, CURLOPT_URL, url)
        _ = fotobox_curl_setopt_string(handle, CURLOPT_PROTOCOLS_STR, "http,https")
        _ = fotobox_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
        _ = fotobox_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, timeoutMilliseconds)
        _ = fotobox_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, timeoutMilliseconds)
        _ = fotobox_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer)
        _ = fotobox_curl_setopt_write(handle, CURLOPT_WRITEFUNCTION, { data, size, count, context in
            let body = Unmanaged<Body>.fromOpaque(context!).takeUnretainedValue()
            let length = size * count
            guard body.bytes.count + length <= 1 << 20 else { return 0 }
            if let data { body.bytes.append(contentsOf: UnsafeRawBufferPointer(start: data, count: length)) }
            return length
        })
        _ = fotobox_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, unmanaged.toOpaque())
        let code = curl_easy_perform(handle)
        guard code == CURLE_OK else {
            let detail = errorBuffer[0] != 0 ? String(cString: errorBuffer) : String(cString: curl_easy_strerror(code))
            throw CommandRunner.Failure(.deviceUnavailable, "the service does not answer at \(url): \(detail)")
        }
        var status = 0
        _ = fotobox_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return (status, body.bytes)
    }
}
