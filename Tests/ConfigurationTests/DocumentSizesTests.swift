import Configuration
import Testing

/// The document sizes, defined once (issue 18): what the office, the camera, the renderer and the help read.
@Suite("Document sizes")
struct DocumentSizesTests {
    @Test func theSizesAreTheDocumentsOwn() {
        #expect(CaptureProfile.live.photoSize == ImageSize(width: 1244, height: 1600))
        #expect(CaptureProfile.scan.photoSize == ImageSize(width: 622, height: 800))
        #expect(SignatureDocument.idCard.imageSize == ImageSize(width: 900, height: 132))
        #expect(SignatureDocument.passport.imageSize == ImageSize(width: 630, height: 188))
        #expect(CaptureProfile.photoSizes.map(\.description) == ["1244×1600", "622×800"])
        #expect(SignatureDocument.signatureSizes.map(\.description) == ["900×132", "630×188"])
    }

    @Test func theDocumentParserNamesTheChoices() throws {
        #expect(try SignatureDocument(parsing: "passport") == .passport)
        #expect(try SignatureDocument(parsing: "idcard") == .idCard)
        #expect(throws: ConfigValueError("expected idcard or passport, not 'visa'")) { try SignatureDocument(parsing: "visa") }
    }
}
