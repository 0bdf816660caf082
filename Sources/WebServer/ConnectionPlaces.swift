import Platform

/// The connection places of one server and what each holder is doing. libmicrohttpd keeps a connection for
/// its idle timeout (30 s) whatever it sends, so a local process could hold every place with sockets that
/// send nothing or trickle a header (issue 16, item 8) and `GET /api/v1/health` would no longer answer.
/// Every client of the kiosk is local (one address), so a per-address limit cannot tell the attacker from
/// the kiosk browser; instead a newcomer always gets a place: when all `places` are taken, the connection
/// that has waited longest without being answered is cut (`shutdown(2)`; libmicrohttpd then sees the end of
/// file and closes it itself). Waiting for a request (idle keep-alive included) is cut before receiving a
/// body; a connection whose request is being answered (a stream among them: those have their own limits)
/// is never cut. A browser whose idle keep-alive connection is cut simply opens a new one.
final class ConnectionPlaces: Sendable {
    enum Phase: Int, Comparable, Sendable {
        /// Connected, no request headers yet (or idle between keep-alive requests).
        case waiting
        /// Headers in, the body still arriving.
        case receiving
        /// The handler has run; the answer (perhaps a stream) is being sent.
        case answering

        static func < (a: Phase, b: Phase) -> Bool { a.rawValue < b.rawValue }
    }

    struct Holder {
        let socket: Int32
        var phase: Phase
        var since: ContinuousClock.Instant
        var cut = false
    }

    let places: Int
    /// Keyed by libmicrohttpd's connection address; removed when the connection closes, before
    /// libmicrohttpd closes the socket, so a cut never reaches a socket number that was reused.
    private let holders = Locked<[UInt: Holder]>([:])
    private let cuts = Locked(0)

    init(places: Int) { self.places = max(places, 1) }

    var cutCount: Int { cuts.withLock { $0 } }

    private static func key(_ connection: OpaquePointer) -> UInt { UInt(bitPattern: Int(bitPattern: connection)) }

    /// A connection was accepted (before its thread starts): if that leaves more holders than places, the
    /// longest-waiting ones that are not being answered are cut.
    func opened(_ connection: OpaquePointer, socket: Int32) {
        let key = Self.key(connection)
        let cut: Int = holders.withLock { holders in
            holders[key] = Holder(socket: socket, phase: .waiting, since: .now)
            var live = holders.values.count { !$0.cut }
            var cut = 0
            while live > places {
                let candidates = holders.filter { $0.key != key && !$0.value.cut && $0.value.phase != .answering && $0.value.socket >= 0 }
                guard let victim = candidates.min(by: { ($0.value.phase, $0.value.since) < ($1.value.phase, $1.value.since) }) else { break }
                Socket.shutdown(victim.value.socket)
                holders[victim.key]?.cut = true
                live -= 1
                cut += 1
            }
            return cut
        }
        if cut > 0 { cuts.withLock { $0 += cut } }
    }

    func moved(_ connection: OpaquePointer?, to phase: Phase) {
        guard let connection else { return }
        holders.withLock { holders in
            let key = Self.key(connection)
            guard holders[key] != nil else { return }
            holders[key]?.phase = phase
            holders[key]?.since = .now
        }
    }

    /// The connection is closing (its socket is still open).
    func closed(_ connection: OpaquePointer) {
        _ = holders.withLock { $0.removeValue(forKey: Self.key(connection)) }
    }
}
