import FotoboxTestSupport
import Foundation
import Submission
import OfficeReceiver
import Outbox
import Platform
import Testing

/// The fleet in the real Prometheus from Debian (issue 17): fotoboxd reports its health to a real
/// fotobox-office over mutual TLS; Prometheus scrapes the office (with a monitoring certificate) and the
/// station's loopback `/metrics`, answers `up` and the queue depth through its HTTP API, and when the
/// station stops, the shipped alert rules fire. `promtool` checks the rules, their unit tests and both
/// metrics pages.
@Suite("Fleet health in Prometheus (real prometheus, fotobox-office, fotoboxd)", .serialized,
       .needsOutboxRig, .needsBuilt("fotoboxd"), .needsModels, .needsTools("prometheus", "promtool"))
struct FleetPrometheusTests {
    static let rules = OutboxRig.packageRoot + "/packaging/prometheus/fotobox-rules.yml"

    static func freePort() throws -> UInt16 {
        let listener = try SilentListener()
        return listener.port   // closed when `listener` goes away; the port stays free long enough here
    }

    /// GET with curl, the body as text ("" on failure).
    static func get(_ url: String, _ extra: [String] = []) -> String {
        OutboxRig.run("/usr/bin/curl", ["-s", "--max-time", "5"] + extra + [url]).standardOutput
    }

    /// Runs an instant query against Prometheus and returns the vector's samples as (labels, value).
    static func query(_ prometheus: String, _ expression: String) -> [([String: String], Double)] {
        let text = OutboxRig.run("/usr/bin/curl", ["-s", "--max-time", "5", "-G", "--data-urlencode", "query=\(expression)",
                                                   prometheus + "/api/v1/query"]).standardOutput
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
              let data = object["data"] as? [String: Any], let result = data["result"] as? [[String: Any]] else { return [] }
        return result.compactMap { sample in
            guard let metric = sample["metric"] as? [String: String], let value = sample["value"] as? [Any],
                  let number = (value.last as? String).flatMap(Double.init) else { return nil }
            return (metric, number)
        }
    }

    static func firingAlerts(_ prometheus: String) -> [(name: String, labels: [String: String])] {
        let text = get(prometheus + "/api/v1/alerts")
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
              let data = object["data"] as? [String: Any], let alerts = data["alerts"] as? [[String: Any]] else { return [] }
        return alerts.compactMap { alert in
            guard alert["state"] as? String == "firing", let labels = alert["labels"] as? [String: String] else { return nil }
            return (labels["alertname"] ?? "", labels)
        }
    }

    static func waitUntil(_ what: String, seconds: Double, _ condition: () -> Bool) throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return }
            Thread.sleep(forTimeInterval: 0.5)
        }
        throw RigError("timed out after \(Int(seconds)) s waiting for \(what)")
    }

    @Test func theShippedRulesPassPromtool() throws {
        let check = OutboxRig.run("/usr/bin/env", ["promtool", "check", "rules", Self.rules])
        #expect(check.status == 0, "\(check.standardOutput)\(check.standardError)")
        let unit = OutboxRig.run("/usr/bin/env", ["promtool", "test", "rules", "fotobox-rules.test.yml"],
                                 directory: OutboxRig.packageRoot + "/packaging/prometheus")
        #expect(unit.status == 0, "\(unit.standardOutput)\(unit.standardError)")
    }

    @Test func prometheusScrapesOfficeAndStationAndTheSilentStationAlertFires() throws {
        let directory = OutboxRig.temporaryDirectory()
        defer { try? FileSystem.removeTree(directory) }
        let pki = try TestPKI(directory: directory)
        let office = try OfficeProcess(pki: pki, inbox: directory + "/inbox", logDirectory: directory)
        defer { office.stop() }

        // The station: fotoboxd with a replay camera, the simulated pad, reporting every 2 s.
        let station = try StationFiles(directory: directory, pki: pki, officeURL: office.url)
        try FileSystem.createDirectory(directory + "/frames")
        try FileSystem.writeNewFile(directory + "/frames/frame.jpg", OutboxRig.jpeg(width: 640, height: 480, seed: 5))
        let fotoboxd = try KioskProcess(station: station, directory: directory, frames: directory + "/frames",
                                        extraConfig: "health-interval = 2")
        defer { fotoboxd.stop() }
        let kioskPort = fotoboxd.port

        // Both metrics pages are valid Prometheus text (promtool check metrics).
        let monitoring = ["--cacert", pki.path("office-ca.pem"), "--cert", pki.path("monitoring.pem"), "--key", pki.path("monitoring.key")]
        try Self.waitUntil("the station's first health report at the office", seconds: 30) {
            Self.get(office.url + "/metrics", monitoring).contains("fotobox_fleet_station_queue_depth{station=\"station-1\"} 0")
        }
        for (name, page) in [("office", Self.get(office.url + "/metrics", monitoring)), ("station", Self.get("http://127.0.0.1:\(kioskPort)/metrics"))] {
            let file = directory + "/\(name).prom"
            try FileSystem.writeNewFile(file, Array(page.utf8))
            let checked = OutboxRig.run("/bin/sh", ["-c", "promtool check metrics < \"$1\"", "check", file])
            #expect(checked.status == 0 && !page.isEmpty, "\(name): \(checked.standardOutput)\(checked.standardError)")
        }
        // A station certificate cannot read the metrics.
        let stationCurl = ["--cacert", pki.path("office-ca.pem"), "--cert", pki.path("station.pem"), "--key", pki.path("station.key"),
                           "-o", "/dev/null", "-w", "%{http_code}"]
        #expect(Self.get(office.url + "/metrics", stationCurl) == "403")

        // Prometheus: the shipped rules with their waiting times shortened for the test (the rules' own
        // 5-minute thresholds are checked by `promtool test rules` above): `> 300` → `> 10`, `for: 5m` → `for: 0s`.
        let shortened = String(decoding: try FileSystem.readFile(Self.rules), as: UTF8.self)
            .replacingOccurrences(of: "> 300", with: "> 10").replacingOccurrences(of: "for: 5m", with: "for: 0s")
        try FileSystem.writeNewFile(directory + "/rules.yml", Array(shortened.utf8))
        try FileSystem.writeNewFile(directory + "/prometheus.yml", Array("""
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            rule_files:
              - \(directory)/rules.yml
            scrape_configs:
              - job_name: fotobox-office
                scheme: https
                tls_config:
                  ca_file: \(pki.path("office-ca.pem"))
                  cert_file: \(pki.path("monitoring.pem"))
                  key_file: \(pki.path("monitoring.key"))
                static_configs:
                  - targets: ["127.0.0.1:\(office.port)"]
              - job_name: fotobox-station
                static_configs:
                  - targets: ["127.0.0.1:\(kioskPort)"]

            """.utf8))
        let prometheusPort = try Self.freePort()
        let prometheus = Process()
        prometheus.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        prometheus.arguments = ["prometheus", "--config.file=\(directory)/prometheus.yml", "--storage.tsdb.path=\(directory)/tsdb",
                                "--web.listen-address=127.0.0.1:\(prometheusPort)"]
        prometheus.standardOutput = FileHandle.nullDevice
        prometheus.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try prometheus.run()
        defer { prometheus.terminate(); prometheus.waitUntilExit() }
        let api = "http://127.0.0.1:\(prometheusPort)"

        try Self.waitUntil("both targets up in Prometheus", seconds: 60) {
            Set(Self.query(api, "up == 1").compactMap { $0.0["job"] }) == ["fotobox-office", "fotobox-station"]
        }
        try Self.waitUntil("the station's queue depth in Prometheus", seconds: 30) {
            !Self.query(api, "fotobox_fleet_station_queue_depth{station=\"station-1\"}").isEmpty
                && !Self.query(api, "fotobox_station_queue_depth{station=\"station-1\"}").isEmpty
        }
        #expect(Self.query(api, "fotobox_fleet_station_queue_depth{station=\"station-1\"}").first?.1 == 0)
        #expect(Self.query(api, "fotobox_fleet_station_camera_up{station=\"station-1\"}").first?.1 == 1)
        #expect(Self.firingAlerts(api).filter { $0.name == "FotoboxStationSilent" || $0.name == "FotoboxStationDown" }.isEmpty)

        // The station stops: its scrape fails and its reports stop; both alerts fire.
        fotoboxd.stop()
        try Self.waitUntil("FotoboxStationSilent and FotoboxStationDown firing", seconds: 60) {
            let names = Set(Self.firingAlerts(api).map(\.name))
            return names.contains("FotoboxStationSilent") && names.contains("FotoboxStationDown")
        }
        #expect(Self.firingAlerts(api).first { $0.name == "FotoboxStationSilent" }?.labels["station"] == "station-1")
        #expect(Self.query(api, "up{job=\"fotobox-station\"}").first?.1 == 0)
        #expect(Self.query(api, "up{job=\"fotobox-office\"}").first?.1 == 1)
    }
}
