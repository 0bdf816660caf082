#if canImport(Glibc)
import Glibc
#endif
import Submission
import WebServer
import VisitCore
import Capture
import Foundation
import Compliance
import Configuration
import FaceAnalysis
import Devices
import Outbox
import Platform
import Liveness

/// Why the station cannot start; each names the config key to look at.
public enum StationError: Error, Sendable, CustomStringConvertible {
    case caseRules(CaseIDPolicyError)
    case camera(CameraError)
    case server(HTTPServerError)
    case models(String)
    case outbox(String)

    public var description: String {
        switch self {
        case .caseRules(let error): "case-number rules ([visit]): \(error)"
        case .camera(let error): "camera.device: \(error)"
        case .server(let error): "kiosk.listen: \(error)"
        case .models(let reason): "models.directory: \(reason)"
        case .outbox(let reason): "outbox: \(reason)"
        }
    }
}

/// The running station: the visit service on its ports and the kiosk server in front of it.
public final class Station: Sendable {
    public let service: VisitService
    public let server: KioskServer
    public let journal: Journal
    public let ports: VisitService.Ports
    /// Reports the station's health to the office every `backend.health-interval` (nil without a usable backend).
    public let fleetReporter: FleetReporter?

    /// Builds the ports from the config, starts the service and the server.
    public init(config: StationConfig, journal: Journal, scratchDirectory: String? = Station.runtimeDirectory) throws(StationError) {
        self.journal = journal
        let validator: @Sendable (String) -> CaseIDRules.Rejection?
        do { validator = try CaseNumberRules.validator(pattern: config.caseIDPattern, checkDigit: config.caseIDCheckDigit) }
        catch { throw .caseRules(error) }
        ports = try StationPorts.make(config: config, journal: journal)
        let camera = StationPorts.camera(config: config, journal: journal)
        let settings = VisitSettings(inactivityTimeout: config.inactivityTimeout,
                                     faceKeepsAliveFor: config.faceKeepsAlive,
                                     autoCaptureHold: config.autoCaptureHold,
                                     liveness: config.livenessMode)
        let machine = VisitMachine(settings: settings, now: MonotonicKioskClock().now(), validateCaseNumber: validator)
        service = VisitService(machine: machine, ports: ports, frames: camera, clock: MonotonicKioskClock(), journal: journal,
                               scratchDirectory: scratchDirectory)
        let health = Station.healthReporter(stationID: config.stationID, service: service, ports: ports)
        let listen = config.kioskListen
        let oval = GuidanceOval()
        let layout = StationInfo.layout(configured: config.kioskLayout,
                                        screenTopCentimetres: config.kioskScreenTopCentimetres)
        let station = StationInfo(layout: layout,
                                  oval: StationInfo.Oval(centerX: oval.centerX, centerY: oval.centerY, height: oval.height, aspect: oval.aspect))
        do {
            server = try KioskServer(service: service, host: listen.host, port: listen.port, staticDirectory: config.kioskStaticDirectory,
                                     station: station, speech: SpeechSynthesizer(), health: health)
        } catch { throw .server(error) }
        fleetReporter = try? FleetReporter(settings: UploaderSettings(config: config), interval: config.healthInterval,
                                           report: health, log: { line in journal.log(.warning, line, [("event", "fleet-report")]) })
        service.start()
        fleetReporter?.start()
    }

    /// Builds the station's health report from its parts: camera and pad state, the outbox's queue and
    /// disk. No case numbers, no images.
    static func healthReporter(stationID: String, service: VisitService, ports: VisitService.Ports) -> @Sendable () -> StationHealthReport {
        let queue = ports.queue as? OutboxSubmissionQueue
        let pad = ports.pad
        return {
            let snapshot = service.snapshot(token: nil)
            let status = queue?.status()
            let oldest = status?.oldestUndelivered.map { max(0, Int(Date().timeIntervalSince($0))) } ?? 0
            let free = queue.flatMap { try? FileSystem.freeBytes($0.directory) } ?? 0
            return StationHealthReport(
                stationId: stationID, softwareVersion: CaptureMetadata.currentSoftwareVersion, sentAt: CaptureMetadata.timestamp(Date()),
                camera: .init(up: !snapshot.faults.contains(.camera), detail: service.cameraName),
                pad: .init(up: pad.failure == nil, detail: pad.failure.map { "\($0)" } ?? "ok"),
                diskFreeBytes: free, queueDepth: (status?.pending ?? 0) + (status?.sending ?? 0), oldestQueuedSeconds: oldest,
                lastError: queue == nil ? "no outbox" : status?.lastError, submissionsQueued: queue?.submissionsQueued ?? 0)
        }
    }


    /// systemd's `RuntimeDirectory=` (a tmpfs under /run), where visit scratch files may go.
    public static var runtimeDirectory: String? {
        ProcessEnvironment.value("RUNTIME_DIRECTORY").map { $0.split(separator: ":").first.map(String.init) ?? "" }.flatMap { $0.isEmpty ? nil : $0 }
    }

    public func stop() {
        fleetReporter?.stop()
        service.stop()
        server.stop()
    }

    /// SIGTERM and SIGINT are taken by `run` with sigtimedwait; block them before any thread starts, so
    /// that every thread inherits the mask and none is interrupted.
    public static func blockTerminationSignals() {
        Signals.block(terminationSignals)
        Signals.ignoreBrokenPipe()
    }

    private static let terminationSignals = [SIGTERM, SIGINT]

    /// Serves until SIGTERM or SIGINT: READY=1 first, WATCHDOG=1 only while frames arrive, a STATUS=
    /// line every few seconds. Returns the signal that ended it.
    public func run(notifier: SystemdNotifier, statusEvery: Duration = .seconds(10)) -> Int32 {
        let camera = service.cameraName
        journal.log(.notice, "serving on \(server.url) (camera \(camera))", [("event", "ready")])
        notifier.ready(status: "serving on \(server.url); camera \(camera)")
        // Ping at half the watchdog period (systemd's advice), checking at least once a second.
        let pingEvery = notifier.watchdogMicroseconds.map { Duration.microseconds($0) / 2 } ?? .seconds(1)
        let timeout = min(.seconds(1), pingEvery / 2)
        var watchdog = WatchdogGate(interval: pingEvery, now: .now, frames: service.frameCount)
        var statusFrames = service.frameCount
        var lastStatus = ContinuousClock.now
        while true {
            if let received = Signals.wait(for: Self.terminationSignals, timeout: timeout) {
                journal.log(.notice, "stopping (signal \(received))", [("event", "stop")])
                notifier.stopping()
                stop()
                return received
            }
            let now = ContinuousClock.now
            let frames = service.frameCount
            if notifier.watchdogMicroseconds != nil, watchdog.shouldPing(now: now, frames: frames) { notifier.watchdog() }
            if now - lastStatus >= statusEvery {
                let snapshot = service.snapshot(token: nil)
                let rate = Double(frames &- statusFrames) / (now - lastStatus).inSeconds
                statusFrames = frames
                notifier.status("step \(snapshot.step.rawValue); camera \(snapshot.camera), \(String(format: "%.1f", rate)) frames/s; \(server.url)")
                lastStatus = now
            }
        }
    }
}

/// WATCHDOG=1 only while the camera delivers: a hung camera thread (or a dead camera) stops the pings,
/// and systemd restarts the service.
package struct WatchdogGate: Sendable {
    let interval: Duration
    private var lastPing: ContinuousClock.Instant
    private var lastFrames: UInt64

    package init(interval: Duration, now: ContinuousClock.Instant, frames: UInt64) {
        self.interval = interval
        lastPing = now
        lastFrames = frames
    }

    /// Whether to ping now: the interval has passed and frames arrived since the last ping.
    package mutating func shouldPing(now: ContinuousClock.Instant, frames: UInt64) -> Bool {
        guard now - lastPing >= interval, frames != lastFrames else { return false }
        lastPing = now
        lastFrames = frames
        return true
    }
}

/// Which implementation stands behind each port, from the config: the station's real modules. The
/// stand-ins (`StandIns.swift`) serve the unit tests.
public enum StationPorts {
    /// The camera, for `VisitService`'s camera thread (not among the shared ports: it is one thread's).
    public static func camera(config: StationConfig, journal: Journal) -> CameraFrameSource {
        let controls = CameraControlSettings(
            exposure: config.cameraExposure, whiteBalanceKelvin: config.cameraWhiteBalanceKelvin, focus: config.cameraFocus,
            powerLineFrequency: config.cameraPowerLineFrequency == 60 ? .hertz60 : (config.cameraPowerLineFrequency == 0 ? .disabled : .hertz50))
        return CameraFrameSource(camera: CameraFactory.make(source: config.cameraSource, controls: controls, log: CameraLog { line in
            journal.log(.warning, line, [("event", "camera")])
        }))
    }

    /// The ports the visit's threads share: photo pipeline, pad, outbox, liveness detector.
    public static func make(config: StationConfig, journal: Journal) throws(StationError) -> VisitService.Ports {
        let pipeline: CompliancePhotoPipeline
        do {
            pipeline = try CompliancePhotoPipeline(modelDirectory: FaceModels.locate([config.modelDirectory, FaceModels.installedDirectory]) ?? config.modelDirectory,
                                                   profile: PhotoProfile.of(config.profile),
                                                   thresholds: QualityThresholds(overrides: config.checkThresholds))
        } catch {
            throw .models("\(error)")
        }
        let pad: any SignatureCapture
        let padSource = config.padSource
        let openPad: @Sendable () throws(PadError) -> sending any SignaturePad = { () throws(PadError) in
            try SignaturePads.open(source: padSource, context: try USBContext())
        }
        // A probe at start tells the technician at once; the pad is opened afresh for every visit anyway,
        // so one plugged in later is found at the next signature.
        do { try openPad().close() } catch {
            journal.log(.error, "pad \(config.padSource): \(error)", [("event", "pad-unavailable")])
        }
        pad = PadSignatureCapture(open: openPad)
        let queue: OutboxSubmissionQueue
        do {
            queue = try OutboxSubmissionQueue(config: config) { line in journal.log(.info, line, [("event", "outbox")]) }
        } catch {
            throw .outbox("\(error)")
        }
        let detector = ChainPresentationDetector(pipeline: pipeline, policy: LivenessPolicy(config))
        return VisitService.Ports(pipeline: pipeline, pad: pad, queue: queue, detector: detector)
    }
}

