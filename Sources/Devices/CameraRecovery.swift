import Capture
import Platform

/// How a faulty camera is retried: reopen at once, then with doubling pauses up to a ceiling.
public struct RecoveryPolicy: Sendable, Equatable {
    public var initialBackoffMilliseconds: Int
    public var maxBackoffMilliseconds: Int
    /// How long a reopened camera may take for its first frame before its silence counts as a hang
    /// (cameras need a few frame periods after STREAMON).
    public var firstFrameGraceMilliseconds: Int

    public init(initialBackoffMilliseconds: Int = 100, maxBackoffMilliseconds: Int = 2_000, firstFrameGraceMilliseconds: Int = 2_000) {
        self.initialBackoffMilliseconds = max(initialBackoffMilliseconds, 1)
        self.maxBackoffMilliseconds = max(maxBackoffMilliseconds, self.initialBackoffMilliseconds)
        self.firstFrameGraceMilliseconds = max(firstFrameGraceMilliseconds, 0)
    }
}

/// A camera that survives its faults without a restart of the process: an unplugged cable (ENODEV), a
/// hung camera (no frame within the timeout), a run of broken buffers, a device busy elsewhere. Each
/// fault is logged once, the camera is closed and reopened with backoff — early when the hotplug monitor
/// sees its node come back — and configured and started as before.
///
/// `nextFrame` never waits longer than its timeout: while the camera is away it throws the current
/// fault, and the next call carries on recovering.
public final class RecoveringCamera: Camera {
    private let camera: any Camera
    private let policy: RecoveryPolicy
    private let hotplug: HotplugMonitor?
    private var log: FaultLog
    private var request: StreamRequest?
    private var streaming = false
    private var fault: CameraError?
    private var faultDetectedAt: UInt64 = 0
    private var nextAttemptAt: UInt64 = 0
    private var backoffMilliseconds: Int
    private var awaitingFirstFrame = false
    private var restartedAt: UInt64 = 0
    /// Counters of the streams before the last restart; `innerCounted` once the current inner stream's
    /// counters are among them (it failed and waits for its restart).
    private var earlier = StreamStatistics()
    private var innerCounted = false

    public var name: String { camera.name }

    public init(_ camera: any Camera, policy: RecoveryPolicy = RecoveryPolicy(), hotplug: HotplugMonitor? = nil,
                log: CameraLog = .standardError) {
        self.camera = camera
        self.policy = policy
        self.hotplug = hotplug
        self.log = FaultLog(log)
        self.backoffMilliseconds = policy.initialBackoffMilliseconds
    }

    /// The format of the stream, as negotiated at the last (re)start; nil before the camera was there.
    public private(set) var format: NegotiatedFormat?

    /// The fault being recovered from, nil while frames flow.
    public var currentFault: CameraError? { fault }

    public var statistics: StreamStatistics {
        if innerCounted { return earlier }
        var total = camera.statistics
        total.include(earlier: earlier)
        return total
    }

    public func open() throws(CameraError) { try camera.open() }

    public func configure(_ request: StreamRequest) throws(CameraError) -> NegotiatedFormat {
        let format = try camera.configure(request)
        self.request = request
        self.format = format
        return format
    }

    /// Streams `request` as soon as the camera can: a camera missing, busy or faulty now is waited for in
    /// `nextFrame` exactly like one lost mid-stream, so the service may start before the camera is plugged
    /// in. Only what no reopen can cure (no format the station reads) is thrown.
    public func startWhenAvailable(_ request: StreamRequest) throws(CameraError) {
        self.request = request
        earlier = StreamStatistics()
        innerCounted = false
        fault = nil
        awaitingFirstFrame = false
        log.cleared()
        streaming = true
        do {
            format = try camera.configure(request)
            try camera.start()
        } catch where error.isRecoverable {
            camera.close()
            innerCounted = true
            enterFault(error, at: MonotonicClock.nanoseconds())
        } catch {
            streaming = false
            throw error
        }
    }

    public func start() throws(CameraError) {
        try camera.start()
        streaming = true
        earlier = StreamStatistics()
        innerCounted = false
        fault = nil
        log.cleared()
    }

    public func stop() {
        camera.stop()
        streaming = false
    }

    public func close() {
        camera.close()
        streaming = false
    }

    public func nextFrame(timeoutMilliseconds: Int) throws(CameraError) -> Frame {
        guard streaming else { throw .wrongState(device: name, expected: "start the stream before reading frames") }
        let deadline = MonotonicClock.nanoseconds() &+ UInt64(max(timeoutMilliseconds, 0)) &* 1_000_000
        var readOnce = false
        var lastFault: CameraError? = fault
        while true {
            let now = MonotonicClock.nanoseconds()
            if fault == nil {
                // A restart that used up the time: the caller hears of the fault, and the fresh stream is
                // read on the next call.
                if now >= deadline && (readOnce || awaitingFirstFrame) {
                    throw lastFault ?? .timedOut(device: name, milliseconds: timeoutMilliseconds)
                }
                readOnce = true
                let remaining = now >= deadline ? 0 : Int((deadline - now) / 1_000_000)
                do {
                    let frame = try camera.nextFrame(timeoutMilliseconds: remaining)
                    if awaitingFirstFrame { recovered(at: MonotonicClock.nanoseconds()) }
                    return frame
                } catch where error.isRecoverable {
                    // A restarted camera gets its first-frame grace before silence counts as a hang.
                    if awaitingFirstFrame, error.kind == "timedOut",
                       MonotonicClock.nanoseconds() &- restartedAt < UInt64(policy.firstFrameGraceMilliseconds) &* 1_000_000 {
                        throw lastFault ?? error
                    }
                    lastFault = error
                    enterFault(error, at: MonotonicClock.nanoseconds())
                }
                continue
            }
            if now >= nextAttemptAt && tryRestart() { continue }
            let current = MonotonicClock.nanoseconds()
            if current >= deadline { throw fault! }
            let wait = Int((min(nextAttemptAt, deadline) &- min(current, nextAttemptAt)) / 1_000_000)
            if wait > 0 { pause(milliseconds: wait) }
        }
    }

    // MARK: - Internals

    private func enterFault(_ error: CameraError, at now: UInt64) {
        earlier.faults += 1
        log.once(error.kind, "\(error); recovering")
        if awaitingFirstFrame {
            // The restart did not cure it: wait longer before the next one.
            nextAttemptAt = now &+ UInt64(backoffMilliseconds) &* 1_000_000
            backoffMilliseconds = min(backoffMilliseconds * 2, policy.maxBackoffMilliseconds)
        } else {
            // A fresh fault: reopen at once (an unplug is often a glitch; a hang needs a fresh open).
            faultDetectedAt = now
            backoffMilliseconds = policy.initialBackoffMilliseconds
            nextAttemptAt = now
        }
        fault = error
        awaitingFirstFrame = false
    }

    /// Close, reopen, configure and start. False (and the next attempt scheduled) when that failed.
    private func tryRestart() -> Bool {
        if !innerCounted {
            earlier.include(earlier: camera.statistics)
            innerCounted = true
        }
        camera.close()
        do {
            try camera.open()
            if let request { format = try camera.configure(request) }
            try camera.start()
        } catch {
            camera.close()
            // Whatever stands in the way now is the fault to report (a busy node, a missing node, even a
            // different camera plugged in); the next attempt follows after the backoff.
            log.once(error.kind, "\(error); still recovering")
            fault = error
            nextAttemptAt = MonotonicClock.nanoseconds() &+ UInt64(backoffMilliseconds) &* 1_000_000
            backoffMilliseconds = min(backoffMilliseconds * 2, policy.maxBackoffMilliseconds)
            return false
        }
        fault = nil
        innerCounted = false
        awaitingFirstFrame = true
        restartedAt = MonotonicClock.nanoseconds()
        return true
    }

    private func recovered(at now: UInt64) {
        awaitingFirstFrame = false
        let milliseconds = Double(now &- faultDetectedAt) / 1e6
        earlier.recoveries += 1
        earlier.lastRecoveryMilliseconds = milliseconds
        earlier.maxRecoveryMilliseconds = max(earlier.maxRecoveryMilliseconds, milliseconds)
        log.log.write("\(name): recovered, frames again after \(formatMilliseconds(milliseconds)) ms")
        log.cleared()
    }

    /// Sleeps, or waits for the node to come back when a hotplug monitor is watching.
    private func pause(milliseconds: Int) {
        if let hotplug {
            if hotplug.waitForNode(timeoutMilliseconds: milliseconds) != nil { nextAttemptAt = MonotonicClock.nanoseconds() }
            return
        }
        MonotonicClock.sleep(nanoseconds: UInt64(milliseconds) &* 1_000_000)
    }
}

func formatMilliseconds(_ value: Double) -> String {
    String(Int(value.rounded()))
}
