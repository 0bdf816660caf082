import Foundation
import Platform
import Submission

/// The running fotoboxd as `fotoboxctl status` sees it: its answer to `GET /api/v1/status` on the loopback
/// API, and the frame rate measured from two answers a sample apart. Read on the station's one HTTP client
/// (`HTTPClient`, peer `.loopback`: plain HTTP to a loopback address only).
public struct ServiceStatus: Encodable, Sendable {
    public var url: String
    public var station: StationStatus
    /// Frames per second over the sample, one decimal; nil when not measured (no sample, or the service restarted).
    public var framesPerSecond: Double?

    public init(url: String, station: StationStatus, framesPerSecond: Double?) {
        self.url = url
        self.station = station
        self.framesPerSecond = framesPerSecond
    }

    /// Why the status could not be read.
    public enum ReadError: Error, CustomStringConvertible {
        /// Nothing answered at the address (not running, wrong port, timed out).
        case noAnswer(url: String, detail: String)
        /// Something answered, but not with a station status (a fotoboxd older than this tool, another server).
        case notAStatus(url: String, httpStatus: Int)
        /// The URL is not plain HTTP to a loopback address: the kiosk's API has no TLS and is read on this machine only.
        case notLoopback(url: String, detail: String)
        case curlUnavailable

        public var description: String {
            switch self {
            case .noAnswer(let url, let detail): "the service does not answer at \(url): \(detail)"
            case .notAStatus(let url, let status):
                "\(url) answered HTTP \(status), not the service's status (a fotoboxd older than this fotoboxctl?)"
            case .notLoopback(_, let detail): "cannot read the status there: \(detail)"
            case .curlUnavailable: "libcurl could not be initialised"
            }
        }
    }

    /// Reads the status at `base` (such as http://127.0.0.1:8080) and, with `sampleSeconds` > 0, again that
    /// much later for the frame rate; each request has 3 s.
    public static func fetch(base: String, sampleSeconds: Int) throws(ReadError) -> ServiceStatus {
        let client: HTTPClient
        do { client = try HTTPClient(peer: .loopback(timeout: .seconds(3))) } catch { throw .curlUnavailable }
        let first = try read(base, on: client)
        var status = ServiceStatus(url: base, station: first, framesPerSecond: nil)
        if sampleSeconds > 0 {
            let started = ContinuousClock.now
            MonotonicClock.sleep(milliseconds: sampleSeconds * 1000)
            let second = try read(base, on: client)
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
            ["camera", station.camera.known == .ok ? "ok" : station.camera.label + (health.camera.up ? "" : " (\(health.camera.detail))")],
            ["pad", health.pad.up ? "ok" : health.pad.detail],
            ["faults", station.faults.isEmpty ? "none" : station.faults.map(\.label).joined(separator: ", ") + " (out of order)"],
            ["frames", String(station.frames)],
            ["fps", framesPerSecond.map { String(format: "%.1f", $0) } ?? "not measured"],
            ["queue", "\(health.queueDepth) waiting" + (health.queueDepth > 0 ? ", oldest \(health.oldestQueuedSeconds) s" : "")],
            ["disk", "\(health.diskFreeBytes / 1_048_576) MB free"],
            ["last error", health.lastError ?? "none"],
        ])
    }

    private static func read(_ base: String, on client: HTTPClient) throws(ReadError) -> StationStatus {
        let url = base + "/api/v1/status"
        let answer: HTTPClient.Answer
        switch client.get(url, headers: ["Accept: application/json"]) {
        case .success(let success): answer = success
        case .failure(let failure) where failure.refusedURL: throw .notLoopback(url: url, detail: failure.detail)
        case .failure(let failure): throw .noAnswer(url: url, detail: failure.detail)
        }
        guard answer.status == 200, let decoded = try? JSONDecoder().decode(StationStatus.self, from: Data(answer.body)) else {
            throw .notAStatus(url: url, httpStatus: answer.status)
        }
        return decoded
    }
}
