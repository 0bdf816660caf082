import KioskTestSupport
import VisitCore
import Testing
import Foundation
import Kiosk
import Devices
import Platform
import Capture

/// Log lines a test can read back.
final class LogCapture: Sendable {
    private let lines = Locked<[String]>([])
    var all: [String] { lines.withLock { $0 } }
    var journal: Journal {
        Journal(caseKey: Array(repeating: 7, count: 32)) { [lines] priority, message, fields in
            let line = "\(priority) \(message) " + fields.map { "\($0)=\($1)" }.joined(separator: " ")
            lines.withLock { $0.append(line) }
        }
    }
}

/// A service on the stand-ins, fast: 100 frames/s, no countdown, 20 ms ticks.
struct ServiceRig {
    let camera = StandInCamera(frames: [StandInCamera.syntheticFrame(width: 160, height: 120)], framesPerSecond: 100)
    let pipeline = StandInPipeline(script: [.good])
    let pad = StandInPad(signingTime: .milliseconds(100))
    let queue = StandInQueue()
    let log = LogCapture()
    let scratch: String
    let service: VisitService

    /// nil unless the rig runs a liveness mode other than `off`.
    let detector: StandInDetector?

    init(timeout: Duration = .seconds(60), captureLimit: Duration = .seconds(30), liveness: LivenessMode = .off,
         detector: StandInDetector? = nil, comeBackScreen: Duration = .seconds(20)) {
        scratch = NSTemporaryDirectory() + "fotobox-scratch-\(UUID().uuidString)"
        try! FileSystem.createDirectory(scratch)
        self.detector = detector
        let machine = VisitMachine(settings: VisitSettings(inactivityTimeout: timeout, warningLead: timeout / 4, captureLimit: captureLimit, countdown: .milliseconds(50),
                                                           liveness: liveness, comeBackScreen: comeBackScreen),
                                   now: MonotonicKioskClock().now(), validateCaseNumber: testRules)
        service = VisitService(machine: machine,
                               ports: .init(pipeline: pipeline, pad: pad, queue: queue, detector: detector), frames: CameraFrameSource(camera: camera),
                               clock: MonotonicKioskClock(), journal: log.journal, scratchDirectory: scratch,
                               burstSize: 3, tickInterval: .milliseconds(20), padProbeInterval: .milliseconds(100))
    }

    func cleanUp() {
        service.stop()
        try? FileSystem.removeTree(scratch)
    }
}

/// Polls `condition` every 10 ms for up to `seconds`.
func eventually(_ seconds: Double = 5, _ condition: () -> Bool) -> Bool {
    let deadline = ContinuousClock.now + .seconds(seconds)
    while ContinuousClock.now < deadline {
        if condition() { return true }
        usleep(10_000)
    }
    return condition()
}

@Suite("Visit service", .serialized)
struct VisitServiceTests {
    @Test func fullVisitQueuesOneSubmissionAndLeavesNothing() throws {
        let rig = ServiceRig()
        defer { rig.cleanUp() }
        rig.service.start()
        let (token, started) = try rig.service.startVisit(.en)
        #expect(started.step == .caseNumber)
        #expect(started.owned)
        try rig.service.perform(.caseNumber("ABCD-1234"), token: token)
        try rig.service.perform(.consent(true), token: token)
        #expect(eventually { rig.service.snapshot(token: token).guidance == "good" })
        // The preview streams to the owner only.
        #expect(rig.service.waitForPreview(after: 0, token: token, timeout: .seconds(2)) != nil)
        #expect(rig.service.waitForPreview(after: 0, token: "someone-else", timeout: .milliseconds(50)) == nil)
        // Something the pipeline left in the scratch directory.
        try FileSystem.writeNewFile(rig.scratch + "/burst.tmp", [1, 2, 3])
        try rig.service.perform(.takePhoto, token: token)
        #expect(eventually { rig.service.snapshot(token: token).step == .review })
        #expect(rig.service.photo(token: token) != nil)
        #expect(rig.service.photo(token: nil) == nil)
        try rig.service.perform(.review(accept: true), token: token)
        #expect(eventually { (rig.service.signatureMirror(token: token)?.pointCount ?? 0) >= 100 })
        // The accepted signature sends: no second confirmation.
        try rig.service.perform(.signature(accept: true), token: token)
        #expect(eventually { rig.service.snapshot(token: token).step == .receipt })
        let receipt = rig.service.snapshot(token: token)
        #expect(receipt.receipt?.caseNumber == "ABCD-1234")
        #expect(receipt.receipt?.officeReachable == true)
        #expect(rig.queue.submissions.count == 1)
        #expect(rig.queue.submissions.first?.confirmationCode.text == receipt.receipt?.confirmationCode)
        let context = try #require(rig.queue.submissions.first?.context)
        #expect(context.camera == "stand-in" && context.language == .en && context.retakes == 0 && context.compliant)
        #expect(context.capturedAt != nil && context.visitSeconds >= 0)

        let finished = try rig.service.perform(.finish, token: token)
        #expect(finished.step == .welcome)
        // The wipe: memory structures, temp files, the API.
        let residue = rig.service.residue
        #expect(residue.step == .welcome && !residue.hasVisit && !residue.hasPreview)
        #expect(residue.burstFrames == 0 && !residue.hasMirror && !residue.padActive)
        #expect(try FileSystem.listDirectory(rig.scratch).isEmpty)
        let after = rig.service.snapshot(token: token)
        #expect(!after.active && !after.owned && after.caseNumber == nil && after.receipt == nil && after.photo == nil)
        #expect(rig.service.photo(token: token) == nil)
        #expect(rig.service.waitForPreview(after: 0, token: token, timeout: .milliseconds(50)) == nil)
        #expect(throws: VisitRefusal.notYourVisit) { try rig.service.perform(.keepAlive, token: token) }
        // Only the outbox entry survives; the logs never name the case.
        #expect(rig.queue.submissions.count == 1)
        #expect(!rig.log.all.isEmpty)
        #expect(rig.log.all.allSatisfy { !$0.contains("ABCD-1234") })
        #expect(rig.log.all.contains { $0.contains("case=") })
    }

    @Test func abandonedVisitIsWipedByTheTimeout() throws {
        let rig = ServiceRig(timeout: .milliseconds(600))
        defer { rig.cleanUp() }
        rig.service.start()
        let (token, _) = try rig.service.startVisit(.de)
        try rig.service.perform(.caseNumber("ABCD-1234"), token: token)
        try rig.service.perform(.consent(true), token: token)
        try rig.service.perform(.takePhoto, token: token)
        #expect(eventually { rig.service.snapshot(token: token).step == .review })
        try FileSystem.writeNewFile(rig.scratch + "/left-over", [9])
        // The warning comes first, then the wipe.
        #expect(eventually { rig.service.snapshot(token: token).timeout?.warningSecondsLeft != nil })
        #expect(eventually { rig.service.snapshot(token: nil).step == .welcome })
        // The wipe's effects run right after the state change, on the ticker thread.
        #expect(eventually { rig.log.all.contains { $0.contains("reason=inactivity") } })
        #expect(rig.service.residue.hasVisit == false)
        #expect(rig.service.residue.hasPreview == false)
        #expect(try FileSystem.listDirectory(rig.scratch).isEmpty)
        #expect(rig.queue.submissions.isEmpty)
    }

    @Test func secondTabCannotTakeOver() throws {
        let rig = ServiceRig()
        defer { rig.cleanUp() }
        rig.service.start()
        _ = try rig.service.startVisit(.de)
        #expect(throws: VisitRefusal.visitInProgress) { try rig.service.startVisit(.en) }
        #expect(throws: VisitRefusal.notYourVisit) { try rig.service.perform(.cancel, token: "f00") }
        let stranger = rig.service.snapshot(token: "f00")
        #expect(stranger.active && !stranger.owned && stranger.step == .caseNumber)
    }

    @Test func cameraFailureIsShownAndRecovers() throws {
        let rig = ServiceRig()
        defer { rig.cleanUp() }
        rig.service.start()
        let (token, _) = try rig.service.startVisit(.de)
        try rig.service.perform(.caseNumber("ABCD-1234"), token: token)
        rig.camera.failure = .deviceGone("stand-in")
        try rig.service.perform(.consent(true), token: token)
        #expect(eventually { rig.service.snapshot(token: token).problem == "camera-unavailable" })
        #expect(throws: VisitRefusal.cameraUnavailable) { try rig.service.perform(.takePhoto, token: token) }
        rig.camera.failure = nil
        #expect(eventually(8) { rig.service.snapshot(token: token).camera == .ok })
        #expect(rig.log.all.filter { $0.contains("camera-unavailable") }.count == 1, "logged once")
    }

    @Test func aStationWithoutCameraOrPadIsOutOfOrderBeforeAnyVisit() throws {
        let rig = ServiceRig()
        defer { rig.cleanUp() }
        rig.camera.failure = .deviceGone("stand-in")
        rig.service.start()
        #expect(eventually { rig.service.snapshot(token: nil).faults == [.camera] })
        #expect(throws: VisitRefusal.outOfOrder([.camera])) { try rig.service.startVisit(.de) }
        rig.camera.failure = nil
        #expect(eventually(8) { rig.service.snapshot(token: nil).faults.isEmpty })
        rig.pad.available = false
        #expect(eventually { rig.service.snapshot(token: nil).faults == [.pad] })
        #expect(throws: VisitRefusal.outOfOrder([.pad])) { try rig.service.startVisit(.de) }
        rig.pad.available = true
        #expect(eventually { rig.service.snapshot(token: nil).faults.isEmpty })
        _ = try rig.service.startVisit(.de)
    }

    @Test func padUnavailableAndOutboxRefusalAreShown() throws {
        let rig = ServiceRig()
        defer { rig.cleanUp() }
        rig.service.start()
        let (token, _) = try rig.service.startVisit(.de)
        try rig.service.perform(.caseNumber("ABCD-1234"), token: token)
        try rig.service.perform(.consent(true), token: token)
        try rig.service.perform(.takePhoto, token: token)
        #expect(eventually { rig.service.snapshot(token: token).step == .review })
        rig.pad.available = false
        let failed = try rig.service.perform(.review(accept: true), token: token)
        #expect(failed.problem == "pad-unavailable")
        rig.pad.available = true
        try rig.service.perform(.signature(accept: true), token: token)   // try again
        #expect(eventually { (rig.service.signatureMirror(token: token)?.pointCount ?? 0) >= 100 })
        rig.queue.refuses = true
        try rig.service.perform(.signature(accept: true), token: token)
        #expect(eventually { rig.service.snapshot(token: token).step == .summary })
        let refused = rig.service.snapshot(token: token)
        #expect(refused.step == .summary && refused.problem == "queue-failed")
        rig.queue.refuses = false
        rig.queue.officeReachable = false
        let queued = try rig.service.perform(.confirm, token: token)
        #expect(queued.receipt?.officeReachable == false)
    }

    /// `stop()` from another thread while the visit thread hangs inside a pad call (a transfer that never
    /// ends): the pad's `cancel()` ends that call, the visit is wiped and every thread ends within stop's
    /// bounded wait (no `stop-timeout`). The cancel is not latched: the restarted service takes the next
    /// citizen's signature to the receipt.
    @Test func stopEndsAHangingPadCallAndARestartedServiceSignsAgain() throws {
        let rig = ServiceRig()
        defer { rig.cleanUp() }
        func visitToSignature() throws -> String {
            let (token, _) = try rig.service.startVisit(.de)
            try rig.service.perform(.caseNumber("ABCD-1234"), token: token)
            try rig.service.perform(.consent(true), token: token)
            #expect(eventually { rig.service.snapshot(token: token).guidance == "good" })
            try rig.service.perform(.takePhoto, token: token)
            #expect(eventually { rig.service.snapshot(token: token).step == .review })
            try rig.service.perform(.review(accept: true), token: token)
            #expect(rig.service.snapshot(token: token).step == .signature)
            return token
        }
        rig.service.start()
        let first = try visitToSignature()
        rig.pad.stalls = true
        #expect(eventually { rig.pad.isStalled })
        let service = rig.service
        let stopper = try JoinableThread(name: "stopper") { service.stop() }
        stopper.join()
        #expect(!rig.pad.isStalled)
        #expect(!rig.log.all.contains { $0.contains("stop-timeout") }, "\(rig.log.all)")
        let residue = rig.service.residue
        #expect(residue.step == .welcome && !residue.hasVisit && !residue.padActive && !residue.hasMirror)
        #expect(!rig.pad.isInking)
        #expect(rig.service.snapshot(token: first).owned == false)

        rig.pad.stalls = false
        rig.service.start()
        let second = try visitToSignature()
        #expect(eventually { (rig.service.signatureMirror(token: second)?.pointCount ?? 0) >= 100 })
        try rig.service.perform(.signature(accept: true), token: second)
        #expect(eventually { rig.service.snapshot(token: second).step == .receipt })
        #expect(rig.queue.submissions.count == 1)
    }

    /// The camera thread owns the source: every call, `close` included, comes from that one thread, and
    /// `stop()` returns with the source closed once, after the last frame was taken.
    @Test func theCameraThreadAloneUsesAndClosesTheSource() throws {
        let source = ThreadRecordingSource()
        let machine = VisitMachine(settings: VisitSettings(inactivityTimeout: .seconds(60), warningLead: .seconds(15), captureLimit: .seconds(30), countdown: .milliseconds(50)),
                                   now: MonotonicKioskClock().now(), validateCaseNumber: testRules)
        let service = VisitService(machine: machine,
                                   ports: .init(pipeline: StandInPipeline(script: [.good]), pad: StandInPad(signingTime: .milliseconds(100)),
                                                queue: StandInQueue()),
                                   frames: source,
                                   clock: MonotonicKioskClock(), journal: LogCapture().journal, tickInterval: .milliseconds(20))
        service.start()
        #expect(eventually { service.frameCount >= 3 })
        service.stop()
        let calls = source.calls
        #expect(calls.last == "close")
        #expect(calls.filter { $0 == "close" }.count == 1)
        // One thread made every call, `close` included (stop() ran on this test's thread).
        #expect(source.threads.count == 1)
        #expect(!source.threads.contains(ObjectIdentifier(Thread.current)))
    }
}

/// A frame source that records what was called and from which threads: `Sendable` (its record is behind a
/// lock), so the test reads it while the service's camera thread uses it.
private final class ThreadRecordingSource: FrameSource, Sendable {
    private let log = Locked<(calls: [String], threads: Set<ObjectIdentifier>)>(([], []))
    var calls: [String] { log.withLock { $0.calls } }
    var threads: Set<ObjectIdentifier> { log.withLock { $0.threads } }
    let name = "recording"
    private let frame = StandInCamera.syntheticFrame(width: 160, height: 120)

    private func record(_ call: String) {
        let thread = ObjectIdentifier(Thread.current)
        log.withLock { state in
            state.calls.append(call)
            state.threads.insert(thread)
        }
    }

    func nextFrame(timeoutMilliseconds: Int) throws(CameraError) -> Frame {
        record("frame")
        usleep(10_000)
        return Frame(format: .mjpeg, size: FrameSize(width: 160, height: 120), bytesPerLine: 0, bytes: frame, sequence: 0,
                     capturedNanoseconds: 0, dequeuedNanoseconds: 0)
    }

    func close() { record("close") }
}
