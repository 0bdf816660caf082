/// A width × height in pixels.
public struct ImageSize: Equatable, Hashable, Sendable, CustomStringConvertible {
    public var width: Int
    public var height: Int
    public init(width: Int, height: Int) {
        self.width = width
        self.height = height
    }
    public var description: String { "\(width)×\(height)" }
}

// The pixel sizes the documents prescribe, defined once here (the lowest module all their readers share):
// Compliance's PhotoProfile, Submission's rules (station and office), the camera's required crop, the
// signature renderer and fotoboxctl's help texts read them from here.

extension CaptureProfile {
    /// The finished photo's exact size: 1244×1600 for live capture (BSI TR-03121-3 vol. 2, the German
    /// ID card/passport photo at the TR's resolution), 622×800 for a scanned print (half of it).
    public var photoSize: ImageSize {
        switch self {
        case .live: ImageSize(width: 1244, height: 1600)
        case .scan: ImageSize(width: 622, height: 800)
        }
    }

    /// Every profile's photo size (what a submission's photo may be).
    public static var photoSizes: [ImageSize] { allCases.map(\.photoSize) }
}

/// The document a signature image is made for, with its image size (BSI TR-03123-2, XhD).
public enum SignatureDocument: String, Sendable, CaseIterable {
    /// Personalausweis: 900×132 pixels.
    case idCard = "idcard"
    /// Reisepass: 630×188 pixels.
    case passport

    /// The signature image's exact size for this document.
    public var imageSize: ImageSize {
        switch self {
        case .idCard: ImageSize(width: 900, height: 132)
        case .passport: ImageSize(width: 630, height: 188)
        }
    }

    public var width: Int { imageSize.width }
    public var height: Int { imageSize.height }

    /// Every document's signature size (what a submission's signature may be).
    public static var signatureSizes: [ImageSize] { allCases.map(\.imageSize) }

    /// `idcard` or `passport`: the one parser of fotoboxctl's `--document`.
    public init(parsing text: String) throws(ConfigValueError) {
        guard let document = SignatureDocument(rawValue: text) else {
            throw ConfigValueError("expected \(Self.allCases.map(\.rawValue).joined(separator: " or ")), not '\(text)'")
        }
        self = document
    }
}
