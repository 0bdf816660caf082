import Capture
import Dispatch
import Foundation
import Imaging
import Platform
import Submission

/// Runs the visit: one visit thread owns the state machine and carries out its effects on the ports; the
/// camera thread (preview, guidance, burst) and a capture worker per attempt post events to it; HTTP
/// threads post the citizen's actions and read snapshots.
///
/// Threading model: the machine is changed and the pad and the outbox are driven by the visit thread
/// only, one event at a time, so no two effects ever interleave (a cancel can no longer slip between a
/// step check and the pad being switched on). Shared state sits behind one `Mutex`, held only for short
/// reads and writes, never across a port call. Every deadline is on the monotonic `ContinuousClock`.
public final class VisitService: Sendable {
    /// The ports the visit and camera threads share (each `Sendable`, with its own lock where it has state).
    /// The camera (`FrameSource`) is not among them: it is one thread's, handed to the service on its own.
    public struct Ports: Sendable {
        public var pipeline: any PhotoPipeline
        public var pad: any SignatureCapture
        public var queue: any SubmissionQueue
        /// The presentation-attack detector the liveness challenge is judged by (nil: none could be built;
        /// enforce mode then lets nobody through, observe mode reports that nothing was judged).
        public var detector: (any PresentationDetector)?
        public init(pipeline: any PhotoPipeline, pad: any SignatureCapture, queue: any SubmissionQueue,
                    detector: (any PresentationDetector)? = nil) {
            self.pipeline = pipeline
            self.pad = pad
            self.queue = queue
            self.detector = detector
        }
    }

    public let ports: Ports
    /// The frame source's name (for the submission, logs and status): the source itself is the camera thread's.
    public let cameraName: String
    /// The frame source while no camera thread holds it: given at `init`, taken by the camera thread when it
    /// starts, handed back (closed) when it ends, so a restarted service finds it again.
    private let idleCamera: Locked<Handover<any FrameSource>?>
    public let clock: any KioskClock
    public let journal: Journal
    /// A directory only this visit's processing may write to; emptied at every wipe (tmpfs under systemd).
    public let scratchDirectory: String?
    /// Frames taken for the burst after the countdown.
    public let burstSize: Int
    /// How often the visit thread looks at timeouts and the pad.
    public let tickInterval: Duration
    /// Between visits the pad is asked this often whether it is there (out of order otherwise).
    public let padProbeInterval: Duration
    /// When the pad was last asked (visit thread only).
    private let lastPadProbe = Locked<ContinuousClock.Instant?>(nil)

    /// What the threads share. Only the visit thread changes `machine`, `padActive` and `mirror`; the
    /// camera thread writes the preview and the burst; everyone reads.
    private struct Shared: Sendable {
        var machine: VisitMachine
        var running = false
        /// The visit thread takes commands; before `start` and once it has ended, callers apply their
        /// event themselves (no other thread touches the machine then).
        var accepting = false
        /// Threads of this service still alive (visit, camera, capture workers).
        var threads = 0
        /// The threads started, by number, until they are joined; and the numbers of those whose body ended.
        var started: [Int: JoinableThread] = [:]
        var ended: Set<Int> = []
        var nextThreadNumber = 0
        /// Events posted to the visit thread, oldest first.
        var inbox: [Command] = []
        // Camera.
        var previewJPEG: [UInt8]?
        var previewSequence = 0
        var framesSeen: UInt64 = 0
        var cameraFailures = 0
        var burst: [Frame] = []
        var burstAttempt = 0
        var burstWanted = false
        // Pad.
        var padActive = false
        var mirror: Signature?
    }

    /// A message to the visit thread.
    private enum Command: Sendable {
        case event(VisitEvent, token: String?, trusted: Bool, reply: Reply?)
        case stop
    }

    /// Where the visit thread leaves the outcome of one posted event for the thread that waits on it.
    private final class Reply: Sendable {
        private let outcome = Locked<Result<Void, VisitRefusal>?>(nil)
        private let ready = DispatchSemaphore(value: 0)
        func fulfil(_ result: Result<Void, VisitRefusal>) {
            outcome.withLock { $0 = result }
            ready.signal()
        }
        func wait() -> Result<Void, VisitRefusal> {
            ready.wait()
            return outcome.withLock { $0 } ?? .success(())
        }
    }

    private let shared: Locked<Shared>
    /// Wakes the visit thread when its inbox gets a command.
    private let inboxSignal = DispatchSemaphore(value: 0)
    /// Wakes whoever waits for a change of `shared`.
    private let changed = ChangeSignal()

    /// `frames` is given up by the caller: from here on only the service's camera thread uses it.
    public init(machine: VisitMachine, ports: Ports, frames: sending any FrameSource, clock: any KioskClock, journal: Journal,
                scratchDirectory: String? = nil, burstSize: Int = 5, tickInterval: Duration = .milliseconds(200),
                padProbeInterval: Duration = .seconds(5)) {
        self.shared = Locked(Shared(machine: machine))
        self.padProbeInterval = padProbeInterval
        self.ports = ports
        self.cameraName = frames.name
        self.idleCamera = Locked(Handover(frames))
        self.clock = clock
        self.journal = journal
        self.scratchDirectory = scratchDirectory
        self.burstSize = max(1, burstSize)
        self.tickInterval = tickInterval
    }

    // MARK: life cycle

    /// Starts the visit thread and the camera thread.
    public func start() {
        let starting = shared.withLock { state -> Bool in
            guard !state.running else { return false }
            state.running = true
            state.accepting = true
            state.threads = 2
            return true
        }
        guard starting else { return }
        emptyScratch()
        if !spawn("fotobox-visit", { [self] in visitLoop() }) {
            // No visit thread: callers apply their events themselves, as before `start`.
            shared.withLock { $0.accepting = false }
        }
        spawn("fotobox-camera") { [self] in cameraLoop() }
    }

    /// Wipes any visit and stops the threads, waiting up to 5 s for them, then joins those that ended. The
    /// camera is closed by its owner, the camera thread, when its loop ends (never from here: a thread still
    /// inside `nextFrame` would otherwise find its camera closed under it). A thread that does not end in
    /// time is logged once and left to finish (not joined); it still closes the camera when it does.
    ///
    /// The visit thread may be inside a pad call (a transfer that hangs): the wipe and the stop are queued
    /// for it without waiting, and the pad's `cancel()` — the one pad operation another thread may make — ends
    /// that call, so the thread reaches them within the bounded wait. The cancel is repeated while the thread
    /// runs (a pad call it began after a cancel is ended too); it ends the running signature only, and the
    /// next `begin` (a restarted service's visit) starts clean.
    public func stop() {
        let queued = shared.withLock { state -> Bool in
            guard state.accepting else { return false }
            state.inbox.append(.event(.cancel, token: nil, trusted: true, reply: nil))
            return true
        }
        if !queued { _ = apply(.cancel, token: nil, trusted: true) }
        let stopping = shared.withLock { state -> Bool in
            defer { state.running = false }
            state.inbox.append(.stop)
            return state.running
        }
        inboxSignal.signal()
        changed.broadcast()
        let deadline = ContinuousClock.now + .seconds(5)
        while shared.withLock({ $0.threads > 0 }), ContinuousClock.now < deadline {
            if queued { ports.pad.cancel() }
            changed.wait(until: min(deadline, .now + .milliseconds(100))) { shared.withLock { $0.threads == 0 } }
        }
        joinEndedThreads()
        let alive = shared.withLock { $0.threads }
        if stopping, alive > 0 {
            journal.log(.warning, "visit service: \(alive) thread(s) still running 5 s after stop; the camera is closed when the camera thread ends",
                        [("event", "stop-timeout")])
        }
    }

    /// Runs `body` on a new thread of this service, already counted in `threads` by the caller; when `body`
    /// returns, the thread counts itself out and is marked for joining. False (and logged) when the system
    /// has no thread to give.
    @discardableResult
    private func spawn(_ name: String, _ body: sending @escaping () -> Void) -> Bool {
        let number = shared.withLock { state in
            defer { state.nextThreadNumber += 1 }
            return state.nextThreadNumber
        }
        do throws(SystemError) {
            let thread = try JoinableThread(name: name) { [self] in
                body()
                shared.withLock { state in
                    state.threads -= 1
                    state.ended.insert(number)
                }
                changed.broadcast()
            }
            shared.withLock { $0.started[number] = thread }
            return true
        } catch {
            shared.withLock { $0.threads -= 1 }
            changed.broadcast()
            journal.log(.error, "visit service: \(error)", [("event", "thread-failed")])
            return false
        }
    }

    /// Joins the threads whose body has returned (at once: they are past their last step).
    private func joinEndedThreads() {
        let ended = shared.withLock { state -> [JoinableThread] in
            let numbers = state.ended.filter { state.started[$0] != nil }
            state.ended.subtract(numbers)
            return numbers.compactMap { state.started.removeValue(forKey: $0) }
        }
        for thread in ended { thread.join() }
    }

    // MARK: the API's view

    /// Applies a citizen's action. `token` must be the running visit's (except to start one).
    @discardableResult
    public func perform(_ event: VisitEvent, token: String?) throws(VisitRefusal) -> VisitSnapshot {
        try post(event, token: token, trusted: false).get()
        return snapshot(token: token)
    }

    /// Starts a visit in `language`; the token returned is the only key to it (kept by the browser tab).
    public func startVisit(_ language: Language) throws(VisitRefusal) -> (token: String, snapshot: VisitSnapshot) {
        try post(.start(language), token: nil, trusted: false).get()
        let token = shared.withLock { $0.machine.visit?.token ?? "" }
        return (token, snapshot(token: token))
    }

    /// What `token`'s browser tab may see now.
    public func snapshot(token: String?) -> VisitSnapshot {
        let now = clock.now()
        return shared.withLock { VisitSnapshot(machine: $0.machine, owned: $0.machine.owns(token), now: now) }
    }

    /// The current revision; waits up to `timeout` for one newer than `after` (Server-Sent Events).
    public func waitForChange(after revision: Int, timeout: Duration) -> Int {
        changed.wait(until: .now + timeout) {
            shared.withLock { $0.machine.revision != revision || !$0.running }
        }
        return shared.withLock { $0.machine.revision }
    }

    /// The newest preview frame after `sequence` for the visit's owner, waiting up to `timeout`;
    /// nil when there is none (no visit in the guidance or capture step, or not the owner).
    public func waitForPreview(after sequence: Int, token: String?, timeout: Duration) -> (jpeg: [UInt8], sequence: Int)? {
        changed.wait(until: .now + timeout) {
            shared.withLock { !$0.running || !$0.machine.owns(token) || $0.previewSequence != sequence }
        }
        return shared.withLock { state in
            guard state.machine.owns(token), state.previewSequence != sequence, let jpeg = state.previewJPEG else { return nil }
            return (jpeg, state.previewSequence)
        }
    }

    /// The processed photo under review, for the owner.
    public func photo(token: String?) -> [UInt8]? {
        shared.withLock { state in
            guard state.machine.owns(token) else { return nil }
            return state.machine.visit?.photo?.jpeg
        }
    }

    /// The strokes on the pad so far, for the owner's on-screen mirror.
    public func signatureMirror(token: String?) -> Signature? {
        shared.withLock { state in
            guard state.machine.owns(token), state.machine.step == .signature else { return nil }
            return state.mirror
        }
    }

    /// Whether `token` owns the running visit.
    public func owns(_ token: String?) -> Bool {
        shared.withLock { $0.machine.owns(token) }
    }

    /// Frames received since start (the watchdog pings only while this grows).
    public var frameCount: UInt64 { shared.withLock { $0.framesSeen } }

    public var isRunning: Bool { shared.withLock { $0.running } }

    /// For tests and status: the step, whether a visit is open, and what is held in memory.
    public var residue: Residue {
        shared.withLock { state in
            Residue(step: state.machine.step, hasVisit: state.machine.visit != nil, hasPreview: state.previewJPEG != nil,
                    burstFrames: state.burst.count, hasMirror: state.mirror != nil, padActive: state.padActive)
        }
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

    // MARK: the visit thread

    /// Hands `event` to the visit thread and waits until it and every effect it caused have been carried
    /// out. Before `start` and after `stop` no visit thread exists, so the caller applies it itself.
    private func post(_ event: VisitEvent, token: String?, trusted: Bool) -> Result<Void, VisitRefusal> {
        let reply = Reply()
        let queued = shared.withLock { state -> Bool in
            guard state.accepting else { return false }
            state.inbox.append(.event(event, token: token, trusted: trusted, reply: reply))
            return true
        }
        guard queued else { return apply(event, token: token, trusted: trusted) }
        inboxSignal.signal()
        return reply.wait()
    }

    /// Posts a result of the service's own work (camera, capture worker) without waiting for it.
    private func notify(_ event: VisitEvent) {
        let queued = shared.withLock { state -> Bool in
            guard state.running else { return false }
            state.inbox.append(.event(event, token: nil, trusted: true, reply: nil))
            return true
        }
        if queued { inboxSignal.signal() }
    }

    private func visitLoop() {
        let tick = tickInterval
        var nextTick = ContinuousClock.now + tick
        while true {
            _ = inboxSignal.wait(timeout: .now() + (nextTick - .now).dispatchInterval)
            let commands = shared.withLock { state in
                defer { state.inbox = [] }
                return state.inbox
            }
            for command in commands {
                switch command {
                case .event(let event, let token, let trusted, let reply):
                    let result = apply(event, token: token, trusted: trusted)
                    reply?.fulfil(result)
                case .stop:
                    // What was posted up to here is still applied, in order; later callers apply their own.
                    let late = shared.withLock { state in
                        state.accepting = false
                        defer { state.inbox = [] }
                        return state.inbox
                    }
                    for case .event(let event, let token, let trusted, let reply) in late {
                        let result = apply(event, token: token, trusted: trusted)
                        reply?.fulfil(result)
                    }
                    return
                }
            }
            if ContinuousClock.now >= nextTick {
                tickOnce()
                nextTick = .now + tick
            }
        }
    }

    /// Feeds one event to the machine and carries out its effects (visit thread, or the caller while no
    /// visit thread runs).
    private func apply(_ event: VisitEvent, token: String?, trusted: Bool) -> Result<Void, VisitRefusal> {
        let now = clock.now()
        let outcome = shared.withLock { state -> Result<(before: VisitStep, after: VisitStep, caseNumber: String?, effects: [VisitEffect]), VisitRefusal> in
            if !trusted {
                switch event {
                case .start:
                    if state.machine.visit != nil { return .failure(.visitInProgress) }
                case .setLanguage where state.machine.visit == nil:
                    break
                default:
                    if !state.machine.owns(token) { return .failure(.notYourVisit) }
                }
            }
            let before = state.machine.step
            do throws(VisitRefusal) {
                let effects = try state.machine.handle(event, now: now)
                return .success((before, state.machine.step, state.machine.visit?.caseNumber, effects))
            } catch {
                return .failure(error)
            }
        }
        changed.broadcast()
        switch outcome {
        case .failure(let error):
            if case .caseNumberRefused(let reason) = error { journal.log(.notice, "case number refused", [("event", "case-refused"), ("reason", reason.code)]) }
            return .failure(error)
        case .success(let change):
            if change.before != change.after {
                var fields = [("event", "step"), ("step", change.after.rawValue)]
                if let caseNumber = change.caseNumber, change.after == .consent || change.after == .receipt {
                    fields.append(("case", journal.caseTag(caseNumber)))
                }
                journal.log(.info, "visit step \(change.after.rawValue)", fields)
            }
            run(change.effects)
            return .success(())
        }
    }

    /// Feeds a result of an effect straight back (the visit thread is already the one running it).
    private func deliver(_ event: VisitEvent) {
        _ = apply(event, token: nil, trusted: true)
    }

    private func run(_ effects: [VisitEffect]) {
        for effect in effects {
            switch effect {
            case .startCapture(let attempt):
                let started = shared.withLock { state -> Bool in
                    state.burst = []
                    state.burstAttempt = attempt
                    state.burstWanted = false
                    guard state.running else { return false }
                    state.threads += 1
                    return true
                }
                // The previous attempts' workers have ended or will end (their attempt is over): join the ended.
                joinEndedThreads()
                if started { spawn("fotobox-capture") { [self] in captureWorker(attempt: attempt) } }
            case .stopCapture:
                shared.withLock { state in
                    state.burstAttempt = 0
                    state.burstWanted = false
                    state.burst = []
                }
                changed.broadcast()
            case .startSignature:
                do throws(SignatureFailure) {
                    try ports.pad.begin()
                    // Events that arrived meanwhile wait in the inbox: the step is still the signature.
                    shared.withLock { state in
                        state.padActive = true
                        state.mirror = nil
                    }
                } catch {
                    journal.log(.warning, "signature pad: \(error)", [("event", "pad-unavailable")])
                    deliver(.padFailed(error))
                }
            case .clearSignature:
                ports.pad.clear()
                shared.withLock { $0.mirror = nil }
            case .finishSignature:
                let result: Result<[UInt8], SignatureFailure>
                do throws(SignatureFailure) { result = .success(try ports.pad.finish()) } catch { result = .failure(error) }
                deliver(.signatureRendered(result))
            case .endSignature:
                shared.withLock { state in
                    state.padActive = false
                    state.mirror = nil
                }
                ports.pad.end()
            case .enqueue(var submission):
                submission.context.camera = cameraName
                do throws(QueueFailure) {
                    try ports.queue.enqueue(submission)
                    journal.log(.notice, "visit queued for the office", [("event", "queued"), ("case", journal.caseTag(submission.caseNumber))])
                    deliver(.queued(.success(ports.queue.officeReachable)))
                } catch {
                    journal.log(.error, "\(error)", [("event", "queue-failed"), ("case", journal.caseTag(submission.caseNumber))])
                    deliver(.queued(.failure(error)))
                }
            case .wipe(let reason):
                let padWasActive = shared.withLock { state -> Bool in
                    state.previewJPEG?.zeroAll()
                    state.previewJPEG = nil
                    state.previewSequence += 1
                    for index in state.burst.indices { state.burst[index].bytes.zeroAll() }
                    state.burst = []
                    state.burstAttempt = 0
                    state.burstWanted = false
                    state.mirror = nil
                    defer { state.padActive = false }
                    return state.padActive
                }
                changed.broadcast()
                if padWasActive { ports.pad.end() }
                ports.detector?.reset()
                emptyScratch()
                journal.log(.info, "visit wiped", [("event", "wipe"), ("reason", reason.rawValue)])
            case .startChallenge(let attempt):
                guard let detector = ports.detector else {
                    deliver(.challengeJudged(attempt: attempt, .unjudged(.detectorUnavailable)))
                    continue
                }
                // From here the camera thread feeds the detector (the machine's step is `challenge`).
                let plan = detector.begin(at: clock.now())
                deliver(.challengePlanned(attempt: attempt, plan))
            case .judgeChallenge(let attempt):
                let judgement = ports.detector?.judge() ?? .unjudged(.detectorUnavailable)
                deliver(.challengeJudged(attempt: attempt, judgement))
            case .stopChallenge:
                ports.detector?.reset()
            case .recordLiveness(let record):
                journal.log(record.decision == .bonaFide || record.mode != .enforce ? .info : .notice,
                            "liveness \(record.decision?.rawValue ?? "not judged")", Self.journalFields(record))
            }
        }
    }

    /// A liveness judgement for the journal: numbers and codes only (no image data, no case number).
    static func journalFields(_ record: LivenessRecord) -> [(String, String)] {
        var fields = [("event", "liveness"), ("mode", record.mode.rawValue)]
        if let attempt = record.attempt { fields.append(("attempt", String(attempt))) }
        if let challenge = record.challenge { fields.append(("challenge", challenge.rawValue)) }
        if let score = record.score { fields.append(("score", String(score))) }
        if let decision = record.decision { fields.append(("decision", decision.rawValue)) }
        if let unjudged = record.unjudged { fields.append(("unjudged", unjudged.rawValue)) }
        if let cues = record.cues {
            fields.append(("frames", "\(cues.framesWithFace)/\(cues.frames)"))
            fields.append(("movement_degrees", String(format: "%.1f", cues.movementDegrees)))
            fields.append(("challenge_met", String(cues.challengeMet)))
            fields.append(("parallax", cues.parallax.map { String(format: "%.3f", $0) } ?? "none"))
            fields.append(("blink", String(format: "%.2f", cues.blink)))
        }
        return fields
    }

    /// Between visits only (the pad is the visit's while one runs): whether a pad is there, so that a
    /// missing one puts the station out of order on the welcome screen (visit thread).
    private func probePad() {
        let due = lastPadProbe.withLock { last -> Bool in
            guard last.map({ ContinuousClock.now - $0 >= padProbeInterval }) ?? true else { return false }
            last = .now
            return true
        }
        guard due else { return }
        let (idle, before) = shared.withLock { ($0.machine.visit == nil, $0.machine.padAvailable) }
        guard idle else { return }
        let present = ports.pad.probe()
        if present != before {
            journal.log(present ? .notice : .warning, present ? "signature pad found" : "signature pad not found: out of order",
                        [("event", present ? "pad-ok" : "pad-unavailable")])
        }
        deliver(.padAvailable(present))
    }

    /// Timeouts, and the pad while the citizen signs (visit thread).
    private func tickOnce() {
        probePad()
        let now = clock.now()
        let (effects, polling, revised) = shared.withLock { state in
            let revision = state.machine.revision
            let effects = state.machine.tick(now: now)
            return (effects, state.padActive && state.machine.step == .signature, state.machine.revision != revision)
        }
        // The warning before a timeout changes the revision without any effect: wake the event streams.
        if revised { changed.broadcast() }
        if effects.contains(.wipe(.inactivity)) { journal.log(.info, "visit timed out", [("event", "timeout")]) }
        run(effects)
        guard polling else { return }
        let (signature, pressed) = ports.pad.poll()
        let inked = shared.withLock { state -> Bool in
            guard state.padActive, state.mirror != signature else { return false }
            state.mirror = signature
            return true
        }
        if inked { changed.broadcast() }
        if inked && signature.pointCount > 0 { deliver(.padActivity) }
        if let pressed { deliver(.padButton(pressed)) }
        if let failure = ports.pad.failure {
            journal.log(.warning, "signature pad: \(failure)", [("event", "pad-unavailable")])
            shared.withLock { state in
                state.padActive = false
                state.mirror = nil
            }
            deliver(.padFailed(failure))
        }
    }

    private func emptyScratch() {
        guard let scratchDirectory, let names = try? FileSystem.listDirectory(scratchDirectory) else { return }
        for name in names { try? FileSystem.removeTree(scratchDirectory + "/" + name) }
    }

    // MARK: the camera thread and the capture workers

    /// The camera thread: takes the frame source over, is its only user, and closes it when it ends (then
    /// hands it back for a later `start`).
    private func cameraLoop() {
        guard let frames = idleCamera.withLock({ $0 })?.take() else {
            journal.log(.error, "visit service: no camera to take over (a camera thread of an earlier start still holds it)",
                        [("event", "camera-unavailable")])
            return
        }
        var backoff = Duration.milliseconds(500)
        var usingStills = false
        while isRunning {
            let wantStills = shared.withLock { $0.burstWanted && $0.burst.count < burstSize }
            if wantStills != usingStills {
                frames.useStills(wantStills)
                usingStills = wantStills
            }
            let frame: Frame
            do throws(CameraError) {
                frame = try frames.nextFrame(timeoutMilliseconds: 1000)
            } catch {
                let first = shared.withLock { state -> Bool in
                    state.cameraFailures += 1
                    return state.cameraFailures == 1
                }
                if first { journal.log(.error, "camera: \(error)", [("event", "camera-unavailable")]) }
                // No frozen frame of anybody: the preview goes with the camera.
                shared.withLock { state in
                    state.previewJPEG?.zeroAll()
                    state.previewJPEG = nil
                    state.previewSequence += 1
                }
                changed.broadcast()
                notify(.cameraAvailable(false))
                sleep(for: backoff)
                backoff = min(backoff * 2, .seconds(5))
                continue
            }
            backoff = .milliseconds(500)
            let (recovered, step, burstFull) = shared.withLock { state in
                state.framesSeen &+= 1
                let recovered = state.cameraFailures > 0
                state.cameraFailures = 0
                let collecting = state.burstWanted && state.burst.count < burstSize
                if collecting { state.burst.append(frame) }
                return (recovered, state.machine.step, collecting && state.burst.count >= burstSize)
            }
            if burstFull { changed.broadcast() }
            if recovered {
                journal.log(.notice, "camera delivers again", [("event", "camera-ok")])
                notify(.cameraAvailable(true))
            }
            guard step == .guidance || step == .challenge || step == .capture else { continue }
            if let jpeg = Self.previewJPEG(of: frame) {
                let shown = shared.withLock { state -> Bool in
                    guard [.guidance, .challenge, .capture].contains(state.machine.step) else { return false }
                    state.previewJPEG = jpeg
                    state.previewSequence += 1
                    return true
                }
                if shown { changed.broadcast() }
            }
            if step == .guidance || step == .challenge {
                let code = ports.pipeline.guidance(for: frame)
                // The detector may reuse the face chain's result for this frame (same thread, just computed).
                if step == .challenge { ports.detector?.observe(frame, at: clock.now()) }
                notify(.guidance(code))
            }
        }
        frames.close()
        let back = Handover(frames)
        idleCamera.withLock { $0 = back }
    }

    package static func previewJPEG(of frame: Frame) -> [UInt8]? {
        if frame.format.isCompressed { return frame.bytes }
        guard let image = try? frame.rgbImage() else { return nil }
        return try? JPEG.encode(image, options: .preview)
    }

    /// One capture attempt: the countdown, the burst, the pipeline; the machine's capture limit covers a
    /// camera that stops delivering meanwhile.
    private func captureWorker(attempt: Int) {
        let burstAt = shared.withLock { $0.machine.burstStartsAt } ?? clock.now()
        sleep(for: burstAt - clock.now())
        let limit = shared.withLock { state -> Duration? in
            guard state.burstAttempt == attempt, state.running else { return nil }
            state.burstWanted = true
            return state.machine.settings.captureLimit
        }
        guard let limit else { return }
        changed.wait(until: .now + limit) {
            shared.withLock { !$0.running || $0.burstAttempt != attempt || $0.burst.count >= burstSize }
        }
        let taken = shared.withLock { state -> [Frame]? in
            guard state.burstAttempt == attempt, state.running, state.burst.count >= burstSize else { return nil }
            defer {
                state.burst = []
                state.burstWanted = false
            }
            return state.burst
        }
        guard var frames = taken else { return }
        let takenAt = Date()
        let result: Result<ProcessedPhoto, PhotoFailure>
        do throws(PhotoFailure) {
            var photo = try ports.pipeline.process(burst: frames)
            photo.capturedAt = photo.capturedAt ?? takenAt
            result = .success(photo)
        } catch { result = .failure(error) }
        for index in frames.indices { frames[index].bytes.zeroAll() }
        notify(.photoProcessed(attempt: attempt, result))
    }

    /// Sleeps, but wakes early when the service stops.
    private func sleep(for duration: Duration) {
        changed.wait(until: .now + duration) { !isRunning }
    }
}
