import Submission
import Configuration
import Foundation
import Platform

/// The whole `fotobox-office` process: inbox, API, TLS server, the retention purge, and a clean stop
/// on SIGTERM or SIGINT.
public enum OfficeService {
    /// Starts serving, prints `listening on https://HOST:PORT` on stdout (the bound port, also for port 0),
    /// purges on start and hourly, and returns after SIGTERM or SIGINT once the server has stopped.
    public static func run(settings: OfficeServerSettings, inboxPath: String, retentionDays: Int, policy: CaseIDPolicy,
                           desk deskSettings: OfficeDeskSettings = OfficeDeskSettings()) throws(OfficeError) {
        let inbox = try OfficeInbox(directory: inboxPath, retentionDays: retentionDays)
        let log: @Sendable (String) -> Void = { line in StandardStreams.writeError(line + "\n") }
        let audit = try OfficeAuditLog(path: deskSettings.auditLogPath ?? inboxPath + "/.audit.jsonl")
        let desk = try deskSettings.importDirectory.map { directory throws(OfficeError) in
            try ClerkDesk(inbox: inbox, importDirectory: directory, audit: audit)
        }
        let assets = try deskSettings.assetDirectory.map { directory throws(OfficeError) in try OfficeWebAssets(directory: directory) }
        // Block the stop signals before libmicrohttpd starts its threads, so they all inherit the mask and
        // the signals wait for `Signals.wait` below.
        let stopSignals = [SIGTERM, SIGINT]
        Signals.block(stopSignals)
        Signals.ignoreBrokenPipe()

        purge(inbox, audit: audit, log: log)
        let server = try OfficeServer(api: OfficeAPI(inbox: inbox, policy: policy, desk: desk, deskAssets: assets), settings: settings, log: log)
        let host = settings.host.contains(":") ? "[\(settings.host)]" : settings.host
        StandardStreams.writeOutput("fotobox-office: listening on https://\(host):\(server.port), inbox \(inboxPath), retention \(retentionDays) days\n")

        let purgeEvery = Duration.seconds(3600)
        var nextPurge = ContinuousClock.now + purgeEvery
        while Signals.wait(for: stopSignals, timeout: nextPurge - .now) == nil {
            if ContinuousClock.now >= nextPurge {
                purge(inbox, audit: audit, log: log)
                nextPurge = .now + purgeEvery
            }
        }
        server.stop()
        log("fotobox-office: stopped")
    }

    private static func purge(_ inbox: OfficeInbox, audit: OfficeAuditLog, log: @Sendable (String) -> Void) {
        do {
            let now = Date()
            let count = try inbox.purge(now: now) { record in
                do {
                    try audit.append(OfficeAuditEntry(time: CaptureMetadata.timestamp(now), action: .expire, receiptId: record.receiptId,
                                                      stationId: record.stationId, actor: "retention", reason: "not taken over within \(inbox.retentionDays) days"))
                } catch {
                    log("fotobox-office: the audit log could not be written: \(error)")
                }
            }
            if count > 0 { log("fotobox-office: deleted \(count) submission(s) nobody took over within \(inbox.retentionDays) days") }
        } catch {
            log("fotobox-office: purge failed: \(error)")
        }
    }
}

/// The clerk's desk: where take-overs go, the audit log, the page's files.
public struct OfficeDeskSettings: Sendable {
    /// The registry software's import folder (`--import-dir`); nil: no desk.
    public var importDirectory: String?
    /// The audit log file (`--audit-log`); nil: `INBOX/.audit.jsonl`.
    public var auditLogPath: String?
    /// The desk page's files (`--desk-dir`); nil: the API only.
    public var assetDirectory: String?

    public init(importDirectory: String? = nil, auditLogPath: String? = nil, assetDirectory: String? = nil) {
        self.importDirectory = importDirectory
        self.auditLogPath = auditLogPath
        self.assetDirectory = assetDirectory
    }
}
