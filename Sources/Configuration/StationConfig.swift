/// The station's settings, read from its config file (`/etc/fotobox/fotobox.conf`); every key has a
/// built-in default so that the demo runs without a file. `docs/configuration.md` lists them.
public struct StationConfig: Sendable, Equatable {
    /// The installed config file, which fotoboxd and fotoboxctl read when none is given.
    public static let defaultPath = "/etc/fotobox/fotobox.conf"

    // [station]
    public var stationID = "fotobox-demo"
    // [visit]
    public var caseIDPattern = "^[A-Z]{4}-[0-9]{4}$"
    public var caseIDCheckDigit = CheckDigit.none
    /// Without a touch for this long, the visit is wiped (`visit.inactivity-timeout`, seconds in the file).
    public var inactivityTimeout = Duration.seconds(60)
    /// During the guidance a face keeps the visit open at most this long after the last touch (seconds).
    public var faceKeepsAlive = Duration.seconds(120)
    /// Good guidance for this long takes the photo by itself; zero: only the button takes it (milliseconds).
    public var autoCaptureHold = Duration.milliseconds(1500)
    /// The photo profile the station captures for.
    public var profile = CaptureProfile.live
    // [camera]
    /// Where the frames come from (`camera.device`).
    public var cameraSource = CameraSource.replay(folder: "samples")
    /// Fixed kiosk values for the camera's controls; nil leaves a control as the camera has it. A booth's
    /// light does not change, so neither should exposure, white balance or focus.
    public var cameraExposure: Int? = nil
    public var cameraWhiteBalanceKelvin: Int? = nil
    public var cameraFocus: Int? = nil
    /// Mains frequency in Hz against flicker (0 = no filter); Germany: 50.
    public var cameraPowerLineFrequency = 50
    // [pad]
    /// Which signature pad (`pad.device`).
    public var padSource = PadSource.simulated
    // [models]
    public var modelDirectory = "models"
    // [outbox]
    public var outboxPath = "/var/lib/fotobox/outbox"
    public var outboxKeyFile = "/run/credentials/fotoboxd.service/outbox.key"
    public var retentionDays = 14
    // [backend]
    public var backendURL = "https://127.0.0.1:8443"
    public var backendCA = ""
    public var backendClientCert = ""
    public var backendClientKey = ""
    public var backendPin: String? = nil
    public var connectTimeoutSeconds = 10
    /// How often the station reports its health to the office (`POST /v1/fleet/health`).
    public var healthIntervalSeconds = 60
    public var transferTimeoutSeconds = 60
    // [checks]
    /// Overrides of the compliance thresholds (`ThresholdName`, docs/configuration.md); unset names keep the
    /// defaults from the standards.
    public var checkThresholds: [ThresholdName: Double] = [:]
    // [liveness]
    /// What the visit does with the presentation-attack judgement (docs/liveness.md).
    public var livenessMode = LivenessMode.observe
    /// Scores at or above this are bona fide; below it by more than `livenessUnsureMargin`, an attack.
    public var livenessThreshold = 0.5
    /// Width of the band below the threshold that is `unsure` rather than `attack`.
    public var livenessUnsureMargin = 0.2
    // [kiosk]
    /// Where the kiosk's HTTP server listens (`kiosk.listen`, parsed once into host and port).
    public var kioskListen = HostPort(host: "127.0.0.1", port: 8080)
    public var kioskStaticDirectory = "ui"
    /// Where the UI puts its controls: auto (low on a portrait screen), low or standard.
    public var kioskLayout = KioskLayout.auto
    /// Height of the screen's top edge above the floor in cm, if known: above 105 cm (DIN 18040-1's highest
    /// control) the layout is low.
    public var kioskScreenTopCentimetres: Int? = nil

    /// Where the kiosk UI puts its controls.
    public enum KioskLayout: String, Sendable, CaseIterable, Encodable {
        case auto, low, standard
    }

    /// Optional check digit appended to case IDs (defined with the rest of the case-ID rules).
    public typealias CheckDigit = CaseIDRules.CheckDigit

    /// The case-ID rules of `[visit]`, as the kiosk and the outbox apply them. `parse` has compiled the
    /// pattern already, so this throws only for a config built in code with a bad pattern.
    public func caseIDRules() throws(CaseIDPattern.Error) -> CaseIDRules {
        try CaseIDRules(pattern: caseIDPattern, checkDigit: caseIDCheckDigit)
    }

    /// What the station does with the liveness (presentation-attack) judgement of a visit.
    public enum LivenessMode: String, Sendable, CaseIterable {
        /// Only a bona fide presentation may continue; one retry, then the person is asked to come back or
        /// ask the staff. The packaged config enforces (BSI TR-03121-3 for unsupervised capture).
        case enforce
        /// Judge and report (office, journal), never stop a visit: for a station's first weeks.
        case observe
        /// No challenge, no judgement.
        case off
    }

    public init() {}

    /// Reads and validates a config file's text: unknown sections or keys and bad values are errors
    /// naming their line; all of them are reported at once.
    public static func parse(_ text: String, path: String) throws(ConfigError) -> StationConfig {
        let file = try ConfigFile.parse(text, path: path)
        var config = StationConfig()
        var issues: [ConfigIssue] = []
        for entry in file.entries {
            let qualified = entry.section.isEmpty ? entry.key : "\(entry.section).\(entry.key)"
            guard let setting = settings[qualified] else {
                let known = settings.keys.sorted().filter { $0.hasPrefix(entry.section + ".") }.map { String($0.dropFirst(entry.section.count + 1)) }
                let hint = sections.contains(entry.section)
                    ? " (known keys in [\(entry.section)]: \(known.joined(separator: ", ")))"
                    : " (sections are \(sections.map { "[\($0)]" }.joined(separator: ", ")))"
                issues.append(ConfigIssue(path: path, line: entry.line, message: "unknown key '\(entry.key)' in [\(entry.section)]\(hint)"))
                continue
            }
            if let problem = setting.apply(entry.value, &config) {
                issues.append(ConfigIssue(path: path, line: entry.line, message: "\(qualified): \(problem)"))
            }
        }
        if !issues.isEmpty { throw ConfigError(issues) }
        return config
    }

    /// One key of the file: how its text becomes a field, or why it cannot.
    struct Setting: Sendable {
        let apply: @Sendable (String, inout StationConfig) -> String?
    }

    static var sections: [String] { Array(Set(settings.keys.map { String($0.split(separator: ".")[0]) })).sorted() }

    static let settings: [String: Setting] = checkSettings.merging([
        "station.id": text(\.stationID, pattern: "1-64 ASCII letters, digits, '-' or '_' (not starting with '-')",
                           validate: CaseIDRules.isSafeIdentifier),
        "visit.case-id-pattern": Setting { value, config in
            do throws(CaseIDPattern.Error) { _ = try CaseIDPattern(value) } catch { return "'\(value)' cannot be used: \(error)" }
            config.caseIDPattern = value
            return nil
        },
        "visit.case-id-check-digit": choice(\.caseIDCheckDigit),
        "visit.inactivity-timeout": duration(\.inactivityTimeout, 10...600, unit: "seconds") { .seconds($0) },
        "visit.face-keeps-alive": duration(\.faceKeepsAlive, 10...600, unit: "seconds") { .seconds($0) },
        "visit.auto-capture": duration(\.autoCaptureHold, 0...10_000, unit: "milliseconds (0 = off)") { .milliseconds($0) },
        "visit.profile": parsed(\.profile, CaptureProfile.init(parsing:)),
        "camera.device": parsed(\.cameraSource, CameraSource.init(parsing:)),
        "camera.exposure": optionalInteger(\.cameraExposure, 1...100_000, unit: "units of 100 µs"),
        "camera.white-balance": optionalInteger(\.cameraWhiteBalanceKelvin, 2000...10_000, unit: "kelvin"),
        "camera.focus": optionalInteger(\.cameraFocus, 0...10_000, unit: "driver focus units"),
        "camera.power-line-frequency": Setting { value, config in
            guard let hertz = Int(value), [0, 50, 60].contains(hertz) else { return "expected 50, 60 or 0 (no filter), not '\(value)'" }
            config.cameraPowerLineFrequency = hertz
            return nil
        },
        "pad.device": parsed(\.padSource, PadSource.init(parsing:)),
        "models.directory": text(\.modelDirectory, pattern: "a directory", validate: { !$0.isEmpty }),
        "outbox.path": text(\.outboxPath, pattern: "a directory", validate: { !$0.isEmpty }),
        "outbox.key-file": text(\.outboxKeyFile, pattern: "a file", validate: { !$0.isEmpty }),
        "outbox.retention-days": integer(\.retentionDays, 1...90, unit: "days"),
        "backend.url": text(\.backendURL, pattern: "an https:// URL", validate: { $0.hasPrefix("https://") && $0.count > 8 }),
        "backend.ca": text(\.backendCA, pattern: "a PEM file", validate: { !$0.isEmpty }),
        "backend.client-cert": text(\.backendClientCert, pattern: "a PEM file", validate: { !$0.isEmpty }),
        "backend.client-key": text(\.backendClientKey, pattern: "a PEM file", validate: { !$0.isEmpty }),
        "backend.pin": Setting { value, config in
            guard value.hasPrefix("sha256//"), value.count > 12 else { return "expected sha256//BASE64 (a public-key pin as curl takes it), not '\(value)'" }
            config.backendPin = value
            return nil
        },
        "backend.connect-timeout": integer(\.connectTimeoutSeconds, 1...120, unit: "seconds"),
        "backend.health-interval": integer(\.healthIntervalSeconds, 2...3600, unit: "seconds"),
        "backend.transfer-timeout": integer(\.transferTimeoutSeconds, 5...600, unit: "seconds"),
        "liveness.mode": Setting { value, config in
            guard let mode = LivenessMode(rawValue: value) else {
                return "expected one of \(LivenessMode.allCases.map(\.rawValue).joined(separator: ", ")), not '\(value)'"
            }
            config.livenessMode = mode
            return nil
        },
        "liveness.threshold": fraction(\.livenessThreshold, 0.05...0.95),
        "liveness.unsure-margin": fraction(\.livenessUnsureMargin, 0...0.5),
        "kiosk.listen": Setting { value, config in
            guard let listen = HostPort(value) else { return "expected HOST:PORT ([v6]:PORT for IPv6, port 1-65535), not '\(value)'" }
            config.kioskListen = listen
            return nil
        },
        "kiosk.static-directory": text(\.kioskStaticDirectory, pattern: "a directory", validate: { !$0.isEmpty }),
        "kiosk.layout": choice(\.kioskLayout),
        "kiosk.screen-top-cm": optionalInteger(\.kioskScreenTopCentimetres, 50...250, unit: "cm above the floor"),
    ]) { first, _ in first }

    static let checkSettings: [String: Setting] = Dictionary(uniqueKeysWithValues: ThresholdName.allCases.map { name in
        ("checks." + name.rawValue, Setting { value, config in
            let range = name.allowedRange
            guard let number = Double(value), number.isFinite, range.contains(number) else {
                return "expected a number in \(range.lowerBound)…\(range.upperBound), not '\(value)': a station may make the check "
                    + "\(name.check.rawValue) stricter, never more lenient than \(name.lenientEnd) (docs/compliance.md)"
            }
            config.checkThresholds[name] = number
            return nil
        })
    })

    static func text(_ field: WritableKeyPath<StationConfig, String> & Sendable, pattern: String,
                     validate: @escaping @Sendable (String) -> Bool) -> Setting {
        Setting { value, config in
            guard validate(value) else { return "expected \(pattern), not '\(value)'" }
            config[keyPath: field] = value
            return nil
        }
    }

    /// A value made by its type's own parser (the one fotoboxctl's options use as well).
    static func parsed<Value>(_ field: WritableKeyPath<StationConfig, Value> & Sendable,
                              _ parse: @escaping @Sendable (String) throws(ConfigValueError) -> Value) -> Setting {
        Setting { value, config in
            do throws(ConfigValueError) { config[keyPath: field] = try parse(value) } catch { return error.message }
            return nil
        }
    }

    static func integer(_ field: WritableKeyPath<StationConfig, Int> & Sendable, _ range: ClosedRange<Int>, unit: String) -> Setting {
        Setting { value, config in
            switch wholeNumber(value, range, unit: unit) {
            case .success(let number): config[keyPath: field] = number; return nil
            case .failure(let problem): return problem.message
            }
        }
    }

    /// A whole number of `unit`s in `range`, kept as a `Duration`: where the file's seconds (or
    /// milliseconds) of the visit's timing become durations, once.
    static func duration(_ field: WritableKeyPath<StationConfig, Duration> & Sendable, _ range: ClosedRange<Int>, unit: String,
                         _ make: @escaping @Sendable (Int) -> Duration) -> Setting {
        Setting { value, config in
            switch wholeNumber(value, range, unit: unit) {
            case .success(let number): config[keyPath: field] = make(number); return nil
            case .failure(let problem): return problem.message
            }
        }
    }

    static func optionalInteger(_ field: WritableKeyPath<StationConfig, Int?> & Sendable, _ range: ClosedRange<Int>, unit: String) -> Setting {
        Setting { value, config in
            switch wholeNumber(value, range, unit: unit) {
            case .success(let number): config[keyPath: field] = number; return nil
            case .failure(let problem): return problem.message
            }
        }
    }

    static func fraction(_ field: WritableKeyPath<StationConfig, Double> & Sendable, _ range: ClosedRange<Double>) -> Setting {
        Setting { value, config in
            guard let number = Double(value), number.isFinite, range.contains(number) else {
                return "expected a number in \(range.lowerBound)…\(range.upperBound), not '\(value)'"
            }
            config[keyPath: field] = number
            return nil
        }
    }

    struct Problem: Error { let message: String }

    static func wholeNumber(_ value: String, _ range: ClosedRange<Int>, unit: String) -> Result<Int, Problem> {
        guard let number = Int(value), range.contains(number) else {
            return .failure(Problem(message: "expected a whole number of \(unit) in \(range.lowerBound)…\(range.upperBound), not '\(value)'"))
        }
        return .success(number)
    }

    static func choice<Choice: RawRepresentable & CaseIterable & Sendable>(_ field: WritableKeyPath<StationConfig, Choice> & Sendable) -> Setting
    where Choice.RawValue == String {
        Setting { value, config in
            guard let choice = Choice(rawValue: value) else {
                return "expected one of \(Choice.allCases.map(\.rawValue).joined(separator: ", ")), not '\(value)'"
            }
            config[keyPath: field] = choice
            return nil
        }
    }
}

/// `HOST:PORT`, with `[v6]:PORT` for IPv6.
public struct HostPort: Sendable, Equatable {
    public let host: String
    public let port: UInt16

    public init(host: String, port: UInt16) {
        self.host = host
        self.port = port
    }

    public init?(_ text: String) {
        guard let colon = text.lastIndex(of: ":") else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, let port = UInt16(text[text.index(after: colon)...]), port > 0 else { return nil }
        self.host = host
        self.port = port
    }

    /// Loopback only: an IPv4 literal in 127.0.0.0/8, the IPv6 literal ::1, or localhost (which libcurl and glibc
    /// resolve to those). Literals only: "127.example.org" is a name anyone's DNS may point anywhere.
    public var isLoopback: Bool {
        let name = host.lowercased()
        if name == "localhost" || name == "::1" || name == "0:0:0:0:0:0:0:1" { return true }
        let octets = name.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127"
            && octets.allSatisfy { (1...3).contains($0.utf8.count) && $0.utf8.allSatisfy { (48...57).contains($0) } && UInt8($0) != nil }
    }

    /// `http://HOST:PORT` by which a client on this machine reaches a server listening here: a server on every
    /// address (0.0.0.0, ::) answers on loopback too; an IPv6 host is bracketed (`fotoboxctl status`).
    public var localHTTPURL: String {
        let reachable = switch host {
        case "0.0.0.0": "127.0.0.1"
        case "::": "[::1]"
        default: host.contains(":") ? "[\(host)]" : host
        }
        return "http://\(reachable):\(port)"
    }
}
