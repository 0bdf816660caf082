import VisitCore
import Capture
import Foundation
import Devices
import Imaging
import Platform
import Configuration

// Stand-ins for the visit's ports, for the tests only (a test-support target, as swift-nio's NIOTestUtils:
// no product links it). Each does the least that makes a visit run.

/// A clock the tests move by hand.
public final class ManualClock: KioskClock, Sendable {
    private let time: Locked<VisitInstant>
    public init(_ start: VisitInstant = .seconds(1000)) { time = Locked(start) }
    public func now() -> VisitInstant { time.withLock { $0 } }
    public func advance(_ delta: Duration) { time.withLock { $0 += delta } }
}

/// A camera that plays JPEG frames in a loop at a fixed rate (a stand-in for the replay camera).
///
/// `Sendable` (one `Locked` state): a test sets `failure` while the service's camera thread reads frames.
public final class StandInCamera: Camera, Sendable {
    private let frames: [[UInt8]]
    private struct State {
        var index = 0
        var sequence: UInt32 = 0
        var streaming = false
        var failure: CameraError?
        var statistics = StreamStatistics()
    }
    private let state = Locked(State())
    public let name: String
    public let framesPerSecond: Double
    /// When set, `open` and `nextFrame` fail with this error (a pulled cable).
    public var failure: CameraError? {
        get { state.withLock { $0.failure } }
        set { state.withLock { $0.failure = newValue } }
    }
    public var statistics: StreamStatistics { state.withLock { $0.statistics } }

    public init(name: String = "stand-in", frames: [[UInt8]], framesPerSecond: Double = 15) {
        precondition(!frames.isEmpty, "a stand-in camera needs at least one frame")
        self.name = name
        self.frames = frames
        self.framesPerSecond = framesPerSecond
    }

    /// A synthetic grey-blue frame with a light oval where a face would be (no person in it).
    public static func syntheticFrame(width: Int = 640, height: Int = 480) -> [UInt8] {
        (try? JPEG.encode(RGBImage.facelessOval(width: width, height: height), options: .preview)) ?? []
    }

    public func open() throws(CameraError) { if let failure { throw failure } }
    public func configure(_ request: StreamRequest) throws(CameraError) -> NegotiatedFormat {
        NegotiatedFormat(format: .mjpeg, size: FrameSize(width: 640, height: 480), framesPerSecond: framesPerSecond)
    }
    public func start() throws(CameraError) { state.withLock { $0.streaming = true } }
    public func stop() { state.withLock { $0.streaming = false } }
    public func close() { stop() }

    public func nextFrame(timeoutMilliseconds: Int) throws(CameraError) -> Frame {
        if let failure { throw failure }
        if framesPerSecond > 0 { usleep(useconds_t(1_000_000 / framesPerSecond)) }
        let (bytes, sequence) = state.withLock { state -> ([UInt8], UInt32) in
            let bytes = frames[state.index % frames.count]
            state.index += 1
            state.sequence &+= 1
            state.statistics.frames += 1
            return (bytes, state.sequence)
        }
        let size = (try? JPEG.readHeader(bytes)).map { FrameSize(width: $0.width, height: $0.height) } ?? FrameSize(width: 0, height: 0)
        let now = MonotonicClock.nanoseconds()
        return Frame(format: .mjpeg, size: size, bytesPerLine: 0, bytes: bytes, sequence: sequence,
                     capturedNanoseconds: now, dequeuedNanoseconds: now)
    }
}

/// A pipeline that guides through a fixed script of codes and "processes" the burst's last frame as it is.
public final class StandInPipeline: PhotoPipeline, Sendable {
    private struct State {
        var frameCount = 0
        var lastGuidance = VisitInstant.zero
        /// Results for the next bursts, used first (tests); otherwise the last frame is the photo.
        var scriptedResults: [Result<ProcessedPhoto, PhotoFailure>] = []
    }
    private let state = Locked(State())
    /// The guidance shown, one code per `framesPerCode` frames, ending at the last code.
    public let script: [GuidanceCode]
    public let framesPerCode: Int

    public init(script: [GuidanceCode] = [.good], framesPerCode: Int = 15) {
        self.script = script.isEmpty ? [.good] : script
        self.framesPerCode = max(1, framesPerCode)
    }

    public func enqueueResult(_ result: Result<ProcessedPhoto, PhotoFailure>) { state.withLock { $0.scriptedResults.append(result) } }

    public func guidance(for frame: Frame) -> GuidanceCode {
        let now = MonotonicKioskClock().now()
        let frameCount = state.withLock { state -> Int in
            // A pause means a new guidance step: start the script again.
            if now - state.lastGuidance > .seconds(2) { state.frameCount = 0 }
            state.lastGuidance = now
            state.frameCount += 1
            return state.frameCount
        }
        return script[min(frameCount / framesPerCode, script.count - 1)]
    }

    /// Starts the guidance script again (a new visit).
    public func resetScript() { state.withLock { $0.frameCount = 0 } }

    public func process(burst: [Frame]) throws(PhotoFailure) -> ProcessedPhoto {
        let scripted: Result<ProcessedPhoto, PhotoFailure>? = state.withLock { $0.scriptedResults.isEmpty ? nil : $0.scriptedResults.removeFirst() }
        if let scripted { return try scripted.get() }
        guard let last = burst.last else { throw .noUsableFrame(.noFace) }
        let jpeg = last.format.isCompressed ? last.bytes : (VisitService.previewJPEG(of: last) ?? [])
        guard !jpeg.isEmpty else { throw .processing("frame cannot be encoded") }
        return ProcessedPhoto(jpeg: jpeg, compliant: true, advice: [],
                              reportJSON: Array(#"{"standIn":true,"compliant":true,"checks":[]}"#.utf8))
    }
}

/// A simulated pad: after `begin` a recorded-looking scribble appears over `signingTime`; the citizen
/// confirms on screen. `available = false` plays an unplugged pad, `scribble = false` an empty signature,
/// `stalls = true` a pad whose transfer hangs: `poll` then waits until `cancel()` (from any thread) ends it.
/// As the real port, a cancel ends the running signature only: no ink and no press until the next `begin`.
public final class StandInPad: SignatureCapture, Sendable {
    private struct State {
        var startedAt: VisitInstant?
        var pending: VisitCore.PadButton?
        var available = true
        var scribble = true
        var stalls = false
        /// `cancel()` ended the running signature (reset by `begin` and `end`).
        var cancelled = false
        /// The `poll` calls that are waiting in a stall right now.
        var stalled = 0
    }
    private let state = Locked(State())
    /// Wakes a stalled `poll` (a cancel, or `stalls` turned off).
    private let wake = ChangeSignal()
    public var available: Bool { get { state.withLock { $0.available } } set { state.withLock { $0.available = newValue } } }
    public var scribble: Bool { get { state.withLock { $0.scribble } } set { state.withLock { $0.scribble = newValue } } }
    /// While true, `poll` hangs until `cancel()` (a pad call stuck in its USB transfer).
    public var stalls: Bool {
        get { state.withLock { $0.stalls } }
        set {
            state.withLock { $0.stalls = newValue }
            wake.broadcast()
        }
    }
    /// Whether a `poll` is hanging right now.
    public var isStalled: Bool { state.withLock { $0.stalled > 0 } }
    /// How long the stand-in citizen takes to sign (the scribble grows over it).
    public let signingTime: Duration
    private let clock: any KioskClock
    public let width = 9600.0, height = 6000.0

    public init(clock: any KioskClock = MonotonicKioskClock(), signingTime: Duration = .milliseconds(1500)) {
        self.clock = clock
        self.signingTime = signingTime
    }

    /// A press of the pad's own OK / retry button.
    public func press(_ button: VisitCore.PadButton) { state.withLock { $0.pending = button } }

    public func probe() -> Bool { available }

    public func begin() throws(SignatureFailure) {
        let now = clock.now()
        let ok: Bool = state.withLock { state in
            guard state.available else { return false }
            state.startedAt = now
            state.cancelled = false
            return true
        }
        if !ok { throw .padUnavailable("simulated pad switched off") }
    }

    public func poll() -> (signature: Signature, pressed: VisitCore.PadButton?) {
        let stalling = state.withLock { state -> Bool in
            guard state.stalls, !state.cancelled else { return false }
            state.stalled += 1
            return true
        }
        if stalling {
            // No deadline of its own: only a cancel (or the test) ends it, as a hung transfer.
            while !state.withLock({ $0.cancelled || !$0.stalls }) {
                wake.wait(until: .now + .seconds(1)) { state.withLock { $0.cancelled || !$0.stalls } }
            }
            state.withLock { $0.stalled -= 1 }
        }
        let now = clock.now()
        return state.withLock { state in
            guard !state.cancelled else { return (signature(of: state, now: now), nil) }
            let button = state.pending
            state.pending = nil
            return (signature(of: state, now: now), button)
        }
    }

    public func clear() {
        let now = clock.now()
        state.withLock { $0.startedAt = now }
    }

    public func finish() throws(SignatureFailure) -> [UInt8] {
        let now = clock.now()
        let (signature, usable): (Signature, Bool) = state.withLock { (self.signature(of: $0, now: now), $0.available) }
        guard usable else { throw .padUnavailable("simulated pad switched off") }
        guard signature.pointCount >= 20 else { throw .tooSmall }
        return Self.render(signature, width: 900, height: 132)
    }

    public func end() {
        state.withLock { state in
            state.startedAt = nil
            state.cancelled = false
        }
    }

    /// Ends the running signature at once, from any thread; a hanging `poll` returns.
    public func cancel() {
        state.withLock { $0.cancelled = true }
        wake.broadcast()
    }

    /// Between `begin` and `end`: the pad's screen shows the prompt and takes ink.
    public var isInking: Bool { state.withLock { $0.startedAt != nil } }

    /// The scribble at `now`: a looping line across the pad, growing with time since `begin`/`clear`.
    private func signature(of state: State, now: VisitInstant) -> Signature {
        guard let startedAt = state.startedAt, state.scribble else { return Signature(strokes: [], padWidth: width, padHeight: height, unitsPerMillimetre: 40) }
        let progress = min(1, max(0, (now - startedAt) / signingTime))
        let total = 120, shown = Int(Double(total) * progress)
        var points: [SignaturePoint] = []
        for i in 0..<shown {
            let t = Double(i) / Double(total)
            let x = 1200 + t * 7200
            let y = 3000 + sin(t * 26) * 1100 * (1 - t * 0.5)
            points.append(SignaturePoint(x: x, y: y, pressure: 0.6, milliseconds: i * 5))
        }
        return Signature(strokes: [points], padWidth: width, padHeight: height, unitsPerMillimetre: 40)
    }

    /// Dots along the strokes, scaled into `width`×`height`: enough to stand in for Devices' renderer.
    static func render(_ signature: Signature, width: Int, height: Int) -> [UInt8] {
        var image = RGBImage(width: width, height: height)
        for index in image.pixels.indices { image.pixels[index] = 255 }
        let scale = min(Double(width) / signature.padWidth, Double(height) / (signature.padHeight * 0.5))
        for stroke in signature.strokes {
            for point in stroke {
                let x = Int(point.x * scale), y = Int((point.y - signature.padHeight * 0.25) * scale)
                for dy in -1...1 { for dx in -1...1 where (0..<width).contains(x + dx) && (0..<height).contains(y + dy) { image[x + dx, y + dy] = (0, 0, 0) } }
            }
        }
        return (try? JPEG.encode(image, options: JPEGEncodeOptions(quality: 90))) ?? []
    }
}

/// An outbox that keeps submissions in memory (tests; the demo before the real outbox is wired).
public final class StandInQueue: SubmissionQueue, Sendable {
    private struct State {
        var items: [VisitSubmission] = []
        var reachable = true
        var failing = false
    }
    private let state = Locked(State())
    /// When set, `officeReachable` is whether a TCP connection to it opens within a second.
    private let reachability: HostPort?

    public init(reachability: HostPort? = nil) { self.reachability = reachability }

    public var submissions: [VisitSubmission] { state.withLock { $0.items } }
    public var officeReachable: Bool {
        get {
            if let reachability { return Self.canConnect(reachability) }
            return state.withLock { $0.reachable }
        }
        set { state.withLock { $0.reachable = newValue } }
    }
    /// When true, `enqueue` refuses (a full disk).
    public var refuses: Bool {
        get { state.withLock { $0.failing } }
        set { state.withLock { $0.failing = newValue } }
    }

    static func canConnect(_ target: HostPort) -> Bool {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(target.host, String(target.port), &hints, &list) == 0, let first = list else { return false }
        defer { freeaddrinfo(list) }
        let fd = socket(first.pointee.ai_family, first.pointee.ai_socktype | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        let owned = FileDescriptor(owning: fd)
        if connect(owned.rawValue, first.pointee.ai_addr, first.pointee.ai_addrlen) == 0 { return true }
        guard errno == EINPROGRESS, let events = try? owned.poll(events: Int16(POLLOUT), timeoutMilliseconds: 1000), events != 0 else { return false }
        var error: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(owned.rawValue, SOL_SOCKET, SO_ERROR, &error, &length)
        return error == 0
    }

    public func enqueue(_ submission: VisitSubmission) throws(QueueFailure) {
        let refused = state.withLock { state -> Bool in
            if state.failing { return true }
            state.items.append(submission)
            return false
        }
        if refused { throw QueueFailure("stand-in outbox set to refuse") }
    }
}

/// A presentation-attack detector with scripted answers: the challenge `plan` every time, and the next
/// scripted judgement per `judge` (the last one repeats; none scripted: bona fide). Counts the frames the
/// camera thread fed it, so tests see the challenge really received the preview.
public final class StandInDetector: PresentationDetector, Sendable {
    public let plan: ChallengePlan
    private struct State {
        var script: [PresentationJudgement]
        var observedFrames = 0
        var begun = 0
        var resets = 0
    }
    private let state: Locked<State>

    public init(plan: ChallengePlan = ChallengePlan(prompt: .turnLeft, promptDelay: .milliseconds(50), responseWindow: .milliseconds(200)),
                judgements: [PresentationJudgement] = []) {
        self.plan = plan
        self.state = Locked(State(script: judgements))
    }

    public static func judgement(_ decision: PresentationDecision, score: Double) -> PresentationJudgement {
        PresentationJudgement(score: score, decision: decision,
                              cues: PresentationCues(frames: 20, framesWithFace: 20, movementDegrees: decision == .bonaFide ? 14 : 0,
                                                     challengeMet: decision == .bonaFide, parallax: decision == .bonaFide ? 0.8 : nil, blink: 0.1))
    }

    public var framesObserved: Int { state.withLock { $0.observedFrames } }
    public var challengesBegun: Int { state.withLock { $0.begun } }

    public func begin(at time: VisitInstant) -> ChallengePlan {
        state.withLock { state in
            state.begun += 1
            state.observedFrames = 0
        }
        return plan
    }

    public func observe(_ frame: Frame, at time: VisitInstant) { state.withLock { $0.observedFrames += 1 } }

    public func judge() -> PresentationJudgement {
        state.withLock { state in
            guard let next = state.script.first else { return Self.judgement(.bonaFide, score: 0.9) }
            if state.script.count > 1 { state.script.removeFirst() }
            return next
        }
    }

    public func reset() { state.withLock { $0.resets += 1 } }
}
