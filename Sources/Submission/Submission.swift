import Configuration
import Foundation
import Imaging
import Platform

/// What the station sends the office for one citizen: the case ID, the processed photo, the signature,
/// the compliance report and how the photo was taken. Deliberately no name and no date of birth: the
/// office joins the photo to the person through the case ID alone.
public struct Submission: Sendable, Equatable {
    public var caseID: String
    /// The processed photo, JPEG: 1244×1600 (live capture) or 622×800 (scanned print).
    public var photo: [UInt8]
    /// The signature, JPEG: 900×132 (ID card) or 630×188.
    public var signature: [UInt8]
    /// The compliance report, a JSON object (see `SubmissionRules.validateReport`).
    public var report: [UInt8]
    public var metadata: CaptureMetadata

    public init(caseID: String, photo: [UInt8], signature: [UInt8], report: [UInt8], metadata: CaptureMetadata) {
        self.caseID = caseID
        self.photo = photo
        self.signature = signature
        self.report = report
        self.metadata = metadata
    }
}

/// How and where the photo was taken. The office refuses any other field, so personal data cannot slip in.
public struct CaptureMetadata: Codable, Sendable, Equatable {
    public var stationID: String
    /// When the photo was taken, ISO 8601 UTC.
    public var capturedAt: String
    /// When the station queued the submission, ISO 8601 UTC.
    public var queuedAt: String
    public var softwareVersion: String
    /// The camera's name (V4L2 card name or "replay"/"file").
    public var camera: String
    /// Live capture at the kiosk or a scanned print (`visit.profile`).
    public var profile: CaptureProfile
    /// The citizen's visit at the kiosk; nil for a submission a technician queued from files
    /// (`fotoboxctl queue add`).
    public var visit: VisitContext?

    public init(stationID: String, capturedAt: String, queuedAt: String, softwareVersion: String = CaptureMetadata.currentSoftwareVersion,
                camera: String, profile: CaptureProfile = .live, visit: VisitContext? = nil) {
        self.stationID = stationID
        self.capturedAt = capturedAt
        self.queuedAt = queuedAt
        self.softwareVersion = softwareVersion
        self.camera = camera
        self.profile = profile
        self.visit = visit
    }

    /// The version this build reports in every submission (the one definition is Platform's `FotoboxVersion`).
    public static let currentSoftwareVersion = "fotobox \(FotoboxVersion.number)"

    /// `date` as ISO 8601 UTC with seconds, the form every time field uses.
    public static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }
}

/// What the office learns about the visit that produced a submission: nothing that names the citizen.
public struct VisitContext: Codable, Sendable, Equatable {
    /// The language the citizen used at the kiosk (ISO 639-1, lower case).
    public var language: String
    /// Photos taken again after the first.
    public var retakes: Int
    /// All mandatory compliance checks passed on the accepted photo.
    public var compliant: Bool
    /// From the start of the visit to the confirmation, whole seconds.
    public var visitSeconds: Int
    /// The code the citizen's receipt shows, by which staff find the visit; nil from a station that
    /// predates it.
    public var confirmationCode: ConfirmationCode?

    public init(language: String, retakes: Int, compliant: Bool, visitSeconds: Int, confirmationCode: ConfirmationCode? = nil) {
        self.language = language
        self.retakes = retakes
        self.compliant = compliant
        self.visitSeconds = visitSeconds
        self.confirmationCode = confirmationCode
    }
}

/// The rules both ends apply to a submission before keeping it: the station before it stores anything,
/// the office before it writes the case folder. One set of rules, so the two cannot disagree.
public enum SubmissionRules {
    /// The sizes a photo and a signature may have (defined once, in Configuration's DocumentSizes).
    public static let photoSizes = CaptureProfile.photoSizes
    public static let signatureSizes = SignatureDocument.signatureSizes
    public static let photoByteLimit = 8 << 20
    public static let signatureByteLimit = 1 << 20
    public static let reportByteLimit = 256 << 10
    public static let metadataByteLimit = 16 << 10
    /// The largest request body the office reads: the parts plus room for multipart framing.
    public static let bodyByteLimit = photoByteLimit + signatureByteLimit + reportByteLimit + metadataByteLimit + (64 << 10)

    /// Throws the first reason the submission cannot be accepted.
    public static func validate(_ submission: Submission, policy: CaseIDPolicy) throws(SubmissionError) {
        try policy.validate(submission.caseID)
        try validateJPEG(submission.photo, part: "photo", sizes: photoSizes, limit: photoByteLimit)
        try validateJPEG(submission.signature, part: "signature", sizes: signatureSizes, limit: signatureByteLimit)
        try validateReport(submission.report)
        try validateMetadata(submission.metadata)
    }

    /// JPEG magic (FF D8 FF), a readable header, one of the allowed sizes, and every scan decodes without
    /// a warning (a truncated or damaged file is refused, not filled with grey).
    public static func validateJPEG(_ bytes: [UInt8], part: String, sizes: [ImageSize], limit: Int) throws(SubmissionError) {
        guard bytes.count <= limit else { throw .partTooLarge(part: part, bytes: bytes.count, limit: limit) }
        guard bytes.count >= 3, bytes[0] == 0xFF, bytes[1] == 0xD8, bytes[2] == 0xFF else { throw .notJPEG(part: part) }
        let header: JPEGHeader
        do { header = try JPEG.readHeader(bytes) } catch { throw .jpegUnreadable(part: part, reason: error.description) }
        let size = ImageSize(width: header.width, height: header.height)
        guard sizes.contains(size) else { throw .imageSize(part: part, width: size.width, height: size.height, allowed: sizes) }
        do { _ = try JPEG.decode(bytes, options: JPEGDecodeOptions(honourOrientation: false)) } catch {
            throw .jpegUnreadable(part: part, reason: error.description)
        }
    }

    /// The report is Compliance's `ComplianceReport` as JSON: `"compliant"` (true, false, or null when
    /// nothing was analysed) and `"checks"`, an array of objects each with a string `"id"` and a boolean
    /// `"pass"` (`SubmittedComplianceReport`; an id this version does not know is accepted). Other fields (value, limit, mandatory, advice) are kept as they are.
    public static func validateReport(_ bytes: [UInt8]) throws(SubmissionError) {
        guard bytes.count <= reportByteLimit else { throw .partTooLarge(part: "report", bytes: bytes.count, limit: reportByteLimit) }
        _ = try SubmittedComplianceReport(json: bytes)
    }

    /// Every field present and short; the station ID safe like a case ID.
    public static func validateMetadata(_ metadata: CaptureMetadata) throws(SubmissionError) {
        guard CaseIDPolicy.isSafe(metadata.stationID) else { throw .metadata("stationID must be 1-64 letters, digits, '-' or '_'") }
        for (name, value) in [("capturedAt", metadata.capturedAt), ("queuedAt", metadata.queuedAt),
                              ("softwareVersion", metadata.softwareVersion), ("camera", metadata.camera)] {
            guard !value.isEmpty, value.utf8.count <= 200 else { throw .metadata("\(name) must be 1-200 characters") }
            guard value.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7f }) else { throw .metadata("\(name) has control characters") }
        }
        if let visit = metadata.visit {
            let letters = visit.language.utf8
            guard (2...3).contains(letters.count), letters.allSatisfy({ (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) }) else {
                throw .metadata("visit.language must be an ISO 639 code of 2-3 lower-case letters")
            }
            guard (0...100).contains(visit.retakes) else { throw .metadata("visit.retakes must be 0-100") }
            guard (0...86_400).contains(visit.visitSeconds) else { throw .metadata("visit.visitSeconds must be 0-86400") }
        }
    }

    /// A decoding error as one short line naming the field, without echoing the data.
    package static func reason(_ error: any Error) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let names = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? "." + $0.stringValue }.joined()
            return names.isEmpty ? "the document" : String(names.drop { $0 == "." })
        }
        switch error {
        case DecodingError.keyNotFound(let key, _): return "the field '\(key.stringValue)' is missing"
        case DecodingError.typeMismatch(_, let context): return "\(path(context)) has the wrong type"
        case DecodingError.valueNotFound(_, let context): return "\(path(context)) must not be null"
        case DecodingError.dataCorrupted(let context):
            return context.codingPath.isEmpty ? "not valid JSON" : "\(path(context)) is invalid"
        default: return "not valid JSON"
        }
    }
}

/// A submission's compliance report as the office reads it (`validateReport` checks this shape; decoding is the
/// check): the verdict and each check's id and result. The ids are typed, as `ReportedCheck`: a check only a newer
/// station runs is kept as `unknown` with its name, so an office older than its stations still counts it.
public struct SubmittedComplianceReport: Decodable, Sendable, Equatable {
    public struct Check: Decodable, Sendable, Equatable {
        public let id: ReportedCheck
        public let pass: Bool
    }
    /// nil when nothing was analysed (`fotoboxctl queue add`).
    public let compliant: Bool?
    public let checks: [Check]

    /// The checks that failed, in report order.
    public var failedChecks: [ReportedCheck] { checks.filter { !$0.pass }.map(\.id) }

    enum CodingKeys: String, CodingKey { case compliant, checks }

    /// Reads a report's JSON; the error names the field, never echoes the data.
    public init(json bytes: [UInt8]) throws(SubmissionError) {
        do { self = try JSONDecoder().decode(Self.self, from: Data(bytes)) } catch let error as SubmissionError {
            throw error
        } catch {
            throw .report(SubmissionRules.reason(error))
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        guard container.contains(.compliant) else { throw SubmissionError.report("the field 'compliant' is missing") }
        compliant = try container.decodeNil(forKey: .compliant) ? nil : container.decode(Bool.self, forKey: .compliant)
        checks = try container.decode([Check].self, forKey: .checks)
    }
}
