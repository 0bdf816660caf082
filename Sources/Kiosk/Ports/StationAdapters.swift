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
public final class PadSignatureCapture: SignatureCapture, Sendable {
    private let openPad: @Sendable () throws(PadError) -> any SignaturePad
    private let document: SignatureDocument
    /// The open pad and what it gave, under one lock held around every call into the pad: the visit
    /// thread's ticker polls while requests clear, finish or end.
    private let state = Locked(PadState())
    private struct PadState {
        var pad: (any SignaturePad)?
        var latest: Signature?
        var lost: SignatureFailure?
    }

    public init(document: SignatureDocument = .idCard, open: @escaping @Sendable () throws(PadError) -> any SignaturePad) {
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
        state.withLock { state in
            state.pad = opened
            state.lost = nil
        }
    }

    public func poll() -> (signature: Signature, pressed: VisitCore.PadButton?) {
        state.withLock { state in
            let empty = Signature(strokes: [], padWidth: 1, padHeight: 1, unitsPerMillimetre: nil)
            guard let current = state.pad, state.lost == nil else { return (state.latest ?? empty, nil) }
            do {
                let progress = try current.poll(waitMilliseconds: 0)
                state.latest = progress.signature
                let pressed: VisitCore.PadButton? = switch progress.pressed {
                case .ok: .accept
                case .retry: .retry
                case nil: nil
                }
                return (progress.signature, pressed)
            } catch {
                // Unplugged or broken mid-signature: remembered, so the visit can say so (`failure`).
                state.lost = .padUnavailable("\(error)")
                return (state.latest ?? empty, nil)
            }
        }
    }

    public var failure: SignatureFailure? { state.withLock { $0.lost } }

    /// Opens and closes the pad when none is open (between visits); an open one is there.
    public func probe() -> Bool {
        if state.withLock({ $0.pad != nil }) { return true }
        do {
            try openPad().close()
            return true
        } catch {
            return false
        }
    }

    public func clear() {
        state.withLock { state in
            try? state.pad?.clear()
            state.latest = nil
        }
    }

    public func finish() throws(SignatureFailure) -> [UInt8] {
        // The pen data that came in since the last tick belongs to the signature too.
        _ = poll()
        guard let signature = state.withLock({ $0.latest }) else { throw .tooSmall }
        do { return try SignatureRenderer().jpeg(signature, for: document) } catch {
            switch error {
            case .empty, .tooSmall: throw .tooSmall
            case .encoding: throw .rendering("\(error)")
            }
        }
    }

    public func end() {
        state.withLock { state in
            state.pad?.end()
            state.pad?.close()
            state.pad = nil
            state.latest = nil
            state.lost = nil
        }
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
                                       visit: VisitContext(language: context.language.rawValue, retakes: context.retakes,
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
