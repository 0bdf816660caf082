/// Why a setting's text is not a value the setting takes: "expected …, not '…'". The config parser puts it
/// after the key and line; fotoboxctl after the option that took the same text.
public struct ConfigValueError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}

/// The photo profile a station captures for (`visit.profile`), which a submission carries to the office.
public enum CaptureProfile: String, Codable, Sendable, CaseIterable {
    /// Taken at the kiosk's camera (the photo's rules: Compliance's `PhotoProfile.live`).
    case live
    /// A scanned print (`PhotoProfile.scan`).
    case scan

    /// `live` or `scan`: the one parser of `visit.profile` and fotoboxctl's `--profile`.
    public init(parsing text: String) throws(ConfigValueError) {
        guard let profile = CaptureProfile(rawValue: text) else { throw ConfigValueError("expected live or scan, not '\(text)'") }
        self = profile
    }
}

/// Where the station's frames come from (`camera.device`, fotoboxctl's `camera --device`).
public enum CameraSource: Sendable, Equatable, CustomStringConvertible {
    /// A V4L2 capture node, such as `/dev/video0`.
    case device(path: String)
    /// A folder of JPEG files played as a camera (`replay:FOLDER`), for the demo and the tests.
    case replay(folder: String)

    static let replayPrefix = "replay:"

    /// An absolute device path or `replay:FOLDER`: the one parser of the camera's setting and option.
    public init(parsing text: String) throws(ConfigValueError) {
        if text.hasPrefix(Self.replayPrefix) {
            let folder = String(text.dropFirst(Self.replayPrefix.count))
            guard !folder.isEmpty else { throw ConfigValueError("expected replay:FOLDER with a folder, not '\(text)'") }
            self = .replay(folder: folder)
        } else if text.hasPrefix("/") {
            self = .device(path: text)
        } else {
            throw ConfigValueError("expected a device path or replay:DIR, not '\(text)'")
        }
    }

    /// The setting's text again: the path, or `replay:FOLDER`.
    public var description: String {
        switch self {
        case .device(let path): path
        case .replay(let folder): Self.replayPrefix + folder
        }
    }

    /// The file or folder the source reads.
    public var path: String {
        switch self {
        case .device(let path): path
        case .replay(let folder): folder
        }
    }
}

/// Which signature pad the station uses (`pad.device`, fotoboxctl's `pad --device`).
public enum PadSource: Sendable, Equatable, CustomStringConvertible {
    /// The first Wacom STU pad on the USB bus, found again for every visit.
    case auto
    /// A recorded signature played as a pad that presses OK, for the demo and the tests.
    case simulated
    /// The pad at this usbfs node, such as `/dev/bus/usb/001/004`.
    case device(path: String)

    /// `auto`, `simulated` or an absolute usbfs path: the one parser of the pad's setting and option.
    public init(parsing text: String) throws(ConfigValueError) {
        switch text {
        case "auto": self = .auto
        case "simulated": self = .simulated
        case _ where text.hasPrefix("/"): self = .device(path: text)
        default: throw ConfigValueError("expected auto, simulated or a device path, not '\(text)'")
        }
    }

    /// The setting's text again.
    public var description: String {
        switch self {
        case .auto: "auto"
        case .simulated: "simulated"
        case .device(let path): path
        }
    }
}
