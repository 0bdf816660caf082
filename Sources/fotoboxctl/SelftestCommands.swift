import Submission
import Capture
import Arguments
import COpenSSL
import Configuration
import Devices
import FaceAnalysis
import KernelDispatch
import Foundation
import Imaging
import Outbox
import Platform

// `fotoboxctl selftest`: every part of the station checked once, each within its own time limit, so a
// technician learns in under a minute which part is broken.

/// The checks, in the order they are reported.
let selftestComponents = ["kernels", "camera", "pad", "face-models", "outbox", "office", "disk", "clock"]

let selftestCommand = Command(
    "selftest", summary: "check every component: camera, pad, face models, outbox, office TLS, disk, clock",
    discussion: """
        Runs the checks side by side, each with a time limit (a hanging device is reported, never waited for):
          camera       streams \(SelftestLimits.cameraFrames) preview frames from [camera] device (a camera held by fotoboxd is reported, not taken)
          pad          opens [pad] device and reads its capability report
          face-models  loads the three models and runs the face chain on a generated picture without a face
                       (no face may be found) and, with a replay camera, on its first portrait (exactly one face)
          outbox       SQLite PRAGMA integrity_check of the outbox database, and its queue
          office       TLS handshake with [backend] url using the CA, client certificate and key (and pin);
                       days until the office's, the client's and the CA's certificates expire
          disk         free space under [outbox] path (fails under \(SelftestLimits.minimumFreeMegabytes) MB)
          clock        the kernel's NTP state (adjtimex): synchronised or not
        Exit 0 when all pass, 1 when one fails, 2 when the config is broken.
        """,
    examples: ["fotoboxctl selftest", "fotoboxctl selftest --config /etc/fotobox/fotobox.conf --json",
               "fotoboxctl selftest --skip camera --skip pad"],
    options: [.value("config", "FILE", help: "the station's config file (default \(defaultConfigPath))"),
              .value("skip", "CHECK", help: "leave a check out (repeatable)", choices: selftestComponents, repeatable: true),
              .flag("json", help: "print {\"components\": [{\"name\", \"ok\", \"detail\"}]}")],
    action: { arguments, output in
        let path = arguments.value("config") ?? defaultConfigPath
        let config: StationConfig
        do { config = try StationConfig.load(path: path) } catch {
            throw CommandRunner.Failure(.usage, "the config has errors:\n\(error)")
        }
        let skipped = Set(arguments.allValues("skip"))
        let checks = selftestComponents.filter { !skipped.contains($0) }
        let results = runWithDeadlines(checks.map { name in (name, SelftestLimits.seconds(name, config), { selftestCheck(name, config) }) })
        if arguments.flag("json") {
            struct Report: Encodable { let components: [ComponentResult] }
            output.print(ctlJSON(Report(components: results)))
        } else {
            let width = max(5, results.map(\.name.count).max() ?? 0)
            func padded(_ text: String, _ width: Int) -> String { text + String(repeating: " ", count: max(0, width - text.count)) }
            output.print("\(padded("CHECK", width))  RESULT  DETAIL")
            for result in results {
                // Padded before colouring, so the escape codes do not skew the columns.
                var word = padded(result.ok ? "ok" : "FAIL", 6)
                if output.useColour { word = (result.ok ? "\u{1B}[32m" : "\u{1B}[1;31m") + word + "\u{1B}[0m" }
                output.print("\(padded(result.name, width))  \(word)  \(result.detail)")
            }
            let failed = results.filter { !$0.ok }.count
            output.print(failed == 0 ? "all \(results.count) checks passed" : "\(failed) of \(results.count) checks failed")
        }
        return results.allSatisfy(\.ok) ? .success : .failure
    })

/// One line of the report.
struct ComponentResult: Encodable, Sendable {
    let name: String
    let ok: Bool
    let detail: String
}

enum SelftestLimits {
    static let cameraFrames = 5
    static let minimumFreeMegabytes = 512
    /// Days before expiry from which a certificate is reported as due for renewal.
    static let renewalWarningDays = 30

    /// How long a check may take before it is reported as hanging.
    static func seconds(_ name: String, _ config: StationConfig) -> Double {
        switch name {
        case "camera": return 15
        case "pad": return 10
        case "face-models": return 60
        case "office": return Double(config.connectTimeoutSeconds) * 2 + 5
        default: return 10
        }
    }
}

/// Runs each check on its own thread and collects the results in the given order; a check still running
/// at its deadline is reported as hanging (its thread is left behind and ends with the process).
func runWithDeadlines(_ checks: [(name: String, seconds: Double, run: @Sendable () -> (Bool, String))]) -> [ComponentResult] {
    final class Slot: @unchecked Sendable {
        let done = DispatchSemaphore(value: 0)
        let lock = NSLock()
        var result: (Bool, String)?
    }
    let started = Date()
    let slots = checks.map { check -> Slot in
        let slot = Slot()
        let thread = Thread {
            let result = check.run()
            slot.lock.withLock { slot.result = result }
            slot.done.signal()
        }
        thread.stackSize = 8 << 20
        thread.start()
        return slot
    }
    return zip(checks, slots).map { check, slot in
        let deadline = started.addingTimeInterval(check.seconds)
        _ = slot.done.wait(timeout: .now() + max(0, deadline.timeIntervalSinceNow))
        guard let (ok, detail) = slot.lock.withLock({ slot.result }) else {
            return ComponentResult(name: check.name, ok: false, detail: "no answer within \(Int(check.seconds)) s: hangs")
        }
        return ComponentResult(name: check.name, ok: ok, detail: detail)
    }
}

@Sendable func selftestCheck(_ name: String, _ config: StationConfig) -> (Bool, String) {
    switch name {
    case "kernels": return checkKernels()
    case "camera": return checkCamera(config)
    case "pad": return checkPad(config)
    case "face-models": return checkFaceModels(config)
    case "outbox": return checkOutbox(config)
    case "office": return checkOffice(config)
    case "disk": return checkDisk(config)
    case "clock": return checkClock()
    default: return (false, "unknown check")
    }
}

// MARK: kernels

/// Which instruction-set path the face and pixel kernels take here, and whether FOTOBOX_KERNELS is usable.
private func checkKernels() -> (Bool, String) {
    if case .failure = KernelDispatch.selection { return (false, KernelDispatch.summary) }
    return (true, KernelDispatch.summary)
}

// MARK: camera

private func checkCamera(_ config: StationConfig) -> (Bool, String) {
    let device = config.cameraDevice
    let camera: any Camera
    if ReplayCamera.isReplay(device) {
        camera = ReplayCamera(device, log: .silent)
    } else {
        let holders = OpenDeviceScan().holders(of: device)
        if let service = holders.first(where: { $0.command == "fotoboxd" }) {
            return (true, "\(device) is held by fotoboxd (pid \(service.pid)), which streams it: see 'fotoboxctl status' for its frame rate")
        }
        if let other = holders.first {
            return (false, "\(device) is held by \(other.command) (pid \(other.pid)): the service cannot use it")
        }
        camera = V4L2Camera(path: device, log: .silent)
    }
    defer { camera.close() }
    let started = Date()
    do throws(CameraError) {
        let format = try camera.configure(.preview)
        try camera.start()
        var last: Frame?
        for _ in 0..<SelftestLimits.cameraFrames { last = try camera.nextFrame(timeoutMilliseconds: 2_000) }
        camera.stop()
        let seconds = Date().timeIntervalSince(started)
        let size = last.map { "\($0.size)" } ?? "\(format.size)"
        return (true, "\(device): \(SelftestLimits.cameraFrames) frames \(size) \(format.format) in \(String(format: "%.2f", seconds)) s")
    } catch {
        return (false, error.description)
    }
}

// MARK: pad

private func checkPad(_ config: StationConfig) -> (Bool, String) {
    let device = config.padDevice
    // The node the service would claim: the configured path, or for "auto" the first pad on the bus.
    var node: String? = device.hasPrefix("/") ? device : nil
    if device == "auto", let first = try? USBContext().devices(vendorID: WacomModel.vendorID).first(where: WacomModel.isSignaturePad) {
        node = usbfsPath(bus: first.bus, address: first.address)
    }
    if let node, let holder = OpenDeviceScan().holders(of: node).first {
        // Claiming it would fail (EBUSY) or, worse, take it from the service.
        return holder.command == "fotoboxd"
            ? (true, "\(node) is held by fotoboxd (pid \(holder.pid)), which uses it: not opened")
            : (false, "\(node) is held by \(holder.command) (pid \(holder.pid)): the service cannot use it")
    }
    do throws(PadError) {
        let pad = try SignaturePads.open(device: device, context: try USBContext())
        let name = pad.name
        pad.close()
        return (true, "\(device): \(name) answers")
    } catch {
        return (false, error.description)
    }
}

// MARK: face models

/// A face-coloured oval on a grey wall, as a JPEG: no face chain may find a face in it.
private func facelessOval(width: Int, height: Int) -> [UInt8] {
    var image = RGBImage(width: width, height: height)
    let cx = Double(width) / 2, cy = Double(height) / 2, rx = Double(width) / 6, ry = Double(height) / 3.2
    for y in 0..<height {
        for x in 0..<width {
            let dx = (Double(x) - cx) / rx, dy = (Double(y) - cy) / ry
            image[x, y] = dx * dx + dy * dy <= 1 ? (224, 188, 160) : (200, 206, 214)
        }
    }
    return (try? JPEG.encode(image, options: .preview)) ?? []
}

private func checkFaceModels(_ config: StationConfig) -> (Bool, String) {
    let candidates = [config.modelDirectory, "models", FaceModels.installedDirectory]
    guard let directory = FaceModels.locate(candidates) else {
        return (false, "models not found in \(candidates.joined(separator: ", ")) (expected \(FaceModels.fileNames.joined(separator: ", ")))")
    }
    let analyzer: FaceAnalyzer
    do { analyzer = try FaceAnalyzer(modelDirectory: directory) } catch {
        return (false, "\(directory): \(error)")
    }
    // A picture with a face-coloured oval but no face: a chain that finds a face here is broken.
    guard let blank = try? JPEG.decode(facelessOval(width: 320, height: 240)) else {
        return (false, "the generated check picture could not be decoded")
    }
    let phantom = analyzer.analyze(blank)
    guard phantom.isEmpty else {
        return (false, "\(directory): found \(phantom.count) face(s) in a picture without a face: the models are corrupt")
    }
    var detail = "\(directory): loaded; no face in a generated picture without one"
    if ReplayCamera.isReplay(config.cameraDevice) {
        let sampleDirectory = String(config.cameraDevice.dropFirst("replay:".count))
        let names = ((try? FileSystem.listDirectory(sampleDirectory)) ?? []).filter { $0.lowercased().hasSuffix(".jpg") || $0.lowercased().hasSuffix(".jpeg") }.sorted()
        if let first = names.first {
            guard let bytes = try? FileSystem.readFile(sampleDirectory + "/" + first, limit: 64 << 20), let image = try? JPEG.decode(bytes) else {
                return (false, "\(sampleDirectory)/\(first): not a readable JPEG")
            }
            let faces = analyzer.analyze(image)
            guard faces.count == 1, let face = faces.first else {
                return (false, "\(sampleDirectory)/\(first): expected one face, found \(faces.count)")
            }
            let eyes = face.pupils.imageRight.x - face.pupils.imageLeft.x
            guard eyes > Double(image.width) * 0.03, abs(face.pose.roll) < 30 else {
                return (false, "\(sampleDirectory)/\(first): implausible landmarks (eye distance \(Int(eyes)) px, roll \(Int(face.pose.roll))°)")
            }
            detail += "; one face in \(first), eyes \(Int(eyes)) px apart"
        }
    }
    return (true, detail)
}

// MARK: outbox

private func checkOutbox(_ config: StationConfig) -> (Bool, String) {
    let database = config.outboxPath + "/" + Outbox.databaseName
    // Opening would create a missing outbox: a self test must not.
    guard FileSystem.exists(database) else { return (false, "\(database) does not exist (fotoboxd creates it at its first start)") }
    do {
        let outbox = try Outbox(config: config)
        let integrity = try outbox.integrityCheck()
        guard integrity == "ok" else { return (false, "\(database): integrity_check: \(integrity)") }
        let status = try outbox.status()
        return (status.overdue == 0, "\(database): integrity ok; \(status.summary)")
    } catch {
        return (false, "\(error)")
    }
}

// MARK: office

private func checkOffice(_ config: StationConfig) -> (Bool, String) {
    guard let url = URLComponents(string: config.backendURL), url.scheme == "https", let host = url.host, !host.isEmpty else {
        return (false, "backend.url '\(config.backendURL)' is not an https:// URL")
    }
    // The uploader's own check of the [backend] files first: a missing file is one clear line.
    do throws(OutboxError) { try UploaderSettings(config: config).validate() } catch { return (false, "\(error)") }
    let bareHost = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
    var problems: [String] = []
    var notes: [String] = []
    var expired = false
    func expiry(_ label: String, _ days: [Int]) {
        for value in days {
            if value < 0 { expired = true; problems.append("\(label) expired \(-value) day\(value == -1 ? "" : "s") ago") }
            else if value < SelftestLimits.renewalWarningDays { notes.append("\(label) expires in \(value) days: renew it") }
            else { notes.append("\(label) \(value) days") }
        }
    }
    for (label, file) in [("client cert", config.backendClientCert), ("CA", config.backendCA)] {
        switch TLSProbe.daysUntilExpiry(pemFile: file) {
        case .success(let days): expiry(label, days)
        case .failure(let error): problems.append("\(label) \(file): \(error.message)")
        }
    }
    let probe = TLSProbe.handshake(host: bareHost, port: UInt16(url.port ?? 443), caFile: config.backendCA,
                                   certificateFile: config.backendClientCert, keyFile: config.backendClientKey,
                                   pin: config.backendPin, timeoutSeconds: Double(config.connectTimeoutSeconds))
    switch probe {
    case .success(let answer):
        expiry("office cert", [answer.serverCertificateDays])
        notes.insert("\(answer.protocolVersion) handshake with \(host):\(url.port ?? 443) in \(answer.milliseconds) ms, \(answer.statusLine)", at: 0)
    case .failure(let error):
        problems.insert("\(host):\(url.port ?? 443): \(error.message)", at: 0)
    }
    return (problems.isEmpty && !expired, (problems + notes).joined(separator: "; "))
}

/// A TLS handshake with the office using libssl directly: no upload, and the office's own certificate in hand.
enum TLSProbe {
    struct Failure: Error { let message: String }

    struct Answer {
        let protocolVersion: String
        let milliseconds: Int
        /// The first line of the office's answer to a GET /: any answer shows it accepted the client certificate.
        let statusLine: String
        let serverCertificateDays: Int
    }

    /// Days until each certificate in a PEM file expires (negative: expired).
    static func daysUntilExpiry(pemFile: String) -> Result<[Int], Failure> {
        guard !pemFile.isEmpty else { return .failure(Failure(message: "not set")) }
        guard let bio = BIO_new_file(pemFile, "r") else { return .failure(Failure(message: "cannot read")) }
        defer { BIO_free(bio) }
        var days: [Int] = []
        while let certificate = PEM_read_bio_X509(bio, nil, nil, nil) {
            days.append(daysUntilExpiry(certificate))
            X509_free(certificate)
        }
        ERR_clear_error()
        return days.isEmpty ? .failure(Failure(message: "holds no PEM certificate")) : .success(days)
    }

    static func daysUntilExpiry(_ certificate: OpaquePointer) -> Int {
        var days: Int32 = 0, seconds: Int32 = 0
        guard ASN1_TIME_diff(&days, &seconds, nil, X509_get0_notAfter(certificate)) == 1 else { return 0 }
        // Rounded down: "expires in 0 days" is today.
        return Int(days) - (days <= 0 && seconds < 0 ? 1 : 0)
    }

    static func handshake(host: String, port: UInt16, caFile: String, certificateFile: String, keyFile: String,
                          pin: String?, timeoutSeconds: Double) -> Result<Answer, Failure> {
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        let started = Date()
        guard let context = SSL_CTX_new(TLS_client_method()) else { return .failure(Failure(message: "libssl: \(lastError())")) }
        defer { SSL_CTX_free(context) }
        _ = SSL_CTX_ctrl(context, SSL_CTRL_SET_MIN_PROTO_VERSION, Int(TLS1_2_VERSION), nil)
        guard SSL_CTX_load_verify_locations(context, caFile, nil) == 1 else { return .failure(Failure(message: "CA \(caFile): \(lastError())")) }
        guard SSL_CTX_use_certificate_chain_file(context, certificateFile) == 1 else {
            return .failure(Failure(message: "client cert \(certificateFile): \(lastError())"))
        }
        guard SSL_CTX_use_PrivateKey_file(context, keyFile, SSL_FILETYPE_PEM) == 1, SSL_CTX_check_private_key(context) == 1 else {
            return .failure(Failure(message: "client key \(keyFile): \(lastError())"))
        }
        SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)

        let socket: Int32
        switch connectSocket(host: host, port: port, deadline: deadline) {
        case .success(let fd): socket = fd
        case .failure(let error): return .failure(error)
        }
        defer { close(socket) }
        guard let ssl = SSL_new(context) else { return .failure(Failure(message: "libssl: \(lastError())")) }
        defer { SSL_free(ssl) }
        SSL_set_fd(ssl, socket)
        var address = in6_addr()
        if inet_pton(AF_INET, host, &address) == 1 || inet_pton(AF_INET6, host, &address) == 1 {
            X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host)
        } else {
            SSL_set1_host(ssl, host)
            _ = host.withCString { SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, Int(TLSEXT_NAMETYPE_host_name), UnsafeMutableRawPointer(mutating: $0)) }
        }
        if let failure = drive(ssl, socket: socket, deadline: deadline, { SSL_connect(ssl) }) {
            let verify = SSL_get_verify_result(ssl)
            if verify != X509_V_OK { return .failure(Failure(message: "the office's certificate is refused: \(String(cString: X509_verify_cert_error_string(verify)))")) }
            return .failure(Failure(message: "TLS handshake failed: \(failure)"))
        }
        let milliseconds = Int(Date().timeIntervalSince(started) * 1000)
        guard let peer = SSL_get1_peer_certificate(ssl) else { return .failure(Failure(message: "the office sent no certificate")) }
        defer { X509_free(peer) }
        if let pin, let key = X509_get0_pubkey(peer) {
            // The pin is the SHA-256 of the DER SubjectPublicKeyInfo, as curl computes it.
            var der = [UInt8](repeating: 0, count: Int(max(i2d_PUBKEY(key, nil), 0)))
            _ = der.withUnsafeMutableBufferPointer { buffer in
                var cursor = buffer.baseAddress
                return i2d_PUBKEY(key, &cursor)
            }
            var digest = [UInt8](repeating: 0, count: 32)
            var size: UInt32 = 0
            _ = EVP_Digest(der, der.count, &digest, &size, EVP_sha256(), nil)
            let actual = "sha256//" + Data(digest).base64EncodedString()
            guard pin.split(separator: ";").contains(where: { $0 == actual }) else {
                return .failure(Failure(message: "the office's public key \(actual) does not match backend.pin"))
            }
        }
        // With TLS 1.3 the office judges the client certificate after the client's handshake is done: its
        // verdict (an alert, or an HTTP answer) comes with the first read.
        let request = Array("GET / HTTP/1.1\r\nHost: \(host)\r\nConnection: close\r\n\r\n".utf8)
        if let failure = drive(ssl, socket: socket, deadline: deadline, { request.withUnsafeBytes { SSL_write(ssl, $0.baseAddress, Int32($0.count)) } }) {
            return .failure(Failure(message: "the office refused the client certificate: \(failure)"))
        }
        var buffer = [UInt8](repeating: 0, count: 512)
        var count: Int32 = 0
        if let failure = drive(ssl, socket: socket, deadline: deadline, {
            count = buffer.withUnsafeMutableBytes { SSL_read(ssl, $0.baseAddress, Int32($0.count)) }
            return count
        }) {
            return .failure(Failure(message: "the office refused the client certificate: \(failure)"))
        }
        let statusLine = String(decoding: buffer.prefix(Int(count)), as: UTF8.self).split(separator: "\r\n").first.map(String.init) ?? "(empty answer)"
        return .success(Answer(protocolVersion: String(cString: SSL_get_version(ssl)), milliseconds: milliseconds,
                               statusLine: statusLine, serverCertificateDays: daysUntilExpiry(peer)))
    }

    /// Repeats a non-blocking libssl call, polling the socket as it asks, until it succeeds or the
    /// deadline passes; the failure's text, or nil.
    private static func drive(_ ssl: OpaquePointer, socket: Int32, deadline: Date, _ call: () -> Int32) -> String? {
        while true {
            ERR_clear_error()
            let result = call()
            if result > 0 { return nil }
            let error = SSL_get_error(ssl, result)
            let events: Int16
            switch error {
            case SSL_ERROR_WANT_READ: events = Int16(POLLIN)
            case SSL_ERROR_WANT_WRITE: events = Int16(POLLOUT)
            case SSL_ERROR_ZERO_RETURN: return "the office closed the connection"
            case SSL_ERROR_SYSCALL: return ERR_peek_error() != 0 ? lastError() : "the connection was closed (\(String(cString: strerror(errno))))"
            default: return lastError()
            }
            let remaining = deadline.timeIntervalSinceNow
            guard remaining > 0 else { return "no answer within the connect timeout" }
            var descriptor = pollfd(fd: socket, events: events, revents: 0)
            let ready = poll(&descriptor, 1, Int32(min(remaining, 600) * 1000) + 1)
            if ready == 0 { return "no answer within the connect timeout" }
            if ready < 0 && errno != EINTR { return String(cString: strerror(errno)) }
        }
    }

    /// A non-blocking TCP connection to the first address of `host` that answers before the deadline.
    static func connectSocket(host: String, port: UInt16, deadline: Date) -> Result<Int32, Failure> {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let list else { return .failure(Failure(message: "cannot resolve \(host): \(String(cString: gai_strerror(status)))")) }
        defer { freeaddrinfo(list) }
        var lastProblem = "no address"
        var entry: UnsafeMutablePointer<addrinfo>? = list
        while let current = entry {
            entry = current.pointee.ai_next
            let fd = socket(current.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { lastProblem = String(cString: strerror(errno)); continue }
            if connect(fd, current.pointee.ai_addr, current.pointee.ai_addrlen) == 0 { return .success(fd) }
            guard errno == EINPROGRESS else { lastProblem = String(cString: strerror(errno)); close(fd); continue }
            var descriptor = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            var ready: Int32
            repeat {
                let remaining = deadline.timeIntervalSinceNow
                ready = remaining > 0 ? poll(&descriptor, 1, Int32(min(remaining, 600) * 1000) + 1) : 0
            } while ready < 0 && errno == EINTR
            guard ready > 0 else { lastProblem = "no connection within the connect timeout"; close(fd); continue }
            var problem: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &problem, &length)
            if problem == 0 { return .success(fd) }
            lastProblem = String(cString: strerror(problem))
            close(fd)
        }
        return .failure(Failure(message: "cannot connect: \(lastProblem)"))
    }

    private static func lastError() -> String {
        let code = ERR_get_error()
        guard code != 0 else { return "unknown error" }
        var buffer = [UInt8](repeating: 0, count: 256)
        buffer.withUnsafeMutableBufferPointer { raw in
            raw.withMemoryRebound(to: CChar.self) { ERR_error_string_n(code, $0.baseAddress, $0.count) }
        }
        return String(decoding: buffer.prefix { $0 != 0 }, as: UTF8.self)
    }
}

// MARK: disk and clock

private func checkDisk(_ config: StationConfig) -> (Bool, String) {
    // The outbox directory, or the nearest parent that exists (before the first start).
    var path = config.outboxPath
    while !FileSystem.exists(path), path.contains("/"), path != "/" {
        path = String(path[..<path.lastIndex(of: "/")!])
        if path.isEmpty { path = "/" }
    }
    var info = statvfs()
    guard statvfs(path, &info) == 0 else { return (false, "\(path): \(String(cString: strerror(errno)))") }
    let free = Double(info.f_bavail) * Double(info.f_frsize)
    let total = Double(info.f_blocks) * Double(info.f_frsize)
    let megabytes = Int(free / 1_048_576)
    let percent = total > 0 ? Int((free / total * 100).rounded()) : 0
    let detail = "\(path): \(megabytes) MB free (\(percent) %)"
    return megabytes >= SelftestLimits.minimumFreeMegabytes ? (true, detail) : (false, detail + ", under \(SelftestLimits.minimumFreeMegabytes) MB")
}

/// adjtimex(2): Swift's Glibc module leaves out <sys/timex.h>, so the call is declared here. With `modes` 0
/// it only reads; the return value is the kernel clock state, TIME_ERROR (5) while unsynchronised.
@_silgen_name("adjtimex") private func kernelAdjtimex(_ timex: UnsafeMutableRawPointer) -> Int32

private func checkClock() -> (Bool, String) {
    // struct timex is 208 bytes on 64-bit Linux; esterror (µs) is the long at offset 32.
    var timex = [UInt8](repeating: 0, count: 512)
    let state = timex.withUnsafeMutableBytes { kernelAdjtimex($0.baseAddress!) }
    let estimatedError = timex.withUnsafeBytes { $0.load(fromByteOffset: 32, as: Int.self) }
    let now = CaptureMetadata.timestamp(Date())
    guard state >= 0 else { return (false, "adjtimex: \(String(cString: strerror(errno)))") }
    if state == 5 {
        return (false, "not synchronised (now \(now)): start NTP (systemd-timesyncd); TLS and the office's receipts need the right time")
    }
    return (true, "synchronised, estimated error \(estimatedError / 1000) ms (now \(now))")
}
