import Submission
import Configuration
import Foundation
import Platform

/// The whole `fotobox-office` process: inbox, API, TLS server, the retention purge, and a clean stop
/// on SIGTERM or SIGINT.
public enum OfficeService {
    /// Starts serving, prints `listening on https://HOST:PORT` on stdout (the bound port, also for port 0),
    /// purges on start and hourly, and returns after SIGTERM or SIGINT once the server has stopped.
    public static func run(settings: OfficeServerSettings, inboxPath: String, retentionDays: Int, policy: CaseIDPolicy) throws(OfficeError) {
        let inbox = try OfficeInbox(directory: inboxPath, retentionDays: retentionDays)
        let log: @Sendable (String) -> Void = { line in writeLine(line, to: 2) }
        // Block the stop signals before libmicrohttpd starts its threads, so they all inherit the mask and
        // the signals wait for sigtimedwait below.
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGTERM)
        sigaddset(&signals, SIGINT)
        pthread_sigmask(SIG_BLOCK, &signals, nil)
        signal(SIGPIPE, SIG_IGN)

        purge(inbox, log: log)
        let server = OfficeServer(api: OfficeAPI(inbox: inbox, policy: policy), log: log)
        try server.start(settings)
        let host = settings.host.contains(":") ? "[\(settings.host)]" : settings.host
        writeLine("fotobox-office: listening on https://\(host):\(server.port), inbox \(inboxPath), retention \(retentionDays) days", to: 1)

        var timeout = timespec(tv_sec: 3600, tv_nsec: 0)
        while true {
            let received = sigtimedwait(&signals, nil, &timeout)
            if received == SIGTERM || received == SIGINT { break }
            if received == -1 && errno == EAGAIN { purge(inbox, log: log) }
        }
        server.stop()
        log("fotobox-office: stopped")
    }

    /// One line in one write(2), so lines from concurrent connections do not interleave.
    private static func writeLine(_ line: String, to descriptor: Int32) {
        let bytes = Array((line + "\n").utf8)
        _ = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
    }

    private static func purge(_ inbox: OfficeInbox, log: @Sendable (String) -> Void) {
        do {
            let count = try inbox.purge()
            if count > 0 { log("fotobox-office: purged \(count) submission(s) older than \(inbox.retentionDays) days") }
        } catch {
            log("fotobox-office: purge failed: \(error)")
        }
    }
}
