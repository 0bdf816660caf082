import Foundation
import Platform

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
public final class OutboxDeliverer: Sendable {
    public let outbox: Outbox
    public let settings: UploaderSettings
    public let retry: RetryPolicy
    /// How often the background loop looks for items queued by another process.
    public let pollInterval: Double
    /// Uploads in flight at once, each on its own connection: while one item's receipt is being written
    /// to disk here, the next is already travelling, and the office's disk waits overlap too.
    public let parallelUploads: Int
    private let log: @Sendable (String) -> Void

    /// The background loop's life: started (its thread), asked to stop.
    private let loop = Locked(LoopState())
    private struct LoopState {
        var started = false
        var stopRequested = false
        var thread: JoinableThread?
    }
    /// Wakes the background loop before its poll interval (something was queued, or stop).
    private let wakeUp = DispatchSemaphore(value: 0)
    /// Broadcast by `stop()`: ends a foreground wait between rounds (`deliverUntilEmpty`).
    let stopping = ChangeSignal()

    /// Checks the settings (https URL, files present) so a broken config shows at start.
    public init(outbox: Outbox, settings: UploaderSettings, retry: RetryPolicy = RetryPolicy(), pollInterval: Double = 5,
                parallelUploads: Int = 2, log: @escaping @Sendable (String) -> Void = { _ in }) throws(OutboxError) {
        try settings.validate()
        self.outbox = outbox
        self.settings = settings
        self.retry = retry
        self.pollInterval = pollInterval
        self.parallelUploads = min(max(parallelUploads, 1), 8)
        self.log = log
    }

    /// Uploads every item that is due now, oldest first, over `parallelUploads` connections. Stops early
    /// when the office cannot be reached (the rest would fail the same way), after `limit` items, or when
    /// `stop()` was called.
    @discardableResult
    public func deliverDue(limit: Int = .max) throws(OutboxError) -> DeliveryRound {
        try deliverRound(limit: limit, with: makeUploaders()).result.get()
    }

    /// One round on the caller's uploaders, kept from round to round so consecutive rounds reuse the office
    /// connection (made when fewer than `parallelUploads` are at hand; a failed round hands them back too).
    private func deliverRound(keeping uploaders: inout [UploaderHandover]) throws(OutboxError) -> DeliveryRound {
        if uploaders.count < parallelUploads { uploaders = try makeUploaders() }
        let round = deliverRound(limit: .max, with: uploaders)
        uploaders = round.uploaders
        return try round.result.get()
    }

    /// `parallelUploads` fresh uploaders (nothing connects before the first upload).
    private func makeUploaders() throws(OutboxError) -> [UploaderHandover] {
        var uploaders: [UploaderHandover] = []
        for _ in 0..<parallelUploads { uploaders.append(UploaderHandover(try Uploader(settings: settings))) }
        return uploaders
    }

    /// One round, one worker per uploader. `Uploader` is not `Sendable`: the caller owns the uploaders
    /// (the deliverer's thread keeps them from round to round, so consecutive rounds reuse the connection;
    /// `deliverDue()` makes its own), hands each worker its own, and gets them back when the round ends. No
    /// lock is held while an uploader is used: the hand-over's lock covers only the hand-over.
    private func deliverRound(limit: Int, with uploaders: [UploaderHandover]) -> (result: Result<DeliveryRound, OutboxError>, uploaders: [UploaderHandover]) {
        let progress = RoundProgress(limit: limit)
        let handedBack = Locked<[UploaderHandover]>([])
        DispatchQueue.concurrentPerform(iterations: uploaders.count) { index in
            guard let uploader = uploaders[index].take() else { return }
            deliver(with: uploader, progress: progress)
            let back = UploaderHandover(uploader)
            handedBack.withLock { $0.append(back) }
        }
        let result: Result<DeliveryRound, OutboxError>
        do throws(OutboxError) { result = .success(try progress.result()) } catch { result = .failure(error) }
        return (result, handedBack.withLock { $0 })
    }

    /// One connection's share of a round: claim, upload, record, until nothing is due.
    private func deliver(with uploader: Uploader, progress: RoundProgress) {
        while !isStopping, progress.reserve() {
            let claimed: ClaimedItem?
            do { claimed = try outbox.claimNext() } catch {
                progress.abort(error)
                return
            }
            guard var item = claimed else {
                progress.finished()
                return
            }
            let outcome = uploader.upload(body: item.body, contentType: item.contentType, idempotencyKey: item.idempotencyKey)
            wipe(&item.body)
            do throws(OutboxError) {
                switch outcome {
                case .accepted(let receipt, let status):
                    try outbox.markAcknowledged(id: item.id, receiptID: receipt.receiptId)
                    progress.delivered()
                    log("outbox: item \(item.id) delivered (HTTP \(status), receipt \(receipt.receiptId)); payload erased")
                case .refused(let status, let message):
                    // The office's reason may quote the case ID: only the redacted text the store returns is
                    // stored, reported or logged.
                    let wait = retry.maximumDelay
                    let reason = try outbox.recordFailure(id: item.id, error: "refused by the office (HTTP \(status)): \(message)", retryAt: Date().addingTimeInterval(wait))
                    progress.failed(reason, stop: false)
                    log("outbox: item \(item.id) \(reason); kept, next attempt in \(Int(wait)) s")
                case .failed(let message):
                    let wait = retry.delay(afterFailures: item.attempts)
                    let reason = try outbox.recordFailure(id: item.id, error: message, retryAt: Date().addingTimeInterval(wait))
                    progress.failed(reason, stop: true)
                    log("outbox: item \(item.id) not delivered (attempt \(item.attempts)): \(reason); next attempt in \(Int(wait.rounded(.up))) s")
                }
            } catch {
                progress.abort(error)
                return
            }
        }
    }

    /// Starts the background delivery thread (once; a stopped deliverer is not restarted).
    public func start() {
        let failure = loop.withLock { state -> SystemError? in
            guard !state.started else { return nil }
            state.started = true
            do throws(SystemError) {
                state.thread = try JoinableThread(name: "outbox-delivery") { [self] in runLoop() }
                return nil
            } catch { return error }
        }
        // No thread: nothing is delivered in the background; `fotoboxctl queue deliver` still can.
        if let failure { log("outbox: delivery thread not started: \(failure)") }
    }

    /// Something was queued: deliver now instead of at the next poll.
    public func wake() { wakeUp.signal() }

    /// Stops the background thread after the upload in progress (bounded by the transfer timeout) and joins it.
    public func stop() {
        let thread = loop.withLock { state -> JoinableThread? in
            state.stopRequested = true
            defer { state.thread = nil }
            return state.thread
        }
        wakeUp.signal()
        stopping.broadcast()
        thread?.join()
    }

    var isStopping: Bool { loop.withLock { $0.stopRequested } }

    private func runLoop() {
        do { try outbox.recoverInterrupted() } catch { log("outbox: \(error)") }
        var lastAlert: String?
        // This thread's uploaders, kept from round to round (a round that fails hands them back too).
        var uploaders: [UploaderHandover] = []
        while !isStopping {
            var wait = pollInterval
            do {
                _ = try deliverRound(keeping: &uploaders)
                let status = try outbox.status()
                if status.overdue > 0, status.summary != lastAlert { log(status.summary) }
                lastAlert = status.overdue > 0 ? status.summary : nil
                if let due = try outbox.nextDueDate() { wait = min(wait, max(0, due.timeIntervalSinceNow)) }
            } catch {
                // The outbox itself failed (disk, database): wait a full poll interval, never spin.
                log("outbox: \(error)")
            }
            guard !isStopping else { break }
            _ = wakeUp.wait(timeout: .now() + .milliseconds(Int(max(0, wait) * 1000)))
            // Wakes that came during the round or the wait are answered by the next round, all at once.
            while wakeUp.wait(timeout: .now()) == .success {}
        }
    }
}

extension OutboxDeliverer {
    /// Delivers in the foreground until nothing is left to deliver, waiting out the retry backoff between
    /// rounds (at most `retry.maximumDelay`, never longer than 10 minutes at a time); with `once`, one round.
    /// `delivered` is told after each round how many items it delivered (a progress bar). Items a killed
    /// process left `sending` are made pending first. `stop()` ends it after the round in progress.
    public func deliverUntilEmpty(once: Bool, delivered: (Int) -> Void = { _ in }) throws(OutboxError) -> OutboxDeliveryReport {
        try outbox.recoverInterrupted()
        var total = 0
        var uploaders: [UploaderHandover] = []
        while true {
            let round = try deliverRound(keeping: &uploaders)
            total += round.delivered
            delivered(round.delivered)
            let status = try outbox.status()
            let left = status.pending + status.sending
            if left == 0 || once || isStopping {
                return OutboxDeliveryReport(delivered: total, left: left, lastError: left == 0 ? nil : status.lastError)
            }
            let due = (try? outbox.nextDueDate()) ?? nil
            let wait = max(0.05, min(retry.maximumDelay, due?.timeIntervalSinceNow ?? 1, 600))
            // A monotonic wait (a wall-clock step does not stretch it); `stop()` ends it early.
            stopping.wait(until: .now + .seconds(clamping: wait)) { isStopping }
        }
    }
}

/// One uploader (not `Sendable`) on its way to or from a worker.
private typealias UploaderHandover = Handover<Uploader>

/// The shared tally of one delivery round across its parallel uploads.
private final class RoundProgress: Sendable {
    private struct Tally {
        var round = DeliveryRound()
        var remaining: Int
        var stopped = false
        var error: OutboxError?
    }
    private let tally: Locked<Tally>

    init(limit: Int) { tally = Locked(Tally(remaining: max(limit, 0))) }

    /// Takes one item's place within the limit; false when the round is over.
    func reserve() -> Bool {
        tally.withLock { tally in
            guard !tally.stopped, tally.remaining > 0 else { return false }
            tally.remaining -= 1
            return true
        }
    }

    /// Nothing more is due.
    func finished() { tally.withLock { $0.stopped = true } }

    func delivered() { tally.withLock { $0.round.delivered += 1 } }

    /// `stop`: the office is unreachable; the other uploads finish their item and end the round.
    func failed(_ reason: String, stop: Bool) {
        tally.withLock { tally in
            tally.round.failed += 1
            tally.round.lastError = reason
            if stop { tally.stopped = true }
        }
    }

    /// The outbox itself failed (its database or key): the round ends and `result()` throws.
    func abort(_ failure: OutboxError) {
        tally.withLock { tally in
            tally.stopped = true
            if tally.error == nil { tally.error = failure }
        }
    }

    func result() throws(OutboxError) -> DeliveryRound {
        try tally.withLock { tally throws(OutboxError) -> DeliveryRound in
            if let error = tally.error { throw error }
            return tally.round
        }
    }
}
