/// The code on the citizen's receipt ("K7M-2QX"), sent to the office with the submission so that staff
/// can find the visit by it when the citizen has no case number at hand. Six characters from an alphabet
/// without look-alikes (no 0/O, 1/I/L), grouped three and three: about 887 million codes, read aloud or
/// typed without confusion. It names no one; it only links a receipt to its submission.
public struct ConfirmationCode: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The code as printed, `XXX-XXX`.
    public let text: String

    /// The characters a code is made of.
    public static let alphabet: [Character] = Array("23456789ABCDEFGHJKMNPQRSTUVWXYZ")

    /// A code as printed (`XXX-XXX` from `alphabet`); nil for anything else.
    public init?(_ text: String) {
        let characters = Array(text)
        guard characters.count == 7, characters[3] == "-",
              characters.enumerated().allSatisfy({ $0.offset == 3 || Self.alphabet.contains($0.element) }) else { return nil }
        self.text = text
    }

    /// A fresh random code.
    public static func random() -> ConfirmationCode {
        var generator = SystemRandomNumberGenerator()
        let characters = (0..<6).map { _ in alphabet[Int(generator.next(upperBound: UInt(alphabet.count)))] }
        return ConfirmationCode(String(characters[0..<3]) + "-" + String(characters[3..<6]))!
    }

    public var description: String { text }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let code = ConfirmationCode(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a confirmation code"))
        }
        self = code
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(text)
    }
}
