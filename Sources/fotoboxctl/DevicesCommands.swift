import Arguments
import Devices
import Foundation
import Platform

// `fotoboxctl devices`: the cameras and signature pads this machine sees and who holds them open.
// Listing uses the camera and pad engineers' discovery (CameraDiscovery, USBContext); nothing is opened for
// streaming or claimed, so running it beside the service disturbs nothing.

let devicesCommand = Command(
    "devices", summary: "cameras and signature pads with their state (free, or held by the service)",
    discussion: """
        Lists the video capture nodes (driver, card, formats) and the Wacom STU pads on the USB bus, and for each \
        the processes that hold its device node open (read from /proc/*/fd; other users' processes, such as \
        fotoboxd under systemd, are visible only to root). The udev names /dev/fotobox/camera and \
        /dev/fotobox/sigpad are shown beside the node they point to. Exit 3 when no camera or no pad is found.
        """,
    examples: ["fotoboxctl devices", "sudo fotoboxctl devices --json"],
    options: [.flag("json", help: "print one JSON object: cameras, pads, errors")],
    action: { arguments, output in
        let report = DeviceReport.gather()
        if arguments.flag("json") {
            output.print(ctlJSON(report))
        } else {
            report.printTable(to: &output)
        }
        if report.cameras.isEmpty || report.pads.isEmpty {
            let missing = [report.cameras.isEmpty ? "no video capture device" : nil,
                           report.pads.isEmpty ? "no Wacom STU signature pad (USB 056a:00a1…00a9)" : nil].compactMap { $0 }
            output.printError("fotoboxctl: \(missing.joined(separator: " and ")) found")
            return .deviceUnavailable
        }
        return .success
    })

/// What `devices` found: one entry per device, and the errors met on the way.
struct DeviceReport: Encodable {
    struct Holder: Encodable, Equatable {
        let pid: Int
        let command: String
    }

    struct CameraEntry: Encodable {
        let path: String
        let alias: String?
        let driver: String
        let card: String
        let bus: String
        let formats: [String]
        let state: String
        let holders: [Holder]
    }

    struct PadEntry: Encodable {
        let path: String
        let alias: String?
        let model: String
        let usb: String
        let port: String
        let state: String
        let holders: [Holder]
    }

    var cameras: [CameraEntry] = []
    var pads: [PadEntry] = []
    var errors: [String] = []
    /// false when some processes' open files could not be read (not root): a holder may be missing.
    var holdersComplete = true

    static func gather() -> DeviceReport {
        var report = DeviceReport()
        let scan = OpenDeviceScan()
        report.holdersComplete = scan.complete
        let cameraAlias = aliasTarget("/dev/fotobox/camera")
        let padAlias = aliasTarget("/dev/fotobox/sigpad")
        let found = CameraDiscovery.cameras()
        for camera in found.cameras {
            let holders = scan.holders(of: camera.path)
            let formats = camera.formats.map { format in
                let largest = format.sizes.map(\.size).max { $0.width * $0.height < $1.width * $1.height }
                return "\(format.format)" + (largest.map { " up to \($0)" } ?? "")
            }
            report.cameras.append(CameraEntry(
                path: camera.path, alias: cameraAlias == camera.path ? "/dev/fotobox/camera" : nil,
                driver: camera.capabilities.driver, card: camera.capabilities.card, bus: camera.capabilities.busInfo,
                formats: formats, state: state(holders), holders: holders))
        }
        report.errors += found.errors.map(\.description)
        do {
            let pads = try USBContext().devices(vendorID: WacomModel.vendorID).filter(WacomModel.isSignaturePad)
            for pad in pads {
                let path = usbfsPath(bus: pad.bus, address: pad.address)
                let holders = scan.holders(of: path)
                report.pads.append(PadEntry(
                    path: path, alias: padAlias == path ? "/dev/fotobox/sigpad" : nil,
                    model: WacomModel.forProduct(pad.productID)?.name ?? "unknown STU",
                    usb: String(format: "%04x:%04x", pad.vendorID, pad.productID),
                    port: pad.portPath.map(String.init).joined(separator: "."), state: state(holders), holders: holders))
            }
        } catch {
            report.errors.append("cannot list USB devices: \(error)")
        }
        return report
    }

    private static func state(_ holders: [Holder]) -> String {
        guard !holders.isEmpty else { return "free" }
        return "in use by " + holders.map { "\($0.command) (pid \($0.pid))" }.joined(separator: ", ")
    }

    func printTable(to output: inout CommandOutput) {
        var rows = [["KIND", "DEVICE", "WHAT", "STATE"]]
        for camera in cameras {
            rows.append(["camera", camera.path + (camera.alias.map { " (\($0))" } ?? ""),
                         "\(camera.card) [\(camera.driver)] \(camera.formats.joined(separator: ", "))", camera.state])
        }
        for pad in pads {
            rows.append(["pad", pad.path + (pad.alias.map { " (\($0))" } ?? ""), "\(pad.model) \(pad.usb) port \(pad.port)", pad.state])
        }
        if rows.count > 1 { alignedTable(rows).forEach { output.print($0) } }
        for error in errors { output.printError("fotoboxctl: \(error)") }
        if !holdersComplete && rows.count > 1 {
            output.print("(not root: processes of other users, such as the service, are not seen)")
        }
    }
}

/// `/dev/bus/usb/001/004`.
func usbfsPath(bus: UInt8, address: UInt8) -> String {
    String(format: "/dev/bus/usb/%03d/%03d", Int(bus), Int(address))
}

/// Where a udev symlink points, resolved; nil when it does not exist.
private func aliasTarget(_ path: String) -> String? {
    guard let resolved = realpath(path, nil) else { return nil }
    defer { free(resolved) }
    return String(cString: resolved)
}

/// Rows printed with each column padded to its widest cell (the last column is not padded).
func alignedTable(_ rows: [[String]]) -> [String] {
    let columns = rows.map(\.count).max() ?? 0
    let widths = (0..<columns).map { column in rows.map { column < $0.count ? $0[column].count : 0 }.max() ?? 0 }
    return rows.map { row in
        row.enumerated().map { column, cell in
            column == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[column] - cell.count)
        }.joined(separator: "  ")
    }
}

/// The character devices each process holds open, read once from /proc/*/fd (by device number, so a
/// symlinked name such as /dev/fotobox/camera matches its node).
struct OpenDeviceScan {
    private var openDevices: [(device: UInt64, holder: DeviceReport.Holder)] = []
    /// false when a process's fd directory could not be read (another user's, without root).
    private(set) var complete = true

    init(procDirectory: String = "/proc") {
        let pids = ((try? FileSystem.listDirectory(procDirectory)) ?? []).compactMap(Int.init)
        for pid in pids {
            let fdDirectory = "\(procDirectory)/\(pid)/fd"
            guard let fds = try? FileSystem.listDirectory(fdDirectory) else {
                if FileSystem.exists("\(procDirectory)/\(pid)") { complete = false }
                continue
            }
            var command: String?
            for fd in fds {
                guard let device = characterDevice("\(fdDirectory)/\(fd)") else { continue }
                if command == nil {
                    let bytes = (try? FileSystem.readFile("\(procDirectory)/\(pid)/comm", limit: 64)) ?? []
                    command = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                }
                let holder = DeviceReport.Holder(pid: pid, command: command ?? "?")
                if !openDevices.contains(where: { $0.device == device && $0.holder == holder }) {
                    openDevices.append((device, holder))
                }
            }
        }
    }

    /// The processes holding `path` open (never this process).
    func holders(of path: String) -> [DeviceReport.Holder] {
        guard let device = characterDevice(path) else { return [] }
        let own = Int(getpid())
        return openDevices.filter { $0.device == device && $0.holder.pid != own }.map(\.holder)
    }

    /// The device number of the character device `path` leads to, following links (the /proc fd links, the
    /// udev names): FileSystem.status is lstat and would see the link itself.
    private func characterDevice(_ path: String) -> UInt64? {
        var info = stat()
        guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFCHR else { return nil }
        return UInt64(info.st_rdev)
    }
}
