import Foundation
import Submission
import Platform

/// Sends the station's health report to the office every `interval` (`POST /v1/fleet/health`, with the
/// station's client certificate, like the submissions) on its own thread and its own connection, so a
/// slow office never delays a delivery. Failures are logged when the state changes, not every minute.
public final class FleetReporter: Sendable {
    /// The longest one report may take, connecting included: a report is a few hundred bytes, and `stop()`
    /// waits for one in flight, within systemd's stop timeout (10 s, shared with the visit's threads).
    public static let exchangeLimitSeconds = 4
    private let settings: UploaderSettings
    private let interval: Duration
    private let report: @Sendable () -> StationHealthReport
    private let log: @Sendable (String) -> Void
    private let state = Locked(State())
    /// Broadcast by `stop()`: the thread waits on it until the next report is due.
    private let stopping = ChangeSignal()

    private struct State {
        var thread: JoinableThread?
        var stopRequested = false
    }

    public init(settings: UploaderSettings, interval: Duration, report: @escaping @Sendable () -> StationHealthReport,
                log: @escaping @Sendable (String) -> Void) throws(OutboxError) {
        try settings.validate()
        var settings = settings
        settings.connectTimeoutSeconds = min(settings.connectTimeoutSeconds, Self.exchangeLimitSeconds)
        settings.transferTimeoutSeconds = min(settings.transferTimeoutSeconds, Self.exchangeLimitSeconds)
        self.settings = settings
        self.interval = interval
        self.report = report
        self.log = log
    }

    /// Starts the reporting thread: a report now, then one every `interval`. A second call does nothing.
    public func start() {
        let failure = state.withLock { state -> SystemError? in
            guard state.thread == nil else { return nil }
            state.stopRequested = false
            do throws(SystemError) {
                state.thread = try JoinableThread(name: "fleet-reporter") { [self] in reportUntilStopped() }
                return nil
            } catch {
                return error
            }
        }
        if let failure { log("fleet health reports off: \(failure)") }
    }

    /// Stops the thread and waits for it: a report in flight ends first (at most `exchangeLimitSeconds`).
    public func stop() {
        let thread = state.withLock { state in
            state.stopRequested = true
            defer { state.thread = nil }
            return state.thread
        }
        stopping.broadcast()
        thread?.join()
    }

    private var stopRequested: Bool { state.withLock { $0.stopRequested } }

    private func reportUntilStopped() {
        guard let uploader = try? Uploader(settings: settings) else {
            log("fleet health reports off: libcurl could not be initialised")
            return
        }
        var failing: String? = nil
        while !stopRequested {
            let next = ContinuousClock.now + interval
            let problem = send(uploader)
            if problem != failing {
                log(problem.map { "fleet health report not delivered: \($0)" } ?? "fleet health reports delivered to the office")
                failing = problem
            }
            stopping.wait(until: next) { stopRequested }
        }
    }

    /// One report; nil when the office recorded it, else why not.
    private func send(_ uploader: Uploader) -> String? {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let body = try? encoder.encode(report()) else { return "the report could not be encoded" }
        switch uploader.postJSON(path: "/v1/fleet/health", body: Array(body)) {
        case .failure(let failure): return failure.message
        case .success(let answer) where answer.status == 200: return nil
        case .success(let answer): return "the office answered \(answer.status): \(Uploader.errorMessage(answer.body))"
        }
    }
}
