import VisitCore
import Arguments
import Configuration
import KernelDispatch
import Kiosk
import Platform

// The station service: one process owning camera, pad, pipeline, the citizen's visit and the outbox.
let fotoboxd = Command(
    "fotoboxd", summary: "the Fotobox photo station service (visit, kiosk server, outbox)",
    discussion: "Runs until SIGTERM or SIGINT. Under systemd (Type=notify) it reports READY=1, STATUS= and, while the camera delivers frames, WATCHDOG=1.",
    examples: ["fotoboxd --config /etc/fotobox/fotobox.conf", "fotoboxd --config demo.conf --check"],
    options: [
        .value("config", "FILE", help: "the station's config file (default \(StationConfig.defaultPath))"),
        .flag("check", help: "validate the config and exit"),
    ],
    action: { arguments, output in
        let path = arguments.value("config") ?? StationConfig.defaultPath
        // The one loader (as `fotoboxctl config check`): a missing, too large or non-regular file is one issue naming it.
        let config: StationConfig
        do { config = try StationConfig.load(path: path) }
        catch { throw CommandRunner.Failure(.usage, "the config has errors:\n\(error)") }
        if arguments.flag("check") {
            output.print("\(path): ok")
            return .success
        }
        // A forced kernel path this processor cannot run would die with SIGILL at the first photo.
        if case .failure(let error) = KernelDispatch.selection {
            throw CommandRunner.Failure(.usage, "cannot start: \(error)")
        }
        Station.blockTerminationSignals()
        let stateDirectory = ProcessEnvironment.value("STATE_DIRECTORY")
        let journal = Journal.standard(identifier: "fotoboxd", caseKey: Journal.caseKey(at: stateDirectory.map { $0 + "/log-hash.key" }))
        journal.log(.notice, "kernels: \(KernelDispatch.summary)", [("event", "kernels")])
        let station: Station
        do { station = try Station(config: config, journal: journal) }
        catch { throw CommandRunner.Failure(.deviceUnavailable, "\(error)") }
        _ = station.run(notifier: .fromEnvironment())
        return .success
    })

CommandRunner.main(root: fotoboxd)
