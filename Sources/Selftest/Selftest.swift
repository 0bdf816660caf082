import Configuration
import Capture
import Devices
import FaceAnalysis
import Foundation
import Imaging
import KernelDispatch
import Outbox
import Platform
import Submission

/// A part of the station `fotoboxctl selftest` checks, in the order they are reported.
public enum SelftestComponent: String, CaseIterable, Sendable, Encodable {
    case kernels, camera, pad
    case faceModels = "face-models"
    case outbox, office, disk, clock

    /// How long the check may take before it is reported as hanging.
    public func timeLimitSeconds(_ config: StationConfig) -> Double {
        switch self {
        case .camera: 15
        case .pad: 10
        case .faceModels: 60
        case .office: Double(config.connectTimeoutSeconds) * 2 + 5
        // Listed, not `default`: a new part's limit is chosen on purpose.
        case .kernels, .outbox, .disk, .clock: 10
        }
    }
}

/// One line of the report.
public struct SelftestResult: Sendable, Encodable, Equatable {
    public let name: String
    public let ok: Bool
    public let detail: String
}

extension [SelftestResult] {
    /// The results as a table for a person (CHECK, RESULT, DETAIL), ok in green and FAIL in red with `colour`,
    /// and a last line counting the failures.
    public func tableLines(colour: Bool) -> [String] {
        let width = Swift.max(5, map(\.name.count).max() ?? 0)
        func padded(_ text: String, _ width: Int) -> String { text + String(repeating: " ", count: Swift.max(0, width - text.count)) }
        var lines = ["\(padded("CHECK", width))  RESULT  DETAIL"]
        for result in self {
            // Padded before colouring, so the escape codes do not skew the columns.
            var word = padded(result.ok ? "ok" : "FAIL", 6)
            if colour { word = (result.ok ? "\u{1B}[32m" : "\u{1B}[1;31m") + word + "\u{1B}[0m" }
            lines.append("\(padded(result.name, width))  \(word)  \(result.detail)")
        }
        let failed = filter { !$0.ok }.count
        lines.append(failed == 0 ? "all \(count) checks passed" : "\(failed) of \(count) checks failed")
        return lines
    }
}

/// Every part of the station checked once, each within its own time limit, so a technician learns in under
/// a minute which part is broken. A check never takes a device from the running service: a camera or pad
/// held by fotoboxd is reported as such, not opened.
public enum Selftest {
    /// Preview frames the camera check streams.
    public static let cameraFrames = 5
    /// The disk check fails below this much free space under the outbox.
    public static let minimumFreeMegabytes = 512
    /// Days before expiry from which a certificate is reported as due for renewal.
    public static let renewalWarningDays = 30

    /// Runs the checks side by side and reports them in the given order.
    public static func run(_ components: [SelftestComponent], config: StationConfig) -> [SelftestResult] {
        runWithDeadlines(components.map { component in
            (component.rawValue, component.timeLimitSeconds(config), { check(component, config) })
        })
    }

    /// One check, on the calling thread: whether it passed, and one line saying what was seen.
    @Sendable public static func check(_ component: SelftestComponent, _ config: StationConfig) -> (Bool, String) {
        switch component {
        case .kernels: checkKernels()
        case .camera: checkCamera(config)
        case .pad: checkPad(config)
        case .faceModels: checkFaceModels(config)
        case .outbox: checkOutbox(config)
        case .office: checkOffice(config)
        case .disk: checkDisk(config)
        case .clock: checkClock()
        }
    }

    /// Runs each check on its own thread and collects the results in the given order; a check still running
    /// at its deadline (monotonic) is reported as hanging (its thread is left behind and ends with the process).
    public static func runWithDeadlines(_ checks: [(name: String, seconds: Double, run: @Sendable () -> (Bool, String))]) -> [SelftestResult] {
        final class Results: Sendable {
            let byIndex = Locked<[Int: SelftestResult]>([:])
            /// Signalled whenever a check finishes: a wake-up, the results are in `byIndex`.
            let finished = DispatchSemaphore(value: 0)
        }
        let results = Results()
        let started = ContinuousClock.now
        for (index, check) in checks.enumerated() {
            do {
                // Never joined: a hanging check's thread is left behind (detached) and ends with the process.
                _ = try JoinableThread(name: "selftest-\(check.name)", stackBytes: 8 << 20) {
                    let (ok, detail) = check.run()
                    results.byIndex.withLock { $0[index] = SelftestResult(name: check.name, ok: ok, detail: detail) }
                    results.finished.signal()
                }
            } catch {
                results.byIndex.withLock { $0[index] = SelftestResult(name: check.name, ok: false, detail: "not run: \(error)") }
            }
        }
        return checks.enumerated().map { index, check in
            let deadline = started + .milliseconds(Int64(check.seconds * 1000))
            while true {
                if let result = results.byIndex.withLock({ $0[index] }) { return result }
                let left = deadline - .now
                guard left > .zero else { break }
                let milliseconds = Int(left.inMilliseconds) + 1
                _ = results.finished.wait(timeout: .now() + .milliseconds(milliseconds))
            }
            return SelftestResult(name: check.name, ok: false, detail: "no answer within \(Int(check.seconds)) s: hangs")
        }
    }
}

extension Selftest {
    // MARK: kernels

    /// Which instruction-set path the face and pixel kernels take here, and whether FOTOBOX_KERNELS is usable.
    static func checkKernels() -> (Bool, String) {
        if case .failure = KernelDispatch.selection { return (false, KernelDispatch.summary) }
        return (true, KernelDispatch.summary)
    }

    // MARK: camera

    static func checkCamera(_ config: StationConfig) -> (Bool, String) {
        let device = config.cameraSource.description
        let camera: any Camera
        switch config.cameraSource {
        case .replay(let folder):
            camera = ReplayCamera(folder: folder, log: .silent)
        case .device(let path):
            let holders = OpenDeviceScan().holders(of: path)
            if let service = holders.first(where: { $0.command == "fotoboxd" }) {
                return (true, "\(device) is held by fotoboxd (pid \(service.pid)), which streams it: see 'fotoboxctl status' for its frame rate")
            }
            if let other = holders.first {
                return (false, "\(device) is held by \(other.command) (pid \(other.pid)): the service cannot use it")
            }
            camera = V4L2Camera(path: path, log: .silent)
        }
        defer { camera.close() }
        let started = ContinuousClock.now
        do throws(CameraError) {
            let format = try camera.configure(.preview)
            try camera.start()
            var last: Frame?
            for _ in 0..<Selftest.cameraFrames { last = try camera.nextFrame(timeoutMilliseconds: 2_000) }
            camera.stop()
            let seconds = (ContinuousClock.now - started).inSeconds
            let size = last.map { "\($0.size)" } ?? "\(format.size)"
            return (true, "\(device): \(Selftest.cameraFrames) frames \(size) \(format.format) in \(String(format: "%.2f", seconds)) s")
        } catch {
            return (false, error.description)
        }
    }

    // MARK: pad

    static func checkPad(_ config: StationConfig) -> (Bool, String) {
        let source = config.padSource
        // The node the service would claim: the configured path, or for "auto" the first pad on the bus.
        let node: String? = switch source {
        case .device(let path): path
        case .auto: (try? USBContext().devices(vendorID: WacomModel.vendorID).first(where: WacomModel.isSignaturePad))?.usbfsPath
        case .simulated: nil
        }
        if let node, let holder = OpenDeviceScan().holders(of: node).first {
            // Claiming it would fail (EBUSY) or, worse, take it from the service.
            return holder.command == "fotoboxd"
                ? (true, "\(node) is held by fotoboxd (pid \(holder.pid)), which uses it: not opened")
                : (false, "\(node) is held by \(holder.command) (pid \(holder.pid)): the service cannot use it")
        }
        do throws(PadError) {
            let pad = try SignaturePads.open(source: source, context: try USBContext())
            let name = pad.name
            pad.close()
            return (true, "\(source): \(name) answers")
        } catch {
            return (false, error.description)
        }
    }

    // MARK: face models

    static func checkFaceModels(_ config: StationConfig) -> (Bool, String) {
        let candidates = [config.modelDirectory, "models", FaceModels.installedDirectory]
        guard let directory = FaceModels.locate(candidates) else {
            return (false, "models not found in \(candidates.joined(separator: ", ")) (expected \(FaceModels.fileNames.joined(separator: ", ")))")
        }
        let analyzer: FaceAnalyzer
        do { analyzer = try FaceAnalyzer(modelDirectory: directory) } catch {
            return (false, "\(directory): \(error)")
        }
        // A picture with a face-coloured oval but no face: a chain that finds a face here is broken.
        // Through the JPEG codec, as a camera's frame would come.
        guard let encoded = try? JPEG.encode(RGBImage.facelessOval(width: 320, height: 240), options: .preview),
              let blank = try? JPEG.decode(encoded) else {
            return (false, "the generated check picture could not be decoded")
        }
        let phantom = analyzer.analyze(blank)
        guard phantom.isEmpty else {
            return (false, "\(directory): found \(phantom.count) face(s) in a picture without a face: the models are corrupt")
        }
        var detail = "\(directory): loaded; no face in a generated picture without one"
        if case .replay(let sampleDirectory) = config.cameraSource {
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

    static func checkOutbox(_ config: StationConfig) -> (Bool, String) {
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

    static func checkOffice(_ config: StationConfig) -> (Bool, String) {
        guard let url = URLComponents(string: config.backendURL), url.scheme == "https", let host = url.host, !host.isEmpty else {
            return (false, "backend.url '\(config.backendURL)' is not an https:// URL")
        }
        // The uploader's own check of the [backend] files first: a missing file is one clear line.
        do throws(OutboxError) { try UploaderSettings(config: config).validate() } catch { return (false, "\(error)") }
        var problems: [String] = []
        var notes: [String] = []
        var expired = false
        func expiry(_ label: String, _ days: [Int]) {
            for value in days {
                if value < 0 { expired = true; problems.append("\(label) expired \(-value) day\(value == -1 ? "" : "s") ago") }
                else if value < Selftest.renewalWarningDays { notes.append("\(label) expires in \(value) days: renew it") }
                else { notes.append("\(label) \(value) days") }
            }
        }
        for (label, file) in [("client cert", config.backendClientCert), ("CA", config.backendCA)] {
            switch OfficeProbe.daysUntilExpiry(pemFile: file) {
            case .success(let days): expiry(label, days)
            case .failure(let error): problems.append("\(label) \(file): \(error.message)")
            }
        }
        let probe = OfficeProbe.handshake(config: config)
        switch probe {
        case .success(let answer):
            expiry("office cert", [answer.serverCertificateDays])
            notes.insert("\(answer.protocolVersion) handshake with \(host):\(url.port ?? 443) in \(answer.milliseconds) ms, \(answer.statusLine)", at: 0)
        case .failure(let error):
            problems.insert("\(host):\(url.port ?? 443): \(error.message)", at: 0)
        }
        return (problems.isEmpty && !expired, (problems + notes).joined(separator: "; "))
    }

    // MARK: disk and clock

    static func checkDisk(_ config: StationConfig) -> (Bool, String) {
        // The outbox directory, or the nearest parent that exists (before the first start).
        var path = config.outboxPath
        while !FileSystem.exists(path), path.contains("/"), path != "/" {
            path = String(path[..<path.lastIndex(of: "/")!])
            if path.isEmpty { path = "/" }
        }
        let space: (free: Int64, total: Int64)
        do { space = try FileSystem.space(path) } catch { return (false, "\(path): \(error)") }
        let megabytes = Int(space.free / 1_048_576)
        let percent = space.total > 0 ? Int((Double(space.free) / Double(space.total) * 100).rounded()) : 0
        let detail = "\(path): \(megabytes) MB free (\(percent) %)"
        return megabytes >= minimumFreeMegabytes ? (true, detail) : (false, detail + ", under \(minimumFreeMegabytes) MB")
    }

    static func checkClock() -> (Bool, String) {
        let now = CaptureMetadata.timestamp(Date())
        let state: KernelClock.Synchronisation
        do { state = try KernelClock.synchronisation() } catch { return (false, "\(error)") }
        guard state.synchronised else {
            return (false, "not synchronised (now \(now)): start NTP (systemd-timesyncd); TLS and the office's receipts need the right time")
        }
        return (true, "synchronised, estimated error \(state.estimatedErrorMicroseconds / 1000) ms (now \(now))")
    }
}
