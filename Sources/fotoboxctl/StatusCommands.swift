import Platform
import Arguments
import Configuration
import Foundation
import Outbox

// `fotoboxctl status`: the running service's state, asked through the kiosk's loopback API
// (`GET /api/v1/status`, the kiosk's `StationStatus`: the visit's step, the frame counter, and the same
// health report the office gets). Two readings `--sample` seconds apart give the frame rate.

let statusCommand = Command(
    "status", summary: "the running service: visit step, camera and frame rate, queue depth, last error",
    discussion: """
        Asks fotoboxd on its loopback API ([kiosk] listen in the config, or --url) for GET /api/v1/status. The frame \
        rate is measured over --sample seconds from the service's frame counter. Exit 3 when the service does not \
        answer, 1 when the station is out of order.
        """,
    examples: ["fotoboxctl status", "fotoboxctl status --json", "fotoboxctl status --url http://127.0.0.1:8080"],
    options: [configOption,
              .value("url", "URL", help: "the kiosk's base URL (default: http:// and [kiosk] listen)"),
              .value("sample", "SECONDS", help: "how long to count frames for the frame rate (default 1; 0: no rate)"),
              .flag("json", help: "print one JSON object")],
    action: { arguments, output in
        let sample = try arguments.integer("sample", in: 0...60) ?? 1
        let configPath = arguments.value("config") ?? StationConfig.defaultPath
        // The config is optional here (the defaults name the usual address), unless it was asked for.
        var config: StationConfig?
        do { config = try StationConfig.load(path: configPath) } catch {
            if arguments.value("config") != nil { throw CommandRunner.Failure(.usage, "the config has errors:\n\(error)") }
        }
        let base = try baseURL(arguments.value("url"), config: config ?? StationConfig(), path: arguments.commandPath)
        let status: ServiceStatus
        do throws(ServiceStatus.ReadError) { status = try ServiceStatus.fetch(base: base, sampleSeconds: sample) } catch {
            if case .noAnswer = error { throw CommandRunner.Failure(.deviceUnavailable, error.description) }
            if case .notLoopback = error { throw CommandRunner.Failure(.usage, error.description) }
            throw CommandRunner.Failure(.failure, error.description)
        }
        if arguments.flag("json") {
            output.print(try jsonText(status))
        } else {
            output.print(lines: status.summaryLines)
        }
        // Out of order (the welcome screen says so to citizens): a monitoring script must see it too.
        if !status.station.faults.isEmpty {
            throw CommandRunner.Failure(.failure, "out of order: \(status.station.faults.map(\.label).joined(separator: ", ")) not working")
        }
        return .success
    })

private func baseURL(_ given: String?, config: StationConfig, path: [String]) throws -> String {
    if let given {
        guard given.hasPrefix("http://") else {
            throw UsageError("--url needs http://HOST:PORT on this machine (loopback), not '\(given)'", commandPath: path)
        }
        return given.hasSuffix("/") ? String(given.dropLast()) : given
    }
    return config.kioskListen.localHTTPURL
}
