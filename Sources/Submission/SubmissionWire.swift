import CCrypto
import Configuration
import Foundation

/// The submission on the wire: `multipart/form-data` with four parts, so a plain
/// `curl -F metadata=@m.json -F report=@r.json -F photo=@p.jpg -F signature=@s.jpg` can send one too.
///
/// - `metadata` (application/json): `{"caseId", "stationId", "capturedAt", "queuedAt", "softwareVersion", "camera",
///   "profile", "visit": {"language", "retakes", "compliant", "visitSeconds", "confirmationCode"}}` (`visit` absent
///   for a submission queued from files; `confirmationCode`, `XXX-XXX`, absent from stations before it), no other key;
/// - `report` (application/json): the compliance report;
/// - `photo`, `signature` (image/jpeg).
///
/// The station stores the encoded body (encrypted) in its outbox and uploads exactly those bytes, so
/// every retry sends the same thing.
public enum SubmissionWire {
    /// The request body and its Content-Type (with a random boundary).
    public static func encode(_ submission: Submission) -> (body: [UInt8], contentType: String) {
        let boundary = "fotobox-" + randomHex(bytes: 16)
        var body: [UInt8] = []
        body.reserveCapacity(submission.photo.count + submission.signature.count + submission.report.count + 2048)
        func part(_ name: String, filename: String?, type: String, _ bytes: [UInt8]) {
            var header = "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\""
            if let filename { header += "; filename=\"\(filename)\"" }
            header += "\r\nContent-Type: \(type)\r\n\r\n"
            body += Array(header.utf8)
            body += bytes
            body += Array("\r\n".utf8)
        }
        part("metadata", filename: nil, type: "application/json", metadataJSON(submission))
        part("report", filename: "report.json", type: "application/json", submission.report)
        part("photo", filename: "photo.jpg", type: "image/jpeg", submission.photo)
        part("signature", filename: "signature.jpg", type: "image/jpeg", submission.signature)
        body += Array("--\(boundary)--\r\n".utf8)
        return (body, "multipart/form-data; boundary=\(boundary)")
    }

    /// Parses a request body; the parts' contents are not validated here (`SubmissionRules` does that).
    public static func decode(_ body: [UInt8], contentType: String) throws(SubmissionError) -> Submission {
        let parts = try MultipartFormData.parse(body, contentType: contentType)
        func required(_ name: String) throws(SubmissionError) -> [UInt8] {
            guard let part = parts[name] else { throw .missingPart(name) }
            return part
        }
        let metadataBytes = try required("metadata")
        guard metadataBytes.count <= SubmissionRules.metadataByteLimit else {
            throw .partTooLarge(part: "metadata", bytes: metadataBytes.count, limit: SubmissionRules.metadataByteLimit)
        }
        let wire: WireMetadata
        do { wire = try JSONDecoder().decode(WireMetadata.self, from: Data(metadataBytes)) } catch let error as SubmissionError {
            throw error
        } catch {
            throw .metadata(SubmissionRules.reason(error))
        }
        return Submission(caseID: wire.caseId, photo: try required("photo"), signature: try required("signature"),
                          report: try required("report"), metadata: wire.metadata)
    }

    /// The `metadata` part: sorted keys, so the same submission always encodes to the same bytes.
    package static func metadataJSON(_ submission: Submission) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Array((try? encoder.encode(WireMetadata(caseID: submission.caseID, submission.metadata))) ?? Data("{}".utf8))
    }

    /// The office's `submission.json` beside the stored parts: the receipt's fields and the `metadata` part's,
    /// one object (the same field names as on the wire, so the two cannot drift apart).
    package static func recordJSON(_ submission: Submission, receipt: SubmissionReceipt) -> [UInt8] {
        StoredRecord(metadata: WireMetadata(caseID: submission.caseID, submission.metadata), receipt: receipt).json
    }

    /// The clerk's import `metadata.json`: the office's `submission.json` (`recordJSON`) read back as typed values, plus
    /// who took it over when. A record that cannot be read gives the two fields alone (the parts are still imported).
    package static func importJSON(record stored: [UInt8], takenOverBy clerk: String, at time: String) -> [UInt8] {
        let decoder = JSONDecoder()
        decoder.userInfo[WireMetadata.storedRecord] = true
        guard var record = try? decoder.decode(StoredRecord.self, from: Data(stored)) else {
            return StoredRecord.Takeover(takenOverBy: clerk, takenOverAt: time).json
        }
        record.takeover = StoredRecord.Takeover(takenOverBy: clerk, takenOverAt: time)
        return record.json
    }

    /// `bytes` random bytes from libcrypto as lowercase hexadecimal.
    package static func randomHex(bytes count: Int) -> String {
        var raw = [UInt8](repeating: 0, count: count)
        if RAND_bytes(&raw, Int32(count)) != 1 {
            var generator = SystemRandomNumberGenerator()
            for index in raw.indices { raw[index] = generator.next() }
        }
        return raw.map { String($0 >> 4, radix: 16) + String($0 & 15, radix: 16) }.joined()
    }
}

/// A small, strict `multipart/form-data` reader: named parts only, each name once, bounded headers.
package enum MultipartFormData {
    static let maximumParts = 16
    static let maximumHeaderBytes = 1024

    /// The parts by name.
    package static func parse(_ body: [UInt8], contentType: String) throws(SubmissionError) -> [String: [UInt8]] {
        guard let boundary = boundaryParameter(contentType) else {
            throw .multipart("Content-Type must be multipart/form-data with a boundary")
        }
        let delimiter = Array("--\(boundary)".utf8)
        let lineDelimiter = Array("\r\n--\(boundary)".utf8)
        // The first delimiter starts the body (a preamble is allowed but unusual).
        guard var position = find(delimiter, in: body, from: 0) else { throw .multipart("no part delimiter found") }
        position += delimiter.count
        var parts: [String: [UInt8]] = [:]
        while true {
            // After a delimiter: "--" ends the body, CRLF starts a part.
            if hasPrefix(body, at: position, Array("--".utf8)) { return parts }
            guard hasPrefix(body, at: position, Array("\r\n".utf8)) else { throw .multipart("malformed part delimiter") }
            position += 2
            guard let headerEnd = find(Array("\r\n\r\n".utf8), in: body, from: position),
                  headerEnd - position <= maximumHeaderBytes else { throw .multipart("a part's headers are missing or too long") }
            let headers = String(decoding: body[position..<headerEnd], as: UTF8.self)
            guard let name = partName(headers) else { throw .multipart("a part has no Content-Disposition name") }
            let contentStart = headerEnd + 4
            guard let contentEnd = find(lineDelimiter, in: body, from: contentStart) else {
                throw .multipart("the part '\(SubmissionError.printable(name))' is not terminated (truncated body?)")
            }
            guard parts[name] == nil else { throw .multipart("the part '\(SubmissionError.printable(name))' appears twice") }
            guard parts.count < maximumParts else { throw .multipart("more than \(maximumParts) parts") }
            parts[name] = Array(body[contentStart..<contentEnd])
            position = contentEnd + lineDelimiter.count
        }
    }

    static func boundaryParameter(_ contentType: String) -> String? {
        let fields = contentType.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard let type = fields.first, type.lowercased() == "multipart/form-data" else { return nil }
        for field in fields.dropFirst() where field.lowercased().hasPrefix("boundary=") {
            var value = String(field.dropFirst("boundary=".count))
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            return (1...70).contains(value.utf8.count) ? value : nil
        }
        return nil
    }

    static func partName(_ headers: String) -> String? {
        for line in headers.split(separator: "\r\n") {
            let text = String(line)
            guard text.lowercased().hasPrefix("content-disposition:") else { continue }
            // `filename="` also contains `name="`: take the first `name=` that is a parameter of its own.
            var search = text[...]
            while let found = search.range(of: "name=\"") {
                let before = found.lowerBound == text.startIndex ? " " : text[text.index(before: found.lowerBound)]
                if before == " " || before == ";" {
                    let rest = text[found.upperBound...]
                    guard let close = rest.firstIndex(of: "\"") else { return nil }
                    return String(rest[..<close])
                }
                search = text[found.upperBound...]
            }
            return nil
        }
        return nil
    }

    static func hasPrefix(_ body: [UInt8], at position: Int, _ prefix: [UInt8]) -> Bool {
        guard position + prefix.count <= body.count else { return false }
        for index in prefix.indices where body[position + index] != prefix[index] { return false }
        return true
    }

    /// The first occurrence of `needle` at or after `start`: memchr to each candidate first byte, then
    /// memcmp (the bodies are megabytes; glibc's memmem is not visible without _GNU_SOURCE).
    static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard start <= haystack.count, !needle.isEmpty else { return nil }
        return haystack.withUnsafeBytes { hay -> Int? in
            needle.withUnsafeBytes { pin -> Int? in
                let base = hay.baseAddress!
                var position = start
                while hay.count - position >= pin.count {
                    guard let hit = memchr(base + position, Int32(pin[0]), hay.count - position - pin.count + 1) else { return nil }
                    let offset = base.distance(to: UnsafeRawPointer(hit))
                    if memcmp(base + offset, pin.baseAddress!, pin.count) == 0 { return offset }
                    position = offset + 1
                }
                return nil
            }
        }
    }
}

/// The `metadata` part as JSON: the capture metadata with the case ID beside it. Decoding refuses any key
/// it does not know, at the top and in `visit`, so nothing else can ride along.
struct WireMetadata: Codable {
    var caseId: String
    var stationId: String
    var capturedAt: String
    var queuedAt: String
    var softwareVersion: String
    var camera: String
    var profile: CaptureProfile
    var visit: WireVisit?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case caseId, stationId, capturedAt, queuedAt, softwareVersion, camera, profile, visit
    }

    struct WireVisit: Codable {
        var language: Reported<Language>
        var retakes: Int
        var compliant: Bool
        var visitSeconds: Int
        var confirmationCode: ConfirmationCode?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case language, retakes, compliant, visitSeconds, confirmationCode
        }

        init(from decoder: any Decoder) throws {
            try WireMetadata.refuseUnknownKeys(decoder, known: CodingKeys.self, inside: "visit.")
            let container = try decoder.container(keyedBy: CodingKeys.self)
            language = try container.decode(Reported<Language>.self, forKey: .language)
            retakes = try container.decode(Int.self, forKey: .retakes)
            compliant = try container.decode(Bool.self, forKey: .compliant)
            visitSeconds = try container.decode(Int.self, forKey: .visitSeconds)
            confirmationCode = try container.decodeIfPresent(ConfirmationCode.self, forKey: .confirmationCode)
        }

        init(_ visit: VisitContext) {
            language = visit.language
            retakes = visit.retakes
            compliant = visit.compliant
            visitSeconds = visit.visitSeconds
            confirmationCode = visit.confirmationCode
        }

        var context: VisitContext {
            VisitContext(language: language, retakes: retakes, compliant: compliant, visitSeconds: visitSeconds, confirmationCode: confirmationCode)
        }
    }

    init(caseID: String, _ metadata: CaptureMetadata) {
        caseId = caseID
        stationId = metadata.stationID
        capturedAt = metadata.capturedAt
        queuedAt = metadata.queuedAt
        softwareVersion = metadata.softwareVersion
        camera = metadata.camera
        profile = metadata.profile
        visit = metadata.visit.map(WireVisit.init)
    }

    /// Set in a decoder's userInfo when the object is the office's stored record (metadata and receipt fields in one
    /// object), whose receipt keys are not unknown; a request's `metadata` part is always read strictly.
    static let storedRecord = CodingUserInfoKey(rawValue: "fotobox.storedRecord")!

    init(from decoder: any Decoder) throws {
        if decoder.userInfo[Self.storedRecord] as? Bool != true {
            try Self.refuseUnknownKeys(decoder, known: CodingKeys.self, inside: "")
        }
        let container = try decoder.container(keyedBy: CodingKeys.self)
        caseId = try container.decode(String.self, forKey: .caseId)
        stationId = try container.decode(String.self, forKey: .stationId)
        capturedAt = try container.decode(String.self, forKey: .capturedAt)
        queuedAt = try container.decode(String.self, forKey: .queuedAt)
        softwareVersion = try container.decode(String.self, forKey: .softwareVersion)
        camera = try container.decode(String.self, forKey: .camera)
        profile = try container.decode(CaptureProfile.self, forKey: .profile)
        visit = try container.decodeIfPresent(WireVisit.self, forKey: .visit)
    }

    var metadata: CaptureMetadata {
        CaptureMetadata(stationID: stationId, capturedAt: capturedAt, queuedAt: queuedAt, softwareVersion: softwareVersion,
                        camera: camera, profile: profile,
                        visit: visit?.context)
    }

    /// Any key of the object at `decoder` that `Keys` does not name.
    static func refuseUnknownKeys<Keys: CodingKey & CaseIterable>(_ decoder: any Decoder, known: Keys.Type, inside prefix: String) throws {
        let names = Set(Keys.allCases.map(\.stringValue))
        let present = try decoder.container(keyedBy: AnyKey.self).allKeys.map(\.stringValue)
        let unexpected = present.filter { !names.contains($0) }.sorted()
        guard unexpected.isEmpty else {
            throw SubmissionError.metadata("unexpected field(s) \(unexpected.map { prefix + $0 }.joined(separator: ", ")); only \(names.sorted().map { prefix + $0 }.joined(separator: ", ")) are accepted")
        }
    }

    struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}

/// The office's `submission.json` beside the stored parts, and (with `takeover`) the clerk's import `metadata.json`:
/// the wire metadata's fields, the receipt's and the takeover's in one flat object (keys sorted, pretty).
struct StoredRecord: Codable {
    struct Takeover: Codable {
        var takenOverBy: String
        var takenOverAt: String

        var json: [UInt8] { StoredRecord.encoded(self) }
    }

    var metadata: WireMetadata
    var receipt: SubmissionReceipt
    var takeover: Takeover? = nil

    init(metadata: WireMetadata, receipt: SubmissionReceipt) {
        self.metadata = metadata
        self.receipt = receipt
    }

    init(from decoder: any Decoder) throws {
        metadata = try WireMetadata(from: decoder)
        receipt = try SubmissionReceipt(from: decoder)
        takeover = try? Takeover(from: decoder)
    }

    func encode(to encoder: any Encoder) throws {
        try metadata.encode(to: encoder)
        try receipt.encode(to: encoder)
        try takeover?.encode(to: encoder)
    }

    var json: [UInt8] { Self.encoded(self) }

    static func encoded(_ value: some Encodable) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        return Array((try? encoder.encode(value)) ?? Data("{}".utf8))
    }
}
