import Configuration
import Foundation

/// A part of the station that is out of order. With any of them the welcome screen says so in every
/// language and no visit starts: a citizen must not find out after twelve taps (or after the photo).
/// Defined here, below the visit core, because the station's status on the wire (`StationStatus`) carries it.
public enum StationFault: String, Sendable, Hashable, CaseIterable, Codable {
    case camera
    case pad
}

/// What fotoboxd answers on its loopback port to `GET /api/v1/status` (`fotoboxctl status`): where the visit
/// stands, the frame counter (two readings give the frame rate) and the same health report the office gets.
///
/// The step and the faults are `Reported`: an older fotoboxctl reading a newer fotoboxd shows a step or fault it
/// does not know by its name (`label`) instead of failing to read the whole status; an unknown fault still
/// counts as out of order.
public struct StationStatus: Codable, Sendable, Equatable {
    /// The visit's step (`welcome` when nobody is at the station).
    public var step: Reported<VisitStep>
    /// A citizen's visit is open.
    public var visitActive: Bool
    /// "ok", or what is wrong with the camera.
    public var camera: String
    /// Frames received since the service started.
    public var frames: UInt64
    /// What is out of order (`camera`, `pad`): the welcome screen says so and starts no visit.
    public var faults: [Reported<StationFault>]
    public var health: StationHealthReport

    public init(step: VisitStep, visitActive: Bool, camera: String, frames: UInt64, faults: [StationFault], health: StationHealthReport) {
        self.init(step: .known(step), visitActive: visitActive, camera: camera, frames: frames, faults: faults.map(Reported.known),
                  health: health)
    }

    /// A status as read, possibly from another version.
    public init(step: Reported<VisitStep>, visitActive: Bool, camera: String, frames: UInt64, faults: [Reported<StationFault>],
                health: StationHealthReport) {
        self.step = step
        self.visitActive = visitActive
        self.camera = camera
        self.frames = frames
        self.faults = faults
        self.health = health
    }
}

/// What a station tells the office about itself every minute (`POST /v1/fleet/health`, station
/// certificate): the state of its parts and its queue. Deliberately no biometric data, no case numbers:
/// counts, states, times and versions only. Shared by the station (which sends it) and the office (which
/// turns it into the fleet page and `/metrics`), so both read the same fields.
public struct StationHealthReport: Codable, Sendable, Equatable {
    /// A part that is either working or not, with a short reason when not.
    public struct Part: Codable, Sendable, Equatable {
        public var up: Bool
        /// The camera's name, or why the part is down ("no camera at /dev/video0"); never personal data.
        public var detail: String
        public init(up: Bool, detail: String) {
            self.up = up
            self.detail = String(detail.prefix(200))
        }
    }

    public var stationId: String
    public var softwareVersion: String
    /// The station's clock when it sent the report (ISO 8601 UTC); the office derives the clock offset.
    public var sentAt: String
    public var camera: Part
    public var pad: Part
    /// Free bytes on the outbox's file system.
    public var diskFreeBytes: Int64
    /// Submissions waiting for delivery, and the age of the oldest in seconds (0 when none).
    public var queueDepth: Int
    public var oldestQueuedSeconds: Int
    /// The delivery's last error (the office's or the network's words), nil when the last attempt worked.
    public var lastError: String?
    /// Submissions the station queued since it started (completed visits).
    public var submissionsQueued: Int

    public init(stationId: String, softwareVersion: String, sentAt: String, camera: Part, pad: Part, diskFreeBytes: Int64,
                queueDepth: Int, oldestQueuedSeconds: Int, lastError: String?, submissionsQueued: Int) {
        self.stationId = stationId
        self.softwareVersion = softwareVersion
        self.sentAt = sentAt
        self.camera = camera
        self.pad = pad
        self.diskFreeBytes = diskFreeBytes
        self.queueDepth = queueDepth
        self.oldestQueuedSeconds = oldestQueuedSeconds
        self.lastError = lastError.map { String($0.prefix(300)) }
        self.submissionsQueued = submissionsQueued
    }

    /// The largest report the office reads.
    public static let byteLimit = 8 << 10

    /// The checks the office makes before keeping a report.
    public func validate() throws(SubmissionError) {
        guard CaseIDPolicy.isSafe(stationId) else { throw .metadata("stationId must be 1-64 letters, digits, '-' or '_'") }
        for (name, value) in [("softwareVersion", softwareVersion), ("sentAt", sentAt), ("camera.detail", camera.detail),
                              ("pad.detail", pad.detail), ("lastError", lastError ?? "")] {
            guard value.utf8.count <= 300, value.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F }) else {
                throw .metadata("\(name) must be at most 300 printable characters")
            }
        }
        guard diskFreeBytes >= 0, queueDepth >= 0, oldestQueuedSeconds >= 0, submissionsQueued >= 0 else {
            throw .metadata("counts must not be negative")
        }
    }

    /// The station's own metrics in the Prometheus text format (fotoboxd's `/metrics`).
    public func prometheusText() -> String {
        var text = PrometheusText()
        let labels = ["station": stationId]
        text.gauge("fotobox_station_camera_up", "1 when the camera delivers frames", labels, camera.up ? 1 : 0)
        text.gauge("fotobox_station_pad_up", "1 when the signature pad is usable", labels, pad.up ? 1 : 0)
        text.gauge("fotobox_station_disk_free_bytes", "free bytes on the outbox's file system", labels, Double(diskFreeBytes))
        text.gauge("fotobox_station_queue_depth", "submissions waiting for delivery", labels, Double(queueDepth))
        text.gauge("fotobox_station_queue_oldest_seconds", "age of the oldest waiting submission", labels, Double(oldestQueuedSeconds))
        text.gauge("fotobox_station_delivery_failing", "1 when the last delivery attempt failed", labels, lastError == nil ? 0 : 1)
        text.counter("fotobox_station_submissions_total", "submissions queued since the station started", [(labels, Double(submissionsQueued))])
        text.gauge("fotobox_station_info", "the station's software", labels.merging(["version": softwareVersion]) { $1 }, 1)
        return text.text
    }
}

/// Builds the Prometheus text exposition format (version 0.0.4): HELP and TYPE once per family, label
/// values escaped.
public struct PrometheusText: Sendable {
    public private(set) var text = ""
    public init() {}

    public mutating func gauge(_ name: String, _ help: String, _ labels: [String: String], _ value: Double) {
        family(name, help, "gauge", [(labels, value)])
    }

    public mutating func gauge(_ name: String, _ help: String, _ samples: [([String: String], Double)]) {
        family(name, help, "gauge", samples)
    }

    public mutating func counter(_ name: String, _ help: String, _ samples: [([String: String], Double)]) {
        family(name, help, "counter", samples)
    }

    /// A histogram from cumulative bucket counts (upper bounds ascending), the sum and the count.
    public mutating func histogram(_ name: String, _ help: String, bounds: [Double], cumulative: [Int], sum: Double, count: Int) {
        text += "# HELP \(name) \(help)\n# TYPE \(name) histogram\n"
        for (bound, value) in zip(bounds, cumulative) { text += "\(name)_bucket{le=\"\(Self.number(bound))\"} \(value)\n" }
        text += "\(name)_bucket{le=\"+Inf\"} \(count)\n\(name)_sum \(Self.number(sum))\n\(name)_count \(count)\n"
    }

    private mutating func family(_ name: String, _ help: String, _ type: String, _ samples: [([String: String], Double)]) {
        text += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
        for (labels, value) in samples { text += name + Self.labels(labels) + " " + Self.number(value) + "\n" }
    }

    static func labels(_ labels: [String: String]) -> String {
        guard !labels.isEmpty else { return "" }
        let escaped = labels.sorted { $0.key < $1.key }.map { key, value in
            let safe = value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
                .replacingOccurrences(of: "\n", with: "\\n")
            return "\(key)=\"\(safe)\""
        }
        return "{" + escaped.joined(separator: ",") + "}"
    }

    static func number(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }
}
