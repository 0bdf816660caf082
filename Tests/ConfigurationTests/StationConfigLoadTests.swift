import Configuration
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite("StationConfig.load")
struct StationConfigLoadTests {
    static func file(_ text: String) -> String {
        var template = Array("/tmp/fotobox-config-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        let path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        close(fd)
        return path
    }

    @Test func readsAndValidatesTheFile() throws {
        let path = Self.file("[station]\nid = town-hall-2\n[outbox]\nretention-days = 21\n")
        defer { unlink(path) }
        let config = try StationConfig.load(path: path)
        #expect(config.stationID == "town-hall-2")
        #expect(config.retentionDays == 21)
    }

    @Test func aMissingFileNamesThePath() {
        #expect { try StationConfig.load(path: "/nonexistent/fotobox.conf") } throws: {
            "\($0)".hasPrefix("/nonexistent/fotobox.conf: cannot read")
        }
    }

    /// Issue 16, item 7: a FIFO (or a directory) given as the config is refused at once, not waited on.
    @Test(.timeLimit(.minutes(1))) func aFIFOIsRefusedWithoutBlocking() {
        let path = "/tmp/fotobox-config-fifo-\(getpid())"
        unlink(path)
        #expect(mkfifo(path, 0o600) == 0)
        defer { unlink(path) }
        #expect { try StationConfig.load(path: path) } throws: { "\($0)".contains("not a regular file") }
        #expect { try StationConfig.load(path: "/tmp") } throws: { "\($0)".hasPrefix("/tmp: cannot read") }
    }

    @Test func badValuesNameTheLine() {
        let path = Self.file("[outbox]\n\nretention-days = forever\n")
        defer { unlink(path) }
        #expect { try StationConfig.load(path: path) } throws: { "\($0)".contains(":3: outbox.retention-days") }
    }
}
