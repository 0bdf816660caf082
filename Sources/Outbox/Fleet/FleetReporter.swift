import Foundation
import Submission
import Platform

/// Sends the station's health report to the office every `interval` (`POST /v1/fleet/health`, with the
/// station's client certificate, like the submissions) on its own thread and its own connection, so a
/// slow office never delays a delivery. Failures are logged when the state changes, not every minute.
public final class FleetReporter: Sendable {
    private let settings: UploaderSettings
    private let interval: Duration
    private let report: @Sendable () -> StationHealthReport
    private let log: @Sendable (String) -> Void
    private let running = Locked(false)

    public init(settings: UploaderSettings, interval: Duration, report: @escaping @Sendable () -> StationHealthReport,
                log: @escaping @Sendable (String) -> Void) throws(OutboxError) {
        try settings.validate()
        self.settings = settings
        self.interval = interval
        self.report = report
        self.log = log
    }

    public func start() {
        guard running.withLock({ started in defer { started = true }; return !started }) else { return }
        let thread = Thread { [self] in
            guard let uploader = try? Uploader(settings: settings) else {
                log("fleet health reports off: libcurl could not be initialised")
                return
            }
            var failing: String? = nil
            var next = ContinuousClock.now
            while running.withLock({ $0 }) {
                if ContinuousClock.now >= next {
                    next = ContinuousClock.now + interval
                    let problem = send(uploader)
                    if problem != failing {
                        log(problem.map { "fleet health report not delivered: \($0)" } ?? "fleet health reports delivered to the office")
                        failing = problem
                    }
                }
                Thread.sleep(forTimeInterval: 0.2)
            }
        }
        thread.name = "fleet-reporter"
        thread.start()
    }

    public func stop() { running.withLock { $0 = false } }

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
