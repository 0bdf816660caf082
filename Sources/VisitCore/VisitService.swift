import Capture
import Foundation
import Imaging
import Platform

/// Runs the visit: owns the state machine, the camera thread (preview, guidance, burst), the capture
/// worker, the ticker (timeouts, pad polling) and carries out the machine's effects on the ports.
///
/// All state sits behind one lock; the ports are called outside it, so a slow device never blocks the
/// API. Threads wait on the lock's condition with timeouts, so `stop` ends them within a second.
public final class VisitService: @unchecked Sendable {
    public struct Ports: Sendable {
        public var frames: any FrameSource
        public var pipeline: any PhotoPipeline
        public var pad: any SignatureCapture
        public var queue: any SubmissionQueue
        public init(frames: any FrameSource, pipeline: any PhotoPipeline, pad: any SignatureCapture, queue: any SubmissionQueue) {
            self.frames = frames
            self.pipeline = pipeline
            self.pad = pad
            self.queue = queue
        }
    }

    public let ports: Ports
    public let clock: any KioskClock
    public let journal: Journal
    /// A directory only this visit's processing may write to; emptied at every wipe (tmpfs under systemd).
    public let scratchDirectory: String?
    /// Frames taken for the burst after the countdown.
    public let burstSize: Int
    /// How often the ticker looks at timeouts and the pad.
    public let tickInterval: Double
    /// Added to every submission's metadata: station id, software version (never anything of the citizen).
    public let stationMetadata: [String: String]

    private let condition = NSCondition()
    private var machine: VisitMachine
    private var running = false
    private var threads = 0
    // Camera.
    private var previewJPEG: [UInt8]?
    private var previewSequence = 0
    private var framesSeen: UInt64 = 0
    private var cameraFailures = 0
    private var burst: [Frame] = []
    private var burstAttempt = 0
    private var burstWanted = false
    // Pad.
    private var padActive = false
    private var mirror: Signature?

    public init(machine: VisitMachine, ports: Ports, clock: any KioskClock, journal: Journal,
                scratchDirectory: String? = nil, burstSize: Int = 5, tickInterval: Double = 0.2,
                stationMetadata: [String: String] = [:]) {
        self.machine = machine
        self.ports = ports
        self.clock = clock
        self.journal = journal
        self.scratchDirectory = scratchDirectory
        self.burstSize = max(1, burstSize)
        self.tickInterval = tickInterval
        self.stationMetadata = stationMetadata
    }

    // MARK: life cycle

    /// Starts the camera thread and the ticker.
    public func start() {
        condition.lock()
        guard !running else { condition.unlock(); return }
        running = true
        threads = 2
        condition.unlock()
        emptyScratch()
        spawn("fotobox-camera") { [self] in cameraLoop() }
        spawn("fotobox-ticker") { [self] in tickerLoop() }
    }

    /// Wipes any visit, stops the threads (waits for them) and closes the camera.
    public func stop() {
        _ = try? perform(.cancel, token: nil, trusted: true)
        condition.lock()
        running = false
        condition.broadcast()
        let deadline = Date().addingTimeInterval(5)
        while threads > 0 && condition.wait(until: deadline) {}
        condition.unlock()
        ports.frames.close()
    }

    private func spawn(_ name: String, _ body: @escaping @Sendable () -> Void) {
        let thread = Thread { [self] in
            body()
            condition.lock()
            threads -= 1
            condition.broadcast()
            condition.unlock()
        }
        thread.name = name
        thread.start()
    }

    // MARK: the API's view

    /// Applies a citizen's action. `token` must be the running visit's (except to start one).
    @discardableResult
    public func perform(_ event: VisitEvent, token: String?) throws(VisitRefusal) -> VisitSnapshot {
        try perform(event, token: token, trusted: false)
        return snapshot(token: token)
    }

    /// Starts a visit in `language`; the token returned is the only key to it (kept by the browser tab).
    public func startVisit(_ language: Language) throws(VisitRefusal) -> (token: String, snapshot: VisitSnapshot) {
        try perform(.start(language), token: nil, trusted: false)
        condition.lock()
        let token = machine.visit?.token ?? ""
        condition.unlock()
        return (token, snapshot(token: token))
    }

    /// What `token`'s browser tab may see now.
    public func snapshot(token: String?) -> VisitSnapshot {
        condition.lock()
        defer { condition.unlock() }
        return VisitSnapshot(machine: machine, owned: machine.owns(token), now: clock.now())
    }

    /// The current revision; waits up to `timeout` seconds for one newer than `after` (Server-Sent Events).
    public func waitForChange(after revision: Int, timeout: Double) -> Int {
        condition.lock()
        defer { condition.unlock() }
        let deadline = Date().addingTimeInterval(timeout)
        while machine.revision == revision && running && condition.wait(until: deadline) {}
        return machine.revision
    }

    /// The newest preview frame after `sequence` for the visit's owner, waiting up to `timeout` seconds;
    /// nil when there is none (no visit in the guidance or capture step, or not the owner).
    public func waitForPreview(after sequence: Int, token: String?, timeout: Double) -> (jpeg: [UInt8], sequence: Int)? {
        condition.lock()
        defer { condition.unlock() }
        let deadline = Date().addingTimeInterval(timeout)
        while running && machine.owns(token) && previewSequence == sequence && condition.wait(until: deadline) {}
        guard machine.owns(token), previewSequence != sequence, let jpeg = previewJPEG else { return nil }
        return (jpeg, previewSequence)
    }

    /// The processed photo under review, for the owner.
    public func photo(token: String?) -> [UInt8]? {
        condition.lock()
        defer { condition.unlock() }
        guard machine.owns(token) else { return nil }
        return machine.visit?.photo?.jpeg
    }

    /// The strokes on the pad so far, for the owner's on-screen mirror.
    public func signatureMirror(token: String?) -> Signature? {
        condition.lock()
        defer { condition.unlock() }
        guard machine.owns(token), machine.step == .signature else { return nil }
        return mirror
    }

    /// Whether `token` owns the running visit.
    public func owns(_ token: String?) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        return machine.owns(token)
    }

    /// Frames received since start (the watchdog pings only while this grows).
    public var frameCount: UInt64 {
        condition.lock()
        defer { condition.unlock() }
        return framesSeen
    }

    public var isRunning: Bool {
        condition.lock()
        defer { condition.unlock() }
        return running
    }

    /// For tests and status: the step, whether a visit is open, and what is held in memory.
    public var residue: Residue {
        condition.lock()
        defer { condition.unlock() }
        return Residue(step: machine.step, hasVisit: machine.visit != nil, hasPreview: previewJPEG != nil,
                       burstFrames: burst.count, hasMirror: mirror != nil, padActive: padActive)
    }

    /// What of a visit the service holds; all empty after a wipe.
    public struct Residue: Sendable, Equatable {
        public var step: VisitStep
        public var hasVisit: Bool
        public var hasPreview: Bool
        public var burstFrames: Int
        public var hasMirror: Bool
        public var padActive: Bool
    }

    // MARK: events and effects

    private func perform(_ event: VisitEvent, token: String?, trusted: Bool) throws(VisitRefusal) {
        condition.lock()
        if !trusted {
            switch event {
            case .start:
                if machine.visit != nil { condition.unlock(); throw .visitInProgress }
            case .setLanguage where machine.visit == nil:
                break
            default:
                if !machine.owns(token) { condition.unlock(); throw .notYourVisit }
            }
        }
        let before = machine.step
        let effects: [VisitEffect]
        do throws(VisitRefusal) {
            effects = try machine.handle(event, now: clock.now())
        } catch {
            condition.broadcast()
            condition.unlock()
            if case .caseNumberRefused(let reason) = error { journal.log(.notice, "case number refused", [("event", "case-refused"), ("reason", reason)]) }
            throw error
        }
        let after = machine.step
        let caseNumber = machine.visit?.caseNumber
        condition.broadcast()
        condition.unlock()
        if before != after {
            var fields = [("event", "step"), ("step", after.rawValue)]
            if let caseNumber, after == .consent || after == .receipt {
                fields.append(("case", journal.caseTag(caseNumber)))
            }
            journal.log(.info, "visit step \(after.rawValue)", fields)
        }
        run(effects)
    }

    /// Feeds a result of the service's own work back into the machine.
    private func deliver(_ event: VisitEvent) {
        _ = try? perform(event, token: nil, trusted: true)
    }

    private func run(_ effects: [VisitEffect]) {
        for effect in effects {
            switch effect {
            case .startCapture(let attempt):
                condition.lock()
                burst = []
                burstAttempt = attempt
                burstWanted = false
                threads += 1
                condition.unlock()
                spawn("fotobox-capture") { [self] in captureWorker(attempt: attempt) }
            case .stopCapture:
                condition.lock()
                burstAttempt = 0
                burstWanted = false
                burst = []
                condition.broadcast()
                condition.unlock()
            case .startSignature:
                do throws(SignatureFailure) {
                    try ports.pad.begin()
                    // The prompt upload takes a moment: a cancel or timeout meanwhile must not leave the pad inking.
                    condition.lock()
                    let stillSigning = machine.step == .signature
                    condition.unlock()
                    if stillSigning { setPad(active: true) } else { ports.pad.end() }
                } catch {
                    journal.log(.warning, "signature pad: \(error)", [("event", "pad-unavailable")])
                    deliver(.padFailed(error))
                }
            case .clearSignature:
                ports.pad.clear()
                condition.lock()
                mirror = nil
                condition.unlock()
            case .finishSignature:
                let result: Result<[UInt8], SignatureFailure>
                do throws(SignatureFailure) { result = .success(try ports.pad.finish()) } catch { result = .failure(error) }
                deliver(.signatureRendered(result))
            case .endSignature:
                setPad(active: false)
                ports.pad.end()
            case .enqueue(var submission):
                submission.metadata.merge(stationMetadata) { own, _ in own }
                submission.metadata["camera"] = ports.frames.name
                submission.metadata["queuedAt"] = Date().ISO8601Format()
                do throws(QueueFailure) {
                    try ports.queue.enqueue(submission)
                    journal.log(.notice, "visit queued for the office", [("event", "queued"), ("case", journal.caseTag(submission.caseNumber))])
                    deliver(.queued(.success(ports.queue.officeReachable)))
                } catch {
                    journal.log(.error, "\(error)", [("event", "queue-failed"), ("case", journal.caseTag(submission.caseNumber))])
                    deliver(.queued(.failure(error)))
                }
            case .wipe(let reason):
                condition.lock()
                previewJPEG?.zeroAll()
                previewJPEG = nil
                previewSequence += 1
                for index in burst.indices { burst[index].bytes.zeroAll() }
                burst = []
                burstAttempt = 0
                burstWanted = false
                mirror = nil
                let padWasActive = padActive
                padActive = false
                condition.broadcast()
                condition.unlock()
                if padWasActive { ports.pad.end() }
                emptyScratch()
                journal.log(.info, "visit wiped", [("event", "wipe"), ("reason", reason.rawValue)])
            }
        }
    }

    private func setPad(active: Bool) {
        condition.lock()
        padActive = active
        if !active { mirror = nil }
        condition.unlock()
    }

    private func emptyScratch() {
        guard let scratchDirectory, let names = try? FileSystem.listDirectory(scratchDirectory) else { return }
        for name in names { try? FileSystem.removeTree(scratchDirectory + "/" + name) }
    }

    // MARK: threads

    private func cameraLoop() {
        var backoff = 0.5
        var usingStills = false
        while isRunning {
            condition.lock()
            let wantStills = burstWanted && burst.count < burstSize
            condition.unlock()
            if wantStills != usingStills {
                ports.frames.useStills(wantStills)
                usingStills = wantStills
            }
            let frame: Frame
            do throws(CameraError) {
                frame = try ports.frames.nextFrame(timeoutMilliseconds: 1000)
            } catch {
                condition.lock()
                cameraFailures += 1
                let first = cameraFailures == 1
                condition.unlock()
                if first { journal.log(.error, "camera: \(error)", [("event", "camera-unavailable")]) }
                deliver(.cameraAvailable(false))
                sleep(seconds: backoff)
                backoff = min(backoff * 2, 5)
                continue
            }
            backoff = 0.5
            condition.lock()
            framesSeen &+= 1
            let recovered = cameraFailures > 0
            cameraFailures = 0
            let step = machine.step
            let collecting = burstWanted && burst.count < burstSize
            if collecting { burst.append(frame) }
            if collecting && burst.count >= burstSize { condition.broadcast() }
            condition.unlock()
            if recovered {
                journal.log(.notice, "camera delivers again", [("event", "camera-ok")])
                deliver(.cameraAvailable(true))
            }
            guard step == .guidance || step == .capture else { continue }
            if let jpeg = Self.previewJPEG(of: frame) {
                condition.lock()
                if machine.step == .guidance || machine.step == .capture {
                    previewJPEG = jpeg
                    previewSequence += 1
                    condition.broadcast()
                }
                condition.unlock()
            }
            if step == .guidance { deliver(.guidance(ports.pipeline.guidance(for: frame))) }
        }
    }

    package static func previewJPEG(of frame: Frame) -> [UInt8]? {
        if frame.format.isCompressed { return frame.bytes }
        guard let image = try? frame.rgbImage() else { return nil }
        return try? JPEG.encode(image, options: .preview)
    }

    /// One capture attempt: the countdown, the burst, the pipeline; the machine's capture limit covers a
    /// camera that stops delivering meanwhile.
    private func captureWorker(attempt: Int) {
        condition.lock()
        let burstAt = machine.burstStartsAt ?? clock.now()
        condition.unlock()
        sleep(seconds: max(0, burstAt - clock.now()))
        condition.lock()
        guard burstAttempt == attempt, running else { condition.unlock(); return }
        burstWanted = true
        let deadline = Date().addingTimeInterval(machine.settings.captureLimit)
        while running && burstAttempt == attempt && burst.count < burstSize && condition.wait(until: deadline) {}
        guard burstAttempt == attempt, running, burst.count >= burstSize else { condition.unlock(); return }
        var frames = burst
        burst = []
        burstWanted = false
        condition.unlock()
        let result: Result<ProcessedPhoto, PhotoFailure>
        do throws(PhotoFailure) { result = .success(try ports.pipeline.process(burst: frames)) } catch { result = .failure(error) }
        for index in frames.indices { frames[index].bytes.zeroAll() }
        deliver(.photoProcessed(attempt: attempt, result))
    }

    private func tickerLoop() {
        while isRunning {
            condition.lock()
            let revision = machine.revision
            let effects = machine.tick(now: clock.now())
            let polling = padActive && machine.step == .signature
            // The warning before a timeout changes the revision without any effect: wake the event streams.
            if machine.revision != revision { condition.broadcast() }
            condition.unlock()
            if effects.contains(.wipe(.inactivity)) { journal.log(.info, "visit timed out", [("event", "timeout")]) }
            run(effects)
            if polling {
                let (signature, pressed) = ports.pad.poll()
                condition.lock()
                let inked = padActive && mirror != signature
                if inked { mirror = signature }
                condition.unlock()
                if inked && signature.pointCount > 0 { deliver(.padActivity) }
                if let pressed { deliver(.padButton(pressed)) }
                if let failure = ports.pad.failure {
                    journal.log(.warning, "signature pad: \(failure)", [("event", "pad-unavailable")])
                    setPad(active: false)
                    deliver(.padFailed(failure))
                }
            }
            condition.lock()
            if running { _ = condition.wait(until: Date().addingTimeInterval(tickInterval)) }
            condition.unlock()
        }
    }

    /// Sleeps, but wakes early when the service stops.
    private func sleep(seconds: Double) {
        condition.lock()
        let deadline = Date().addingTimeInterval(seconds)
        while running && Date() < deadline && condition.wait(until: deadline) {}
        condition.unlock()
    }
}
