import CGnuTLS
import Foundation
import Platform
import WebServer

/// The office's open connections from accept until their first request's headers are in: it installs the
/// certificate check on each new TLS session, and its watchdog thread cuts (`shutdown(2)`) every connection
/// that has not delivered its headers within the deadline, whether it stalls in the TLS handshake or in
/// the headers, sends one byte a second or nothing at all. After the headers, libmicrohttpd's idle timeout
/// applies (the client has then shown a valid certificate).
final class ConnectionWatch: HTTPConnectionObserver {
    struct Entry {
        let socket: Int32
        let accepted: ContinuousClock.Instant
        let address: String
        var cut = false
        /// Still to be cut when overdue.
        var isWatched: Bool { !cut && socket >= 0 }
    }

    let policy: ClientCertificatePolicy
    let deadline: Duration
    private let log: @Sendable (String) -> Void
    /// Connections still before their headers, by TLS session. Removed on close, before libmicrohttpd
    /// closes the socket, so the watchdog never shuts down a socket number that was reused.
    private let pending = Locked<[UInt: Entry]>([:])
    /// The watchdog thread while it runs; nil before `startWatching` and after `stopWatching`.
    private let watchdog = Locked<Watchdog>(Watchdog())
    /// Broadcast when a connection opens (it may be due before the watchdog's next wake-up) and at stop.
    private let changed = ChangeSignal()

    private struct Watchdog {
        var thread: JoinableThread?
        var stopRequested = false
    }

    init(policy: ClientCertificatePolicy, deadline: Duration, log: @escaping @Sendable (String) -> Void) {
        self.policy = policy
        self.deadline = deadline
        self.log = log
    }

    /// The watches of all running servers by TLS session, for the handshake's verify function (a C
    /// function without a context pointer).
    private static let owners = Locked<[UInt: ConnectionWatch]>([:])

    /// The GnuTLS session of a connection (nil for plain HTTP).
    static func tlsSession(_ connection: HTTPConnection) -> gnutls_session_t? { connection.tlsSession }

    private static func key(_ session: gnutls_session_t) -> UInt { UInt(bitPattern: Int(bitPattern: UnsafeRawPointer(session))) }

    /// A connection was accepted (before its thread starts and before the TLS handshake).
    func opened(_ connection: HTTPConnection) {
        guard let session = Self.tlsSession(connection) else { return }
        let entry = Entry(socket: connection.socket, accepted: .now, address: connection.clientAddress)
        let key = Self.key(session)
        Self.owners.withLock { $0[key] = self }
        pending.withLock { $0[key] = entry }
        changed.broadcast()
        fotobox_tls_require_client_certificate(session, verifyDuringHandshake)
    }

    /// The first request's headers are in: the connection is no longer the watchdog's.
    func headersArrived(_ connection: HTTPConnection) {
        guard let session = Self.tlsSession(connection) else { return }
        _ = pending.withLock { $0.removeValue(forKey: Self.key(session)) }
    }

    /// The connection is closing (its socket is still open).
    func closed(_ connection: HTTPConnection) {
        guard let session = Self.tlsSession(connection) else { return }
        let key = Self.key(session)
        _ = pending.withLock { $0.removeValue(forKey: key) }
        _ = Self.owners.withLock { $0.removeValue(forKey: key) }
    }

    /// The check, run by GnuTLS once the client's certificate is in: non-zero fails the handshake.
    fileprivate static func verify(_ session: gnutls_session_t) -> Int32 {
        let key = Self.key(session)
        guard let watch = owners.withLock({ $0[key] }) else { return -1 }
        switch watch.policy.check(session: session) {
        case .success: return 0
        case .failure(let refusal):
            let address = watch.pending.withLock { $0[key]?.address } ?? "?"
            watch.log("fotobox-office: TLS handshake from \(address) refused: \(refusal)")
            return -1
        }
    }

    /// Starts the watchdog thread: it sleeps until the oldest waiting connection's deadline (or until one
    /// opens), cuts what is overdue, and sleeps again. Throws when the system is out of threads.
    func startWatching() throws(SystemError) {
        try watchdog.withLock { watchdog throws(SystemError) in
            guard watchdog.thread == nil else { return }
            watchdog.stopRequested = false
            watchdog.thread = try JoinableThread(name: "office-watch") { [self] in
                while !stopRequested {
                    let now = ContinuousClock.now
                    cutOverdue(now: now)
                    // Idle (no connection waiting): a day, or until a connection opens.
                    let wakeUp = nextDeadline() ?? now + .seconds(86_400)
                    changed.wait(until: wakeUp) { stopRequested || nextDeadline().map { $0 < wakeUp } ?? false }
                }
            }
        }
    }

    /// Stops the watchdog thread and waits for it.
    func stopWatching() {
        let thread = watchdog.withLock { watchdog in
            watchdog.stopRequested = true
            defer { watchdog.thread = nil }
            return watchdog.thread
        }
        changed.broadcast()
        thread?.join()
    }

    private var stopRequested: Bool { watchdog.withLock { $0.stopRequested } }

    /// When the oldest connection still before its headers (and not cut yet) runs out of time.
    func nextDeadline() -> ContinuousClock.Instant? {
        pending.withLock { entries in entries.values.lazy.filter(\.isWatched).map(\.accepted).min() }.map { $0 + deadline }
    }

    /// Shuts down every connection past the deadline (`now - accepted > deadline`). Under the lock, so
    /// `closed` cannot race the socket away.
    func cutOverdue(now: ContinuousClock.Instant) {
        var cut: [String] = []
        pending.withLock { entries in
            for (key, entry) in entries where entry.isWatched && now - entry.accepted > deadline {
                Socket.shutdown(entry.socket)
                entries[key]?.cut = true
                cut.append(entry.address)
            }
        }
        for address in cut {
            log("fotobox-office: connection from \(address) closed: no complete request within \(deadline) of connecting")
        }
    }
}

/// GnuTLS's verify function for the office's sessions.
private let verifyDuringHandshake: @convention(c) (gnutls_session_t?) -> Int32 = { session in
    guard let session else { return -1 }
    return ConnectionWatch.verify(session)
}
