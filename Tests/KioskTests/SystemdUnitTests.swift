import VisitCore
import Testing
import Foundation

let repositoryRoot = FileManager.default.currentDirectoryPath
let systemdAnalyze = "/usr/bin/systemd-analyze"

/// `systemd-analyze security --offline=yes UNIT`'s overall exposure, nil when it cannot be read.
func exposure(of unit: String) throws -> (Double?, String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: systemdAnalyze)
    process.arguments = ["security", "--offline=yes", "--no-pager", unit]
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    guard let line = output.split(separator: "\n").last(where: { $0.contains("Overall exposure level") }),
          let number = line.split(separator: ":").last?.split(separator: " ").first.flatMap({ Double($0) }) else { return (nil, output) }
    return (number, output)
}

@Suite("systemd units and udev rules")
struct SystemdUnitTests {
    static let units = ["fotoboxd.service", "fotobox-kiosk.service"]

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: systemdAnalyze), "systemd-analyze is not installed (apt: systemd)"),
          arguments: units)
    func exposureAtMostOnePointFive(unit: String) throws {
        let (score, output) = try exposure(of: "\(repositoryRoot)/systemd/\(unit)")
        let measured = try #require(score, "no exposure level in: \(output.suffix(400))")
        print("systemd-analyze security --offline=yes systemd/\(unit): \(measured)")
        #expect(measured <= 1.5, "\(unit) exposure \(measured)")
    }

    @Test func everyUnitInTheFolderIsMeasured() throws {
        let present = try FileManager.default.contentsOfDirectory(atPath: repositoryRoot + "/systemd").filter { $0.hasSuffix(".service") }
        #expect(Set(present) == Set(Self.units))
    }

    @Test func serviceIsNotifyTypeWithWatchdogAndCredentials() throws {
        let unit = try String(contentsOfFile: repositoryRoot + "/systemd/fotoboxd.service", encoding: .utf8)
        for line in ["Type=notify", "WatchdogSec=", "DevicePolicy=closed", "DeviceAllow=char-video4linux rw", "DeviceAllow=char-usb_device rw",
                     "ProtectSystem=strict", "StateDirectory=fotobox", "LoadCredential=outbox.key:", "LoadCredential=client.key:",
                     "IPAddressAllow=localhost", "SystemCallFilter=@system-service"] {
            #expect(unit.contains(line), "fotoboxd.service lacks \(line)")
        }
    }

    @Test func udevRulesNameCaptureNodesAndPadsOnly() throws {
        let rules = try String(contentsOfFile: repositoryRoot + "/udev/70-fotobox.rules", encoding: .utf8)
        let logical = rules.replacingOccurrences(of: "\\\n", with: " ").split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        let camera = try #require(logical.first { $0.contains("fotobox/camera") })
        #expect(camera.contains(#"ENV{ID_V4L_CAPABILITIES}=="*:capture:*""#) && camera.contains(#"SUBSYSTEM=="video4linux""#))
        let pad = try #require(logical.first { $0.contains("fotobox/sigpad") })
        #expect(pad.contains(#"ATTR{idVendor}=="056a""#) && pad.contains(#"ATTR{idProduct}=="00a[1-9]""#))
        for rule in [camera, pad] {
            #expect(rule.contains(#"GROUP="fotobox""#) && rule.contains(#"MODE="0660""#) && rule.contains(#"TAG+="systemd""#))
        }
        // Sorted after 60-persistent-v4l.rules, which sets ID_V4L_CAPABILITIES.
        #expect("70-fotobox.rules" > "60-persistent-v4l.rules")
    }
}
