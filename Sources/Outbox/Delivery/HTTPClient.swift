import CCurl
import Configuration
import Platform

/// Fotobox's one HTTP client, on libcurl: the only place that creates a libcurl easy handle, sets its options
/// and turns curl's codes into an error (`HTTPClient.Failure`). The uploader, the fleet reporter and the office
/// probe use it towards the office; `ServiceStatus` (`fotoboxctl status`) towards this machine's own fotoboxd.
///
/// Whom a client talks to is fixed when it is made (`Peer`):
/// - `.office`: HTTPS only (redirects too, and none are followed), TLS ≥ 1.2, `backend.ca` as the only trust
///   anchor, the station's client certificate, host name check, the optional public-key pin, the configured
///   timeouts; the proxy settings of the environment apply, as for any HTTPS client.
/// - `.loopback`: **plain HTTP, and only to a loopback address** (`HostPort.isLoopback`: 127.0.0.0/8, ::1,
///   localhost). Every URL is checked before anything is sent, no proxy is used and no redirect followed, so
///   plain HTTP never leaves the machine (the kiosk's API has no TLS because it listens on loopback only).
///
/// Not `Sendable`: a libcurl easy handle is used by one thread at a time, so a client belongs to the thread that
/// uses it. One handle, reused: consecutive requests share the connection (and the office's TLS session).
package final class HTTPClient {
    /// Whom the client talks to.
    package enum Peer {
        /// The office, with the station's `[backend]` settings.
        case office(UploaderSettings)
        /// A server on this machine, over plain HTTP, each request within `timeout`.
        case loopback(timeout: Duration)
    }

    /// Why a request got no HTTP answer (network, TLS, timeout, a URL this client may not use), in curl's words.
    package struct Failure: Error, CustomStringConvertible {
        /// curl's code, for callers that tell the causes apart (the office probe).
        package var code: CURLcode
        /// curl's error text (its error buffer, else its description of the code).
        package var detail: String
        /// The client itself refused the URL (the loopback peer's rule) and sent nothing: no curl error.
        package var refusedURL = false
        package var message: String { refusedURL ? detail : "\(detail) (curl error \(code.rawValue))" }
        package var description: String { message }
    }

    /// An HTTP answer: its status and its body (at most `responseLimit` bytes, else the transfer fails).
    package struct Answer: Sendable, Equatable {
        package var status: Int
        package var body: [UInt8]
    }

    private let peer: Peer
    private let handle: UnsafeMutableRawPointer
    private let errorBuffer: UnsafeMutablePointer<CChar>

    private static let globalInit: Bool = curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK

    package init(peer: Peer) throws(Failure) {
        guard Self.globalInit, let handle = curl_easy_init() else {
            throw Failure(code: CURLE_FAILED_INIT, detail: "libcurl could not be initialised")
        }
        self.peer = peer
        self.handle = handle
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
    }

    deinit {
        curl_easy_cleanup(handle)
        errorBuffer.deallocate()
    }

    /// The largest answer body read: the office answers a small JSON; fotoboxd's status is a few KB.
    var responseLimit: Int {
        switch peer {
        case .office: 64 << 10
        case .loopback: 1 << 20
        }
    }

    /// One GET.
    package func get(_ url: String, headers: [String] = []) -> Result<Answer, Failure> {
        request(url: url, headers: headers) { _ in CURLE_OK }
    }

    /// One POST of `body`.
    package func post(_ url: String, body: [UInt8], headers: [String]) -> Result<Answer, Failure> {
        body.withUnsafeBytes { raw in
            request(url: url, headers: headers) { handle in
                var result = fotobox_curl_setopt_long(handle, CURLOPT_POST, 1)
                if result == CURLE_OK { result = fotobox_curl_setopt_offset(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(raw.count)) }
                if result == CURLE_OK { result = fotobox_curl_setopt_pointer(handle, CURLOPT_POSTFIELDS, UnsafeMutableRawPointer(mutating: raw.baseAddress)) }
                return result
            }
        }
    }

    private func request(url: String, headers lines: [String], options: (UnsafeMutableRawPointer) -> CURLcode) -> Result<Answer, Failure> {
        var headers: UnsafeMutablePointer<curl_slist>? = nil
        for line in lines { headers = curl_slist_append(headers, line) }
        defer { curl_slist_free_all(headers) }
        return transfer(url: url, options: { handle in
            var result = fotobox_curl_setopt_slist(handle, CURLOPT_HTTPHEADER, headers)
            if result == CURLE_OK { result = options(handle) }
            return result
        }, inspect: { _, failure, answer in
            if let failure { return .failure(failure) }
            return .success(answer)
        })
    }

    /// One request on the handle: the peer's settings (`configure`, the one definition of each peer's transport),
    /// then this request's own `options`, then the transfer. `inspect` reads the handle's info afterwards, whether
    /// the transfer failed or not. Every pointer the request set is cleared before returning: the body, headers
    /// and collectors live only for this call.
    package func transfer<T>(url: String, options: (UnsafeMutableRawPointer) -> CURLcode,
                             inspect: (UnsafeMutableRawPointer, Failure?, Answer) -> T) -> T {
        if let refused = refusal(of: url) { return inspect(handle, refused, Answer(status: 0, body: [])) }
        let response = ResponseCollector(limit: responseLimit)
        errorBuffer[0] = 0
        let unmanaged = Unmanaged.passRetained(response)
        defer { unmanaged.release() }
        var code = configure()
        func set(_ next: @autoclosure () -> CURLcode) { if code == CURLE_OK { code = next() } }
        set(fotobox_curl_setopt_string(handle, CURLOPT_URL, url))
        set(fotobox_curl_setopt_write(handle, CURLOPT_WRITEFUNCTION, { data, size, count, context in
            let collector = Unmanaged<ResponseCollector>.fromOpaque(context!).takeUnretainedValue()
            let length = size * count
            guard collector.bytes.count + length <= collector.limit else { return 0 }
            if let data { collector.bytes.append(contentsOf: UnsafeRawBufferPointer(start: data, count: length)) }
            return length
        }))
        set(fotobox_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, unmanaged.toOpaque()))
        set(options(handle))
        if code == CURLE_OK { code = curl_easy_perform(handle) }
        var failure: Failure?
        if code != CURLE_OK {
            let detail = errorBuffer[0] != 0 ? String(cString: errorBuffer) : String(cString: curl_easy_strerror(code))
            failure = Failure(code: code, detail: detail)
        }
        var status = 0
        if failure == nil { _ = fotobox_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status) }
        let result = inspect(handle, failure, Answer(status: status, body: response.bytes))
        for option in [CURLOPT_POSTFIELDS, CURLOPT_WRITEDATA, CURLOPT_HEADERDATA, CURLOPT_DEBUGDATA] {
            _ = fotobox_curl_setopt_pointer(handle, option, nil)
        }
        _ = fotobox_curl_setopt_slist(handle, CURLOPT_HTTPHEADER, nil)
        _ = fotobox_curl_setopt_write(handle, CURLOPT_HEADERFUNCTION, nil)
        _ = fotobox_curl_setopt_debug(handle, nil)
        return result
    }

    /// Why this client may not send to `url`: for the loopback peer, anything but `http://` to a loopback address.
    /// (The office peer's scheme is enforced by curl's protocol list; its host is the configured office.)
    private func refusal(of url: String) -> Failure? {
        guard case .loopback = peer else { return nil }
        let refused = { (why: String) in Failure(code: CURLE_UNSUPPORTED_PROTOCOL, detail: why, refusedURL: true) }
        guard url.lowercased().hasPrefix("http://") else { return refused("plain HTTP only: '\(url)' is not an http:// URL") }
        let authority = url.dropFirst("http://".count).prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        // The port may be left out (80); HostPort wants one.
        let withPort = authority.hasSuffix("]") || !authority.contains(":") ? authority + ":80" : String(authority)
        guard !authority.contains("@"), let address = HostPort(withPort), address.isLoopback else {
            return refused("plain HTTP only to a loopback address (127.0.0.1, [::1], localhost), not '\(authority)'")
        }
        return nil
    }

    /// The settings that do not change between requests. Also what one kind of request may have set (the
    /// probe's GET, verbose text and chain) back to the peer's.
    private func configure() -> CURLcode {
        let strings: [(CURLoption, String?)]
        var numbers: [(CURLoption, Int)] = [
            // GET unless the request says otherwise (`post`).
            (CURLOPT_HTTPGET, 1),
            (CURLOPT_VERBOSE, 0),
            (CURLOPT_CERTINFO, 0),
            (CURLOPT_NOSIGNAL, 1),
            (CURLOPT_FOLLOWLOCATION, 0),
        ]
        switch peer {
        case .office(let settings):
            strings = [
                (CURLOPT_PROTOCOLS_STR, "https"),
                (CURLOPT_REDIR_PROTOCOLS_STR, "https"),
                (CURLOPT_CAINFO, settings.caFile),
                // No CA directory: the office CA is the only trust anchor.
                (CURLOPT_CAPATH, nil),
                (CURLOPT_SSLCERT, settings.clientCertificate),
                (CURLOPT_SSLCERTTYPE, "PEM"),
                (CURLOPT_SSLKEY, settings.clientKey),
                (CURLOPT_SSLKEYTYPE, "PEM"),
                (CURLOPT_PINNEDPUBLICKEY, settings.pin),
            ]
            numbers += [
                (CURLOPT_SSL_VERIFYPEER, 1),
                (CURLOPT_SSL_VERIFYHOST, 2),
                (CURLOPT_SSLVERSION, Int(CURL_SSLVERSION_TLSv1_2)),
                (CURLOPT_CONNECTTIMEOUT, settings.connectTimeoutSeconds),
                (CURLOPT_TIMEOUT, settings.transferTimeoutSeconds),
            ]
        case .loopback(let timeout):
            strings = [
                (CURLOPT_PROTOCOLS_STR, "http"),
                (CURLOPT_REDIR_PROTOCOLS_STR, "http"),
                // Never through a proxy from the environment: the request stays on this machine.
                (CURLOPT_NOPROXY, "*"),
            ]
            let milliseconds = max(1, Int(timeout.inSeconds * 1000))
            numbers += [(CURLOPT_CONNECTTIMEOUT_MS, milliseconds), (CURLOPT_TIMEOUT_MS, milliseconds)]
        }
        for (option, value) in strings {
            let result = fotobox_curl_setopt_string(handle, option, value)
            if result != CURLE_OK { return result }
        }
        for (option, value) in numbers {
            let result = fotobox_curl_setopt_long(handle, option, value)
            if result != CURLE_OK { return result }
        }
        return fotobox_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer)
    }
}

/// The answer's body, bounded.
private final class ResponseCollector {
    let limit: Int
    var bytes: [UInt8] = []
    init(limit: Int) { self.limit = limit }
}
