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
    }

    let policy: ClientCertificatePolicy
    let deadline: Duration
    private let log: @Sendable (String) -> Void
    /// Connections still before their headers, by TLS session. Removed on close, before libmicrohttpd
    /// closes the socket, so the watchdog never shuts down a socket number that was reused.
    private let pending = Locked<[UInt: Entry]>([:])
    private let running = Locked(false)

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

    func startWatching() {
        running.withLock { $0 = true }
        let thread = Thread { [self] in
            while running.withLock({ $0 }) {
                cutOverdue(now: .now)
                Thread.sleep(forTimeInterval: 0.25)
            }
        }
        thread.name = "office-connection-watch"
        thread.start()
    }

    func stopWatching() {
        running.withLock { $0 = false }
    }

    /// Shuts down every connection past the deadline. Under the lock, so `closed` cannot race the socket away.
    func cutOverdue(now: ContinuousClock.Instant) {
        var cut: [String] = []
        pending.withLock { entries in
            for (key, entry) in entries where !entry.cut && now - entry.accepted > deadline && entry.socket >= 0 {
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
