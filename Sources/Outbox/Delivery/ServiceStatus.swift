import CCurl
import Foundation
import Platform
import Submission

/// The running fotoboxd as `fotoboxctl status` sees it: its answer to `GET /api/v1/status` on the loopback
/// API, and the frame rate measured from two answers a sample apart. Read on libcurl here, beside the
/// uploader, so the station has one HTTP client.
public struct ServiceStatus: Encodable, Sendable {
    public var url: String
    public var station: StationStatus
    /// Frames per second over the sample, one decimal; nil when not measured (no sample, or the service restarted).
    public var framesPerSecond: Double?

    /// Why the status could not be read.
    public enum ReadError: Error, CustomStringConvertible {
        /// Nothing answered at the address (not running, wrong port, timed out).
        case noAnswer(url: String, detail: String)
        /// Something answered, but not with a station status (a fotoboxd older than this tool, another server).
        case notAStatus(url: String, httpStatus: Int)
        case curlUnavailable

        public var description: String {
            switch self {
            case .noAnswer(let url, let detail): "the service does not answer at \(url): \(detail)"
            case .notAStatus(let url, let status):
                "\(url) answered HTTP \(status), not the service's status (a fotoboxd older than this fotoboxctl?)"
            case .curlUnavailable: "libcurl could not be initialised"
            }
        }
    }

    /// Reads the status at `base` (such as http://127.0.0.1:8080) and, with `sampleSeconds` > 0, again that
    /// much later for the frame rate; each request has 3 s.
    public static func fetch(base: String, sampleSeconds: Int) throws(ReadError) -> ServiceStatus {
        let first = try read(base)
        var status = ServiceStatus(url: base, station: first, framesPerSecond: nil)
        if sampleSeconds > 0 {
            let started = ContinuousClock.now
            Thread.sleep(forTimeInterval: Double(sampleSeconds))
            let second = try read(base)
            let seconds = (ContinuousClock.now - started).inSeconds
            if second.frames >= first.frames {
                status.framesPerSecond = (Double(second.frames - first.frames) / seconds * 10).rounded() / 10
            }
            status.station = second
        }
        return status
    }

    /// The status for a person, one aligned line per part.
    public var summaryLines: [String] {
        let health = station.health
        return TextTable.aligned([
            ["service", "\(url) answers (\(health.softwareVersion))"],
            ["visit", station.step.label + (station.visitActive ? " (a citizen is at the station)" : "")],
            ["camera", station.camera],
            ["pad", health.pad.up ? "ok" : health.pad.detail],
            ["faults", station.faults.isEmpty ? "none" : station.faults.map(\.label).joined(separator: ", ") + " (out of order)"],
            ["frames", String(station.frames)],
            ["fps", framesPerSecond.map { String(format: "%.1f", $0) } ?? "not measured"],
            ["queue", "\(health.queueDepth) waiting" + (health.queueDepth > 0 ? ", oldest \(health.oldestQueuedSeconds) s" : "")],
            ["disk", "\(health.diskFreeBytes / 1_048_576) MB free"],
            ["last error", health.lastError ?? "none"],
        ])
    }

    private static func read(_ base: String) throws(ReadError) -> StationStatus {
        let url = base + "/api/v1/status"
        let answer = try get(url, timeoutMilliseconds: 3_000)
        guard answer.status == 200, let decoded = try? JSONDecoder().decode(StationStatus.self, from: Data(answer.body)) else {
            throw .notAStatus(url: url, httpStatus: answer.status)
        }
        return decoded
    }

    /// One GET with a hard time limit and a 1 MiB answer limit.
    private static func get(_ url: String, timeoutMilliseconds: Int) throws(ReadError) -> (status: Int, body: [UInt8]) {
        guard let handle = curl_easy_init() else { throw .curlUnavailable }
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
            throw .noAnswer(url: url, detail: detail)
        }
        var status = 0
        _ = fotobox_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return (status, body.bytes)
    }
}
