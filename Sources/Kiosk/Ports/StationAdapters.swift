import VisitCore
import Submission
import Capture
import Configuration
import Devices
import Foundation
import Platform
import Outbox

/// The kiosk's signature port over a Devices `SignaturePad` (a Wacom STU over libusb, or its simulator).
/// The pad is opened afresh for every visit and released after it: a pad replugged between citizens is
/// simply found again, and nothing of one signature can reach the next.
///
/// Single owner: the visit thread makes every call of this port (docs/architecture.md, threading), so the
/// pad — not `Sendable`, one owner thread — is the visit thread's. It is kept in `slot` between calls only
/// because the port object is shared (`SignatureCapture` is `Sendable`, as `VisitService` is): each call takes
/// the pad out (`sending`), talks to it with no lock held, and puts it back in a fresh Platform `Handover` (why
/// a new box each time: see there); the lock is held for the take and the put, never across pad I/O. The one
/// thing another thread may do, `cancel()`, goes through the open pad's `PadCancellation` handle.
public final class PadSignatureCapture: SignatureCapture, Sendable {
    private let openPad: @Sendable () throws(PadError) -> sending any SignaturePad
    private let document: SignatureDocument
    /// The open pad between two calls of the visit thread, and what it gave.
    private let slot = Locked(PadSlot())
    private struct PadSlot {
        var pad: Handover<any SignaturePad>?
        var latest: Signature?
        var lost: SignatureFailure?
        /// Cancelled from another thread: no more ink is taken until the next `begin`.
        var cancelled = false
    }
    /// The open pad's cancel handle (nil between visits), for `cancel()` from any thread.
    private let cancellation = Locked<PadCancellation?>(nil)

    public init(document: SignatureDocument = .idCard, open: @escaping @Sendable () throws(PadError) -> sending any SignaturePad) {
        self.openPad = open
        self.document = document
    }

    public func begin() throws(SignatureFailure) {
        end()
        let opened: any SignaturePad
        do {
            opened = try openPad()
            try opened.begin()
        } catch {
            throw .padUnavailable("\(error)")
        }
        let handle = opened.cancellation
        let handover = Handover<any SignaturePad>(opened)
        slot.withLock { slot in
            slot.pad = handover
            slot.lost = nil
            slot.cancelled = false
        }
        cancellation.withLock { $0 = handle }
    }

    public func poll() -> (signature: Signature, pressed: VisitCore.PadButton?) {
        let empty = Signature(strokes: [], padWidth: 1, padHeight: 1, unitsPerMillimetre: nil)
        let taken = slot.withLock { slot -> (pad: Handover<any SignaturePad>?, latest: Signature?) in
            guard slot.lost == nil, !slot.cancelled, let pad = slot.pad.take() else { return (nil, slot.latest) }
            return (pad, slot.latest)
        }
        guard let pad = taken.pad?.take() else { return (taken.latest ?? empty, nil) }
        let outcome: Result<PadProgress, PadError>
        do { outcome = .success(try pad.poll(waitMilliseconds: 0)) } catch { outcome = .failure(error) }
        let handover = Handover<any SignaturePad>(pad)
        return slot.withLock { slot in
            slot.pad = handover
            switch outcome {
            case .success(let progress):
                slot.latest = progress.signature
                let pressed: VisitCore.PadButton? = switch progress.pressed {
                case .ok: .accept
                case .retry: .retry
                case nil: nil
                }
                return (progress.signature, pressed)
            case .failure(.cancelled):
                // Ended from another thread: no more ink and no press, but no pad failure either (the pad is
                // fine); the visit's own `end()` clears and releases it.
                slot.cancelled = true
                return (slot.latest ?? empty, nil)
            case .failure(let error):
                // Unplugged or broken mid-signature: remembered, so the visit can say so (`failure`).
                slot.lost = .padUnavailable("\(error)")
                return (slot.latest ?? empty, nil)
            }
        }
    }

    public var failure: SignatureFailure? { slot.withLock { $0.lost } }

    /// Opens and closes the pad when none is open (between visits); an open one is there.
    public func probe() -> Bool {
        if slot.withLock({ $0.pad != nil }) { return true }
        do {
            try openPad().close()
            return true
        } catch {
            return false
        }
    }

    public func clear() {
        guard let pad = slot.withLock({ $0.pad.take() })?.take() else { return }
        try? pad.clear()
        let handover = Handover<any SignaturePad>(pad)
        slot.withLock { slot in
            slot.pad = handover
            slot.latest = nil
        }
    }

    public func finish() throws(SignatureFailure) -> [UInt8] {
        // The pen data that came in since the last tick belongs to the signature too.
        _ = poll()
        guard let signature = slot.withLock({ $0.latest }) else { throw .tooSmall }
        do { return try SignatureRenderer().jpeg(signature, for: document) } catch {
            switch error {
            case .empty, .tooSmall: throw .tooSmall
            case .encoding: throw .rendering("\(error)")
            }
        }
    }

    public func end() {
        cancellation.withLock { $0 = nil }
        let pad = slot.withLock { slot -> Handover<any SignaturePad>? in
            slot.latest = nil
            slot.lost = nil
            slot.cancelled = false
            return slot.pad.take()
        }?.take()
        pad?.end()
        pad?.close()
    }

    /// Ends the running signature at once, from any thread: the pad's reader is told through its cancel handle
    /// (no lock shared with the visit thread's pad calls), so the next `poll` takes no more ink and no press;
    /// the visit thread's `end()` then clears and releases the pad.
    public func cancel() {
        cancellation.withLock { $0 }?.cancel()
    }
}

/// The kiosk's queue port over the encrypted outbox; its deliverer uploads in the background.
public final class OutboxSubmissionQueue: SubmissionQueue, Sendable {
    private let outbox: Outbox
    private let deliverer: OutboxDeliverer?
    private let stationID: String
    private let profile: CaptureProfile
    /// The outbox's directory (its file system's free space goes into the health report).
    public let directory: String
    private let queuedSinceStart = Locked(0)

    /// Opens the outbox (refusing to start without a usable key: nothing could be stored safely). When the
    /// [backend] settings are incomplete the station still takes submissions and keeps them, and says so:
    /// they are delivered once a technician completes the config.
    public init(config: StationConfig, log: @escaping @Sendable (String) -> Void) throws(OutboxError) {
        outbox = try Outbox(config: config)
        stationID = config.stationID
        profile = config.profile
        directory = config.outboxPath
        do {
            deliverer = try OutboxDeliverer(outbox: outbox, settings: UploaderSettings(config: config), log: log)
        } catch {
            log("ALERT: nothing will be delivered until the config is fixed: \(error)")
            deliverer = nil
        }
        deliverer?.start()
    }

    public func enqueue(_ submission: VisitSubmission) throws(QueueFailure) {
        let now = Date()
        let context = submission.context
        let metadata = CaptureMetadata(stationID: stationID, capturedAt: CaptureMetadata.timestamp(context.capturedAt ?? now),
                                       queuedAt: CaptureMetadata.timestamp(now), camera: context.camera.isEmpty ? "unknown" : context.camera,
                                       profile: profile,
                                       visit: VisitContext(language: .known(context.language), retakes: context.retakes,
                                                           compliant: context.compliant, visitSeconds: context.visitSeconds,
                                                           confirmationCode: submission.confirmationCode))
        do {
            _ = try outbox.enqueue(Submission(caseID: submission.caseNumber, photo: submission.photoJPEG,
                                              signature: submission.signatureJPEG, report: submission.reportJSON,
                                              metadata: metadata))
        } catch {
            throw QueueFailure("\(error)")
        }
        queuedSinceStart.withLock { $0 += 1 }
        deliverer?.wake()
    }

    /// The queue's counts for the health report, nil when the outbox cannot be read.
    public func status() -> OutboxStatus? { try? outbox.status() }

    /// Submissions queued since the station started.
    public var submissionsQueued: Int { queuedSinceStart.withLock { $0 } }

    /// Whether the latest upload attempt reached the office: nothing is waiting with an error.
    public var officeReachable: Bool {
        guard deliverer != nil, let status = try? outbox.status() else { return false }
        return status.pending + status.sending == 0 || status.lastError == nil
    }

    public func stop() { deliverer?.stop() }
}
