import OfficeReceiver
import Configuration
import FotoboxTestSupport
import Foundation
import Imaging
import Outbox
import Platform
import Testing

/// What the outbox integration tests share: the built binaries, a test PKI made with the openssl CLI,
/// a running `fotobox-office`, station config files and test JPEGs.
enum OutboxRig {
    /// The package root, from this file's path (Tests/IntegrationTests/OutboxSupport.swift).
    static let packageRoot: String = {
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        return parts.joined(separator: "/")
    }()

    static func binary(_ name: String) -> String { packageRoot + "/.build/release/" + name }

    /// Why the rig cannot run here (missing binary or openssl), or nil.
    static var unavailableReason: String? {
        // (The trait `.needsOutboxRig` runs a suite only where this is nil.)
        for name in ["fotobox-office", "fotoboxctl"] where !FileSystem.exists(binary(name)) {
            return "\(binary(name)) is not built (run `swift build -c release --build-tests`)"
        }
        if run("/usr/bin/env", ["openssl", "version"]).status != 0 { return "the openssl CLI is not installed (scripts/setup)" }
        if !FileSystem.exists("/usr/bin/curl") { return "curl is not installed (scripts/setup)" }
        return nil
    }

    struct Result {
        var status: Int32
        var standardOutput: String
        var standardError: String
    }

    /// Runs a program to completion (with `environment` added to this process's).
    @discardableResult
    /// Runs `path` to its end; `environment` is added to this process's, `unsetting` taken out of it.
    static func run(_ path: String, _ arguments: [String], directory: String? = nil, environment: [String: String] = [:],
                    unsetting: Set<String> = []) -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        if !environment.isEmpty || !unsetting.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.filter { !unsetting.contains($0.key) }.merging(environment) { $1 }
        }
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        do { try process.run() } catch { return Result(status: 127, standardOutput: "", standardError: "\(error)") }
        // Read both pipes before waiting, so a chatty child cannot block on a full pipe.
        let errData = LockedData()
        let reader = Thread { errData.set(err.fileHandleForReading.readDataToEndOfFile()) }
        reader.start()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while !errData.isSet { usleep(1000) }
        return Result(status: process.terminationStatus, standardOutput: String(decoding: outData, as: UTF8.self),
                      standardError: String(decoding: errData.value, as: UTF8.self))
    }

    static func fotoboxctl(_ arguments: [String]) -> Result { run(binary("fotoboxctl"), arguments) }

    static func temporaryDirectory() -> String {
        var template = Array("/tmp/fotobox-it-XXXXXX".utf8CString)
        return template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
    }

    /// A JPEG of the given size whose bytes depend on `seed`. `noiseBits` of noise per channel make it
    /// larger (3 bits at quality 85: about 0.5 MB for 1244×1600).
    static func jpeg(width: Int, height: Int, seed: UInt64, quality: Int = 85, noiseBits: Int = 3) -> [UInt8] {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        var image = RGBImage(width: width, height: height)
        image.pixels.withUnsafeMutableBufferPointer { pixels in
            for index in pixels.indices {
                state ^= state >> 12; state ^= state << 25; state ^= state >> 27
                let noise = UInt8(truncatingIfNeeded: (state &* 2_685_821_657_736_338_717) >> UInt64(64 - noiseBits))
                pixels[index] = UInt8(truncatingIfNeeded: (index / 3) % 251) &+ noise
            }
        }
        return try! JPEG.encode(image, options: JPEGEncodeOptions(quality: quality))
    }

    static let signature = jpeg(width: 900, height: 132, seed: 1)

    /// Whether `needle` occurs in `haystack`.
    static func contains(_ haystack: [UInt8], _ needle: ArraySlice<UInt8>) -> Bool {
        guard let first = needle.first, needle.count <= haystack.count else { return false }
        var index = 0
        while index + needle.count <= haystack.count {
            if haystack[index] == first && haystack[index..<index + needle.count].elementsEqual(needle) { return true }
            index += 1
        }
        return false
    }

    /// Every regular file under `path`.
    static func files(under path: String) -> [String] {
        guard let names = try? FileSystem.listDirectory(path) else { return [] }
        return names.flatMap { name -> [String] in
            let full = path + "/" + name
            guard let info = try? FileSystem.status(full) else { return [] }
            return (info.st_mode & S_IFMT) == S_IFDIR ? files(under: full) : [full]
        }
    }
}

final class LockedData: Sendable {
    /// The value, once set.
    private let data = Locked<Data?>(nil)
    func set(_ value: Data) { data.withLock { $0 = value } }
    var isSet: Bool { data.withLock { $0 != nil } }
    var value: Data { data.withLock { $0 } ?? Data() }
}

/// A test PKI made with the openssl CLI: an office CA and server certificate for 127.0.0.1; a client
/// ("station") CA issuing a station, a clerk and a monitoring certificate (extended key usage clientAuth,
/// role in OU), and the ones the office must refuse: expired, revoked (listed in `clients.crl`), without
/// clientAuth, without a role, a server certificate (serverAuth) from the same CA; and a rogue CA with a
/// station certificate.
struct TestPKI {
    let directory: String

    init(directory: String) throws {
        self.directory = directory
        let script = """
            set -e
            cd "$1"
            ca() { openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout $1.key -out $1.pem -days 30 -subj "/CN=$1 test CA" 2>/dev/null; }
            request() { openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout $1.key -out $1.csr -subj "$2" 2>/dev/null; }
            sign() { printf '%s\\n' "$3" > $1.ext; openssl x509 -req -in $1.csr -CA $2.pem -CAkey $2.key -CAcreateserial -out $1.pem -days 30 -extfile $1.ext 2>/dev/null; }
            ca office-ca; ca station-ca; ca rogue-ca
            request office "/CN=127.0.0.1"; sign office office-ca "subjectAltName=IP:127.0.0.1,DNS:localhost
            extendedKeyUsage=serverAuth"
            request rogue "/CN=station-1/OU=station"; sign rogue rogue-ca "extendedKeyUsage=clientAuth"
            request server-role "/CN=127.0.0.1/OU=station"; sign server-role station-ca "extendedKeyUsage=serverAuth,clientAuth"
            request no-eku "/CN=station-9/OU=station"; sign no-eku station-ca "subjectAltName=DNS:station-9"
            request no-role "/CN=station-8"; sign no-role station-ca "extendedKeyUsage=clientAuth"
            # The valid clients, the expired and the revoked one come from `openssl ca`, which keeps the index
            # the CRL is made from and takes explicit dates.
            mkdir -p ca-db; : > ca-db/index.txt; echo 01 > ca-db/serial; echo 01 > ca-db/crlnumber
            printf '[ca]\\ndefault_ca=c\\n[c]\\ndatabase=ca-db/index.txt\\nnew_certs_dir=ca-db\\nserial=ca-db/serial\\ncrlnumber=ca-db/crlnumber\\ndefault_md=sha256\\ndefault_days=30\\ndefault_crl_days=30\\npolicy=p\\nx509_extensions=client\\ncopy_extensions=none\\nunique_subject=no\\n[p]\\ncommonName=supplied\\norganizationalUnitName=optional\\n[client]\\nextendedKeyUsage=clientAuth\\n' > ca.cnf
            issue() { request $1 "$2"; openssl ca -batch -config ca.cnf -cert station-ca.pem -keyfile station-ca.key -in $1.csr -out $1.pem -notext $3 2>/dev/null; }
            issue station "/CN=station-1/OU=station"
            issue clerk "/CN=Clerk Schmidt/OU=clerk"
            issue monitoring "/CN=prometheus/OU=monitoring"
            issue expired "/CN=station-2/OU=station" "-startdate 20200101000000Z -enddate 20200201000000Z"
            issue revoked "/CN=station-3/OU=station"
            openssl ca -config ca.cnf -cert station-ca.pem -keyfile station-ca.key -revoke revoked.pem 2>/dev/null
            openssl ca -config ca.cnf -cert station-ca.pem -keyfile station-ca.key -gencrl -out clients.crl 2>/dev/null
            chmod 600 *.key
            """
        let result = OutboxRig.run("/bin/bash", ["-c", script, "pki", directory])
        guard result.status == 0 else { throw RigError("openssl failed: \(result.standardError)") }
    }

    /// Revokes one more certificate and rewrites `clients.crl` (the office re-reads it).
    func revoke(_ name: String) throws {
        let script = """
            set -e
            cd "$1"
            openssl ca -config ca.cnf -cert station-ca.pem -keyfile station-ca.key -revoke $2.pem 2>/dev/null
            openssl ca -config ca.cnf -cert station-ca.pem -keyfile station-ca.key -gencrl -out clients.crl.new 2>/dev/null
            mv clients.crl.new clients.crl
            """
        let result = OutboxRig.run("/bin/bash", ["-c", script, "pki", directory, name])
        guard result.status == 0 else { throw RigError("openssl failed: \(result.standardError)") }
    }

    /// Paths in `directory` without making anything.
    init(unmadeIn directory: String) { self.directory = directory }

    func path(_ name: String) -> String { directory + "/" + name }

    /// The `sha256//BASE64` public-key pin of a certificate, as curl and `backend.pin` take it.
    func pin(of certificate: String) throws -> String {
        let result = OutboxRig.run("/bin/bash", ["-c", "openssl x509 -in \"$1\" -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64", "pin", path(certificate + ".pem")])
        guard result.status == 0 else { throw RigError("pin: \(result.standardError)") }
        return "sha256//" + result.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

struct RigError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A running `fotobox-office` (the real binary), stopped with SIGTERM.
final class OfficeProcess {
    let process = Process()
    let port: UInt16
    let inbox: String
    private let errorLog: String

    /// Starts the office on 127.0.0.1:`port` (0: any free port) and waits until it listens.
    init(pki: TestPKI, inbox: String, port: UInt16 = 0, logDirectory: String, crl: Bool = false, extraArguments: [String] = []) throws {
        self.inbox = inbox
        errorLog = logDirectory + "/office-\(UInt32.random(in: 0...UInt32.max)).log"
        _ = FileManager.default.createFile(atPath: errorLog, contents: nil)
        process.executableURL = URL(fileURLWithPath: OutboxRig.binary("fotobox-office"))
        process.arguments = ["--listen", "127.0.0.1:\(port)", "--inbox", inbox, "--tls-cert", pki.path("office.pem"),
                             "--tls-key", pki.path("office.key"), "--client-ca", pki.path("station-ca.pem")]
            + (crl ? ["--crl", pki.path("clients.crl")] : []) + extraArguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle(forWritingAtPath: errorLog)
        try process.run()
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        let text = String(decoding: line, as: UTF8.self)
        guard let range = text.range(of: "https://127.0.0.1:"),
              let bound = UInt16(text[range.upperBound...].prefix { $0.isNumber }) else {
            process.terminate()
            throw RigError("fotobox-office did not start: \(text) \((try? String(contentsOfFile: errorLog, encoding: .utf8)) ?? "")")
        }
        self.port = bound
    }

    var url: String { "https://127.0.0.1:\(port)" }

    /// The folder of a case's newest submission (`INBOX/<caseId>/<receiptId>`), or a path that does not
    /// exist when the office has none.
    func submissionFolder(_ caseID: String) -> String {
        let caseFolder = inbox + "/" + caseID
        let newest = ((try? FileSystem.listDirectory(caseFolder)) ?? []).max { left, right in
            let l = (try? FileSystem.status(caseFolder + "/" + left).st_mtim.tv_sec) ?? 0
            let r = (try? FileSystem.status(caseFolder + "/" + right).st_mtim.tv_sec) ?? 0
            return l < r
        }
        return caseFolder + "/" + (newest ?? "none")
    }

    /// What the office logged so far.
    var log: String { (try? String(contentsOfFile: errorLog, encoding: .utf8)) ?? "" }

    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }

    deinit { stop() }
}

/// A running `fotoboxd` (the real binary) on a free loopback port: the station's config with the replay
/// camera playing `frames`, the simulated pad, the models and the UI; stopped with SIGTERM.
final class KioskProcess {
    let process = Process()
    let port: UInt16

    /// `extraConfig` goes right after the station's own config (so a bare `key = value` line lands in its
    /// last section), before the kiosk's sections.
    init(station: StationFiles, directory: String, frames: String, extraConfig: String = "") throws {
        port = try SilentListener().port   // closed again at once; the port stays free long enough here
        let config = directory + "/kiosk.conf"
        try FileSystem.writeNewFile(config, try FileSystem.readFile(station.configPath) + Array("""
            \(extraConfig)
            [camera]
            device = replay:\(frames)
            [pad]
            device = simulated
            [models]
            directory = \(OutboxRig.packageRoot)/models
            [kiosk]
            listen = 127.0.0.1:\(port)
            static-directory = \(OutboxRig.packageRoot)/ui

            """.utf8))
        process.executableURL = URL(fileURLWithPath: OutboxRig.binary("fotoboxd"))
        process.arguments = ["--config", config]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
    }

    var url: String { "http://127.0.0.1:\(port)" }

    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }

    deinit { stop() }
}

/// A station config file for fotoboxctl, and the outbox key it names.
struct StationFiles {
    let configPath: String
    let outboxPath: String

    init(directory: String, pki: TestPKI, officeURL: String, clientCertificate: String = "station", name: String = "station", pin: String? = nil) throws {
        outboxPath = directory + "/\(name)-outbox"
        let keyPath = directory + "/\(name)-outbox.key"
        if !FileSystem.exists(keyPath) {
            try FileSystem.writeNewFile(keyPath, Array((try OutboxKey.random()).hexadecimal.utf8), mode: 0o600)
        }
        configPath = directory + "/\(name).conf"
        let text = """
            # written by the outbox integration tests
            [station]
            id = station-1
            [outbox]
            path = \(outboxPath)
            key-file = \(keyPath)
            [backend]
            url = \(officeURL)
            ca = \(pki.path("office-ca.pem"))
            client-cert = \(pki.path(clientCertificate + ".pem"))
            client-key = \(pki.path(clientCertificate + ".key"))
            connect-timeout = 2
            transfer-timeout = 20
            \(pin.map { "pin = " + $0 } ?? "")

            """
        try? FileSystem.removeTree(configPath)
        try FileSystem.writeNewFile(configPath, Array(text.utf8))
    }

    func outbox() throws -> Outbox { try Outbox(config: try StationConfig.load(path: configPath)) }
}


/// A listening socket on loopback that nobody accepts on: the kernel completes TCP, nobody speaks TLS —
/// an office that hangs. Closed when the value goes away.
final class SilentListener {
    let descriptor: Int32
    let port: UInt16

    init() throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let fd = descriptor
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && listen(fd, 8) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { close(descriptor); throw SystemError(call: "listen on 127.0.0.1", errno: errno) }
        port = UInt16(bigEndian: address.sin_port)
    }

    deinit { close(descriptor) }
}

extension Trait where Self == ConditionTrait {
    /// The outbox rig: fotobox-office and fotoboxctl built, the openssl and curl command-line tools installed.
    static var needsOutboxRig: Self {
        .needs("the outbox rig (fotobox-office and fotoboxctl built, openssl and curl installed)") { OutboxRig.unavailableReason == nil }
    }
}
