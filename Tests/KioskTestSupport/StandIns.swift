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
public final class ManualClock: KioskClock, @unchecked Sendable {
    private let lock = NSLock()
    private var time: VisitInstant
    public init(_ start: VisitInstant = .seconds(1000)) { time = start }
    public func now() -> VisitInstant { lock.withLock { time } }
    public func advance(_ delta: Duration) { lock.withLock { time += delta } }
}

/// A camera that plays JPEG frames in a loop at a fixed rate (a stand-in for the replay camera).
public final class StandInCamera: Camera, @unchecked Sendable {
    private let lock = NSLock()
    private var frames: [[UInt8]]
    private var index = 0
    private var sequence: UInt32 = 0
    private var streaming = false
    public let name: String
    public let framesPerSecond: Double
    /// When set, `open` and `nextFrame` fail with this error (a pulled cable).
    public var failure: CameraError? {
        get { lock.withLock { failureValue } }
        set { lock.withLock { failureValue = newValue } }
    }
    private var failureValue: CameraError?
    public private(set) var statistics = StreamStatistics()

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
    public func start() throws(CameraError) { lock.withLock { streaming = true } }
    public func stop() { lock.withLock { streaming = false } }
    public func close() { stop() }

    public func nextFrame(timeoutMilliseconds: Int) throws(CameraError) -> Frame {
        if let failure { throw failure }
        if framesPerSecond > 0 { usleep(useconds_t(1_000_000 / framesPerSecond)) }
        return lock.withLock {
            let bytes = frames[index % frames.count]
            index += 1
            sequence &+= 1
            let size = (try? JPEG.readHeader(bytes)).map { FrameSize(width: $0.width, height: $0.height) } ?? FrameSize(width: 0, height: 0)
            let now = MonotonicClock.nanoseconds()
            let frame = Frame(format: .mjpeg, size: size, bytesPerLine: 0, bytes: bytes, sequence: sequence,
                              capturedNanoseconds: now, dequeuedNanoseconds: now)
            statistics.frames += 1
            return frame
        }
    }
}

/// A pipeline that guides through a fixed script of codes and "processes" the burst's last frame as it is.
public final class StandInPipeline: PhotoPipeline, @unchecked Sendable {
    private let lock = NSLock()
    private var frameCount = 0
    private var lastGuidance = VisitInstant.zero
    /// The guidance shown, one code per `framesPerCode` frames, ending at the last code.
    public let script: [GuidanceCode]
    public let framesPerCode: Int
    /// Results for the next bursts, used first (tests); otherwise the last frame is the photo.
    private var scriptedResults: [Result<ProcessedPhoto, PhotoFailure>] = []

    public init(script: [GuidanceCode] = [.good], framesPerCode: Int = 15) {
        self.script = script.isEmpty ? [.good] : script
        self.framesPerCode = max(1, framesPerCode)
    }

    public func enqueueResult(_ result: Result<ProcessedPhoto, PhotoFailure>) { lock.withLock { scriptedResults.append(result) } }

    public func guidance(for frame: Frame) -> GuidanceCode {
        let now = MonotonicKioskClock().now()
        return lock.withLock {
            // A pause means a new guidance step: start the script again.
            if now - lastGuidance > .seconds(2) { frameCount = 0 }
            lastGuidance = now
            frameCount += 1
            return script[min(frameCount / framesPerCode, script.count - 1)]
        }
    }

    /// Starts the guidance script again (a new visit).
    public func resetScript() { lock.withLock { frameCount = 0 } }

    public func process(burst: [Frame]) throws(PhotoFailure) -> ProcessedPhoto {
        let scripted: Result<ProcessedPhoto, PhotoFailure>? = lock.withLock { scriptedResults.isEmpty ? nil : scriptedResults.removeFirst() }
        if let scripted { return try scripted.get() }
        guard let last = burst.last else { throw .noUsableFrame(.noFace) }
        let jpeg = last.format.isCompressed ? last.bytes : (VisitService.previewJPEG(of: last) ?? [])
        guard !jpeg.isEmpty else { throw .processing("frame cannot be encoded") }
        return ProcessedPhoto(jpeg: jpeg, compliant: true, advice: [],
                              reportJSON: Array(#"{"standIn":true,"compliant":true,"checks":[]}"#.utf8))
    }
}

/// A simulated pad: after `begin` a recorded-looking scribble appears over `signingTime`; the citizen
/// confirms on screen. `available = false` plays an unplugged pad, `scribble = false` an empty signature.
public final class StandInPad: SignatureCapture, @unchecked Sendable {
    private let lock = NSLock()
    private var startedAt: VisitInstant?
    private var cleared = false
    private var pending: VisitCore.PadButton?
    public var available: Bool { get { lock.withLock { availableValue } } set { lock.withLock { availableValue = newValue } } }
    private var availableValue = true
    public var scribble: Bool { get { lock.withLock { scribbleValue } } set { lock.withLock { scribbleValue = newValue } } }
    private var scribbleValue = true
    /// How long the stand-in citizen takes to sign (the scribble grows over it).
    public let signingTime: Duration
    private let clock: any KioskClock
    public let width = 9600.0, height = 6000.0

    public init(clock: any KioskClock = MonotonicKioskClock(), signingTime: Duration = .milliseconds(1500)) {
        self.clock = clock
        self.signingTime = signingTime
    }

    /// A press of the pad's own OK / retry button.
    public func press(_ button: VisitCore.PadButton) { lock.withLock { pending = button } }

    public func probe() -> Bool { available }

    public func begin() throws(SignatureFailure) {
        let ok: Bool = lock.withLock {
            guard availableValue else { return false }
            startedAt = clock.now()
            cleared = false
            return true
        }
        if !ok { throw .padUnavailable("simulated pad switched off") }
    }

    public func poll() -> (signature: Signature, pressed: VisitCore.PadButton?) {
        lock.withLock {
            let button = pending
            pending = nil
            return (currentSignature(), button)
        }
    }

    public func clear() { lock.withLock { startedAt = clock.now(); cleared = false } }

    public func finish() throws(SignatureFailure) -> [UInt8] {
        let (signature, usable): (Signature, Bool) = lock.withLock { (currentSignature(), availableValue) }
        guard usable else { throw .padUnavailable("simulated pad switched off") }
        guard signature.pointCount >= 20 else { throw .tooSmall }
        return Self.render(signature, width: 900, height: 132)
    }

    public func end() { lock.withLock { startedAt = nil } }

    /// Between `begin` and `end`: the pad's screen shows the prompt and takes ink.
    public var isInking: Bool { lock.withLock { startedAt != nil } }

    /// The scribble so far: a looping line across the pad, growing with time since `begin`/`clear`.
    private func currentSignature() -> Signature {
        guard let startedAt, scribbleValue else { return Signature(strokes: [], padWidth: width, padHeight: height, unitsPerMillimetre: 40) }
        let progress = min(1, max(0, (clock.now() - startedAt) / signingTime))
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
public final class StandInQueue: SubmissionQueue, @unchecked Sendable {
    private let lock = NSLock()
    private var items: [VisitSubmission] = []
    private var reachable = true
    private var failing = false
    /// When set, `officeReachable` is whether a TCP connection to it opens within a second.
    private let reachability: HostPort?

    public init(reachability: HostPort? = nil) { self.reachability = reachability }

    public var submissions: [VisitSubmission] { lock.withLock { items } }
    public var officeReachable: Bool {
        get {
            if let reachability { return Self.canConnect(reachability) }
            return lock.withLock { reachable }
        }
        set { lock.withLock { reachable = newValue } }
    }
    /// When true, `enqueue` refuses (a full disk).
    public var refuses: Bool {
        get { lock.withLock { failing } }
        set { lock.withLock { failing = newValue } }
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
        let refused = lock.withLock { () -> Bool in
            if failing { return true }
            items.append(submission)
            return false
        }
        if refused { throw QueueFailure("stand-in outbox set to refuse") }
    }
}

/// A presentation-attack detector with scripted answers: the challenge `plan` every time, and the next
/// scripted judgement per `judge` (the last one repeats; none scripted: bona fide). Counts the frames the
/// camera thread fed it, so tests see the challenge really received the preview.
public final class StandInDetector: PresentationDetector, @unchecked Sendable {
    private let lock = NSLock()
    public let plan: ChallengePlan
    private var script: [PresentationJudgement]
    private var observedFrames = 0
    private var begun = 0
    private var resets = 0

    public init(plan: ChallengePlan = ChallengePlan(prompt: .turnLeft, promptDelay: .milliseconds(50), responseWindow: .milliseconds(200)),
                judgements: [PresentationJudgement] = []) {
        self.plan = plan
        self.script = judgements
    }

    public static func judgement(_ decision: PresentationDecision, score: Double) -> PresentationJudgement {
        PresentationJudgement(score: score, decision: decision,
                              cues: PresentationCues(frames: 20, framesWithFace: 20, movementDegrees: decision == .bonaFide ? 14 : 0,
                                                     challengeMet: decision == .bonaFide, parallax: decision == .bonaFide ? 0.8 : nil, blink: 0.1))
    }

    public var framesObserved: Int { lock.withLock { observedFrames } }
    public var challengesBegun: Int { lock.withLock { begun } }

    public func begin(at time: VisitInstant) -> ChallengePlan {
        lock.withLock {
            begun += 1
            observedFrames = 0
        }
        return plan
    }

    public func observe(_ frame: Frame, at time: VisitInstant) { lock.withLock { observedFrames += 1 } }

    public func judge() -> PresentationJudgement {
        lock.withLock {
            guard let next = script.first else { return Self.judgement(.bonaFide, score: 0.9) }
            if script.count > 1 { script.removeFirst() }
            return next
        }
    }

    public func reset() { lock.withLock { resets += 1 } }
}
