import Configuration

/// Why a submission (or one of its parts) is refused, at the station before storing it and at the office
/// before accepting it. Nothing is stored for a refused submission. A case ID in an error is a `CaseIDText`,
/// which describes itself redacted: the office's answer, the station's log and `last_error` never quote it.
public enum SubmissionError: Error, Equatable, Sendable, CustomStringConvertible {
    case caseIDUnsafe(CaseIDText)
    case caseIDPattern(caseID: CaseIDText, pattern: String)
    case caseIDCheckDigit(CaseIDText)
    case notJPEG(part: String)
    case jpegUnreadable(part: String, reason: String)
    case imageSize(part: String, width: Int, height: Int, allowed: [ImageSize])
    case partTooLarge(part: String, bytes: Int, limit: Int)
    case report(String)
    case metadata(String)
    case multipart(String)
    case missingPart(String)

    public var description: String {
        switch self {
        case .caseIDUnsafe(let id):
            "case ID \(id) is not 1-64 letters, digits, '-' or '_'"
        case .caseIDPattern(let id, let pattern): "case ID \(id) does not match the pattern \(pattern)"
        case .caseIDCheckDigit(let id): "case ID \(id) has a wrong check digit"
        case .notJPEG(let part): "\(part) is not a JPEG file"
        case .jpegUnreadable(let part, let reason): "\(part): \(reason)"
        case .imageSize(let part, let width, let height, let allowed):
            "\(part) is \(width)×\(height); allowed: \(allowed.map(\.description).joined(separator: ", "))"
        case .partTooLarge(let part, let bytes, let limit): "\(part) has \(bytes) bytes, more than the limit of \(limit)"
        case .report(let reason): "compliance report: \(reason)"
        case .metadata(let reason): "capture metadata: \(reason)"
        case .multipart(let reason): "request body: \(reason)"
        case .missingPart(let name): "the part '\(name)' is missing"
        }
    }

    /// Quotes a refused ID with anything unprintable escaped, so an error message can never carry
    /// control characters into a terminal or log.
    static func printable(_ text: String) -> String {
        let shown = text.unicodeScalars.prefix(80).map { scalar in
            scalar.value >= 0x20 && scalar.value < 0x7f ? String(scalar) : "\\u{\(String(scalar.value, radix: 16))}"
        }.joined()
        return "'" + shown + (text.unicodeScalars.count > 80 ? "…" : "") + "'"
    }
}

