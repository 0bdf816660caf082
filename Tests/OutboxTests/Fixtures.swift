import Submission
import Foundation
import Imaging
import Outbox
import Platform

/// Real JPEGs of the sizes a submission carries, and scratch directories.
enum Fixtures {
    static func jpeg(width: Int, height: Int, seed: UInt8 = 7) -> [UInt8] {
        var image = RGBImage(width: width, height: height)
        for index in image.pixels.indices { image.pixels[index] = UInt8(truncatingIfNeeded: index &* 31 &+ Int(seed) &* 17) }
        return try! JPEG.encode(image, options: JPEGEncodeOptions(quality: 80))
    }

    static let photo = jpeg(width: 1244, height: 1600)
    static let signature = jpeg(width: 900, height: 132)
    static let report = Array(#"{"compliant":true,"checks":[{"id":"eyesOpen","pass":true}]}"#.utf8)

    static func submission(caseID: String = "ABCD-1234", photo: [UInt8] = photo) -> Submission {
        Submission(caseID: caseID, photo: photo, signature: signature, report: report,
                   metadata: CaptureMetadata(stationID: "station-1", capturedAt: "2026-11-25T10:00:00Z", queuedAt: "2026-11-25T10:01:00Z", camera: "test"))
    }

    /// A fresh directory under /tmp, removed by the caller with `remove`.
    static func temporaryDirectory() -> String {
        var template = Array("/tmp/fotobox-outbox-test-XXXXXX".utf8CString)
        return template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
    }

    static func remove(_ path: String) { try? FileSystem.removeTree(path) }

    static func openOutbox(_ directory: String, key: OutboxKey? = nil) throws -> Outbox {
        try Outbox(directory: directory + "/outbox", key: key ?? (try OutboxKey(bytes: Array(repeating: 42, count: 32))),
                   policy: try CaseIDPolicy(), retentionDays: 14)
    }

    /// Whether `needle` occurs anywhere in `haystack`.
    static func contains(_ haystack: [UInt8], _ needle: ArraySlice<UInt8>) -> Bool {
        guard needle.count <= haystack.count, let first = needle.first else { return false }
        var index = 0
        while index + needle.count <= haystack.count {
            if haystack[index] == first && haystack[index..<index + needle.count].elementsEqual(needle) { return true }
            index += 1
        }
        return false
    }
}
