import Arguments
import Configuration
import Selftest

// `fotoboxctl selftest`: every part of the station checked once, each within its own time limit (the
// checks are the Selftest module's).

let selftestCommand = Command(
    "selftest", summary: "check every component: camera, pad, face models, outbox, office TLS, disk, clock",
    discussion: """
        Runs the checks side by side, each with a time limit (a hanging device is reported, never waited for):
          camera       streams \(Selftest.cameraFrames) preview frames from [camera] device (a camera held by fotoboxd is reported, not taken)
          pad          opens [pad] device and reads its capability report
          face-models  loads the models and runs the face chain on a generated picture without a face
                       (no face may be found) and, with a replay camera, on its first portrait (exactly one face)
          outbox       SQLite PRAGMA integrity_check of the outbox database, and its queue
          office       TLS handshake with [backend] url using the CA, client certificate and key (and pin);
                       days until the office's, the client's and the CA's certificates expire
          disk         free space under [outbox] path (fails under \(Selftest.minimumFreeMegabytes) MB)
          clock        the kernel's NTP state (adjtimex): synchronised or not
        Exit 0 when all pass, 1 when one fails, 2 when the config is broken.
        """,
    examples: ["fotoboxctl selftest", "fotoboxctl selftest --config /etc/fotobox/fotobox.conf --json",
               "fotoboxctl selftest --skip camera --skip pad"],
    options: [configOption,
              .value("skip", "CHECK", help: "leave a check out (repeatable)", choices: SelftestComponent.allCases.map(\.rawValue), repeatable: true),
              .flag("json", help: "print {\"components\": [{\"name\", \"ok\", \"detail\"}]}")],
    action: { arguments, output in
        let path = arguments.value("config") ?? StationConfig.defaultPath
        let config: StationConfig
        do { config = try StationConfig.load(path: path) } catch {
            throw CommandRunner.Failure(.usage, "the config has errors:\n\(error)")
        }
        let skipped = Set(arguments.allValues("skip"))
        let results = Selftest.run(SelftestComponent.allCases.filter { !skipped.contains($0.rawValue) }, config: config)
        if arguments.flag("json") {
            struct Report: Encodable { let components: [SelftestResult] }
            output.print(try jsonText(Report(components: results)))
        } else {
            output.print(lines: results.tableLines(colour: output.useColour))
        }
        return results.allSatisfy(\.ok) ? .success : .failure
    })
