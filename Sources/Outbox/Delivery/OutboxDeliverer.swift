import Foundation

/// What one delivery round did.
public struct DeliveryRound: Sendable, Equatable {
    public var delivered = 0
    public var failed = 0
    /// The last failure's reason (no case ID, no payload).
    public var lastError: String?
}

/// Delivers the outbox to the office: takes due items, uploads them, records the receipt and erases the
/// payload, or schedules the next attempt by the retry policy. `fotoboxd` runs it in the background
/// (`start()` / `wake()` / `stop()`); `fotoboxctl queue deliver` calls `deliverDue()` in the foreground.
///
/// Exactly once: an item is `sending` while it is uploaded; if the process dies before the receipt is
/// recorded, the item goes back to `pending` at the next start and is uploaded again with the same
/// idempotency key, and the office answers with the receipt of the first time.
public final class OutboxDeliverer: @unchecked Sendable {
    public let outbox: Outbox
    public let settings: UploaderSettings
    public let retry: RetryPolicy
    /// How often the background loop looks for items queued by another process.
    public let pollInterval: Double
    private let log: @Sendable (String) -> Void

    // Guarded by `condition`.
    private let condition = NSCondition()
    private var uploader: Uploader?
    private var stopRequested = false
    private var woken = false
    private var thread: Thread?
    private var finished = false

    /// Checks the settings (https URL, files present) so a broken config shows at start.
    public init(outbox: Outbox, settings: UploaderSettings, retry: RetryPolicy = RetryPolicy(), pollInterval: Double = 5,
                log: @escaping @Sendable (String) -> Void = { _ in }) throws(OutboxError) {
        try settings.validate()
        self.outbox = outbox
        self.settings = settings
        self.retry = retry
        self.pollInterval = pollInterval
        self.log = log
    }

    /// Uploads every item that is due now, oldest first. Stops early when the office cannot be reached
    /// (the rest would fail the same way), after `limit` items, or when `stop()` was called.
    ///
    /// The receipt of one item is recorded (an fsync'd commit that also erases its payload) while the
    /// next item is being uploaded: the station's disk and the office's work overlap. A crash between the
    /// two loses nothing: an unrecorded item is sent again and the office answers with the same receipt.
    @discardableResult
    public func deliverDue(limit: Int = .max) throws(OutboxError) -> DeliveryRound {
        var round = DeliveryRound()
        let uploader = try sharedUploader()
        var accepted: Acceptance?
        defer { if let accepted { try? record(accepted, into: &round) } }
        while round.delivered + round.failed + (accepted == nil ? 0 : 1) < limit, !isStopping, var item = try outbox.claimNext() {
            let recording = accepted.map { RecordingInBackground(outbox: outbox, acceptance: $0) }
            let outcome = uploader.upload(body: item.body, contentType: item.contentType, idempotencyKey: item.idempotencyKey)
            wipe(&item.body)
            if let recording, let previous = accepted {
                accepted = nil
                try recording.wait()
                round.delivered += 1
                log(previous.logLine)
            }
            switch outcome {
            case .accepted(let receipt, let status):
                accepted = Acceptance(id: item.id, receiptID: receipt.receiptId, status: status)
            case .refused(let status, let message):
                let wait = retry.maximumDelay
                try outbox.recordFailure(id: item.id, error: "refused by the office (HTTP \(status)): \(message)", retryAt: Date().addingTimeInterval(wait))
                round.failed += 1
                round.lastError = "HTTP \(status): \(message)"
                log("outbox: item \(item.id) refused by the office (HTTP \(status)): \(message); kept, next attempt in \(Int(wait)) s")
            case .failed(let reason):
                let wait = retry.delay(afterFailures: item.attempts)
                try outbox.recordFailure(id: item.id, error: reason, retryAt: Date().addingTimeInterval(wait))
                round.failed += 1
                round.lastError = reason
                log("outbox: item \(item.id) not delivered (attempt \(item.attempts)): \(reason); next attempt in \(Int(wait.rounded(.up))) s")
                return round
            }
        }
        if let last = accepted {
            accepted = nil
            try record(last, into: &round)
        }
        return round
    }

    /// An upload the office accepted whose receipt is not yet recorded.
    struct Acceptance: Sendable {
        let id: Int64
        let receiptID: String
        let status: Int
        var logLine: String { "outbox: item \(id) delivered (HTTP \(status), receipt \(receiptID)); payload erased" }
    }

    private func record(_ acceptance: Acceptance, into round: inout DeliveryRound) throws(OutboxError) {
        try outbox.markAcknowledged(id: acceptance.id, receiptID: acceptance.receiptID)
        round.delivered += 1
        log(acceptance.logLine)
    }

    /// Starts the background delivery thread (idempotent).
    public func start() {
        condition.lock()
        defer { condition.unlock() }
        guard thread == nil else { return }
        stopRequested = false
        finished = false
        let thread = Thread { [self] in runLoop() }
        thread.name = "outbox-delivery"
        self.thread = thread
        thread.start()
    }

    /// Something was queued: deliver now instead of at the next poll.
    public func wake() {
        condition.lock()
        woken = true
        condition.broadcast()
        condition.unlock()
    }

    /// Stops the background thread after the upload in progress (bounded by the transfer timeout) and waits for it.
    public func stop() {
        condition.lock()
        stopRequested = true
        condition.broadcast()
        while thread != nil && !finished { condition.wait() }
        thread = nil
        condition.unlock()
    }

    private var isStopping: Bool {
        condition.lock()
        defer { condition.unlock() }
        return stopRequested
    }

    private func sharedUploader() throws(OutboxError) -> Uploader {
        condition.lock()
        defer { condition.unlock() }
        if let uploader { return uploader }
        let created = try Uploader(settings: settings)
        uploader = created
        return created
    }

    private func runLoop() {
        do { try outbox.recoverInterrupted() } catch { log("outbox: \(error)") }
        var lastAlert: String?
        while !isStopping {
            do {
                try deliverDue()
                let status = try outbox.status()
                if status.overdue > 0, status.summary != lastAlert { log(status.summary) }
                lastAlert = status.overdue > 0 ? status.summary : nil
            } catch {
                log("outbox: \(error)")
            }
            var wait = pollInterval
            if let due = try? outbox.nextDueDate() { wait = min(wait, max(0, due.timeIntervalSinceNow)) }
            condition.lock()
            let deadline = Date().addingTimeInterval(wait)
            while !stopRequested && !woken && condition.wait(until: deadline) {}
            woken = false
            condition.unlock()
        }
        condition.lock()
        finished = true
        condition.broadcast()
        condition.unlock()
    }
}

/// `markAcknowledged` on another thread, joined with `wait()`.
private final class RecordingInBackground: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    // Written by the worker before it signals `done`, read after `wait()`.
    private var failure: OutboxError?

    init(outbox: Outbox, acceptance: OutboxDeliverer.Acceptance) {
        let thread = Thread { [self] in
            do throws(OutboxError) { try outbox.markAcknowledged(id: acceptance.id, receiptID: acceptance.receiptID) } catch { failure = error }
            done.signal()
        }
        thread.start()
    }

    func wait() throws(OutboxError) {
        done.wait()
        if let failure { throw failure }
    }
}
