import Platform
import Arguments
import CCurl
import Configuration
import Foundation
import Submission

// `fotoboxctl status`: the running service's state, asked through the kiosk's loopback API
// (`GET /api/v1/status`, the kiosk's `StationStatus`: the visit's step, the frame counter, and the same
// health report the office gets). Two readings `--sample` seconds apart give the frame rate.

let statusCommand = Command(
    "status", summary: "the running service: visit step, camera and frame rate, queue depth, last error",
    discussion: """
        Asks fotoboxd on its loopback API ([kiosk] listen in the config, or --url) for GET /api/v1/status. The frame \
        rate is measured over --sample seconds from the service's frame counter. Exit 3 when the service does not \
        answer, 1 when the station is out of order.
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
        let status = try ServiceStatus.fetch(base: base, sampleSeconds: sample)
        if arguments.flag("json") {
            output.print(ctlJSON(status))
        } else {
            let health = status.station.health
            let rows: [[String]] = [
                ["service", "\(base) answers (\(health.softwareVersion))"],
                ["visit", status.station.step + (status.station.visitActive ? " (a citizen is at the station)" : "")],
                ["camera", status.station.camera],
                ["pad", health.pad.up ? "ok" : health.pad.detail],
                ["faults", status.station.faults.isEmpty ? "none" : status.station.faults.joined(separator: ", ") + " (out of order)"],
                ["frames", String(status.station.frames)],
                ["fps", status.framesPerSecond.map { String(format: "%.1f", $0) } ?? "not measured"],
                ["queue", "\(health.queueDepth) waiting" + (health.queueDepth > 0 ? ", oldest \(health.oldestQueuedSeconds) s" : "")],
                ["disk", "\(health.diskFreeBytes / 1_048_576) MB free"],
                ["last error", health.lastError ?? "none"]]
            alignedTable(rows).forEach { output.print($0) }
        }
        // Out of order (the welcome screen says so to citizens): a monitoring script must see it too.
        if !status.station.faults.isEmpty {
            throw CommandRunner.Failure(.failure, "out of order: \(status.station.faults.joined(separator: ", ")) not working")
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

/// What `status` prints: the kiosk's answer and the frame rate measured from two of them.
struct ServiceStatus: Encodable {
    var url: String
    var station: StationStatus
    var framesPerSecond: Double?

    static func fetch(base: String, sampleSeconds: Int) throws -> ServiceStatus {
        let first = try read(base)
        var status = ServiceStatus(url: base, station: first, framesPerSecond: nil)
        if sampleSeconds > 0 {
            let started = ContinuousClock.now
            usleep(UInt32(sampleSeconds) * 1_000_000)
            let second = try read(base)
            let elapsed = ContinuousClock.now - started
            let seconds = elapsed.inSeconds
            if second.frames >= first.frames {
                status.framesPerSecond = (Double(second.frames - first.frames) / seconds * 10).rounded() / 10
            }
            status.station = second
        }
        return status
    }

    private static func read(_ base: String) throws -> StationStatus {
        let answer = try get(base + "/api/v1/status", timeoutMilliseconds: 3_000)
        guard answer.status == 200, let decoded = try? JSONDecoder().decode(StationStatus.self, from: Data(answer.body)) else {
            throw CommandRunner.Failure(.failure, "\(base)/api/v1/status answered HTTP \(answer.status), not the service's status (a fotoboxd older than this fotoboxctl?)")
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
