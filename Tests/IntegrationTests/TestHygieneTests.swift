import FotoboxTestSupport
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Platform
import Testing

/// Issue 16, item 14: a test that cannot run is reported as skipped (or fails on CI), never passed.
@Suite struct TestHygieneTests {
    /// No test prints its own "SKIPPED" and returns: the traits of FotoboxTestSupport do it.
    @Test func noTestSkipsByPrintingAndReturning() throws {
        let root = TestData.packageRoot + "/Tests"
        var offenders: [String] = []
        for directory in try FileSystem.listDirectory(root).sorted() where (try? FileSystem.status(root + "/" + directory)).map({ $0.st_mode & S_IFMT == S_IFDIR }) == true {
            for file in try FileSystem.listDirectory(root + "/" + directory) where file.hasSuffix(".swift") {
                let text = String(decoding: try FileSystem.readFile(root + "/" + directory + "/" + file), as: UTF8.self)
                for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
                where line.contains("(\"SKIPPED") {
                    offenders.append("\(directory)/\(file):\(number + 1)")
                }
            }
        }
        #expect(offenders.isEmpty, "hand-made skips: \(offenders)")
    }

    /// Present → run; absent → skip; absent but required (CI with the data) → a failure naming what is missing.
    @Test func aMissingPrerequisiteIsASkipOrUnderRequireAFailure() throws {
        #expect(try Prerequisite.decide("x", present: true, required: false))
        #expect(try Prerequisite.decide("x", present: true, required: true))
        #expect(try Prerequisite.decide("x", present: false, required: false) == false)
        #expect(throws: RequiredPrerequisiteAbsent.self) { try Prerequisite.decide("x", present: false, required: true) }
    }
}
