import Arguments
import Devices
import Platform

// `fotoboxctl devices`: the cameras and signature pads this machine sees and who holds them open
// (Devices' `DeviceInventory`; nothing is opened for streaming or claimed).

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
        let inventory = DeviceInventory.gather()
        if arguments.flag("json") {
            output.print(try jsonText(inventory))
        } else {
            let rows = inventory.tableRows
            if rows.count > 1 { output.print(lines: TextTable.aligned(rows)) }
            for error in inventory.errors { output.printError("fotoboxctl: \(error)") }
            if !inventory.holdersComplete && rows.count > 1 {
                output.print("(not root: processes of other users, such as the service, are not seen)")
            }
        }
        if inventory.cameras.isEmpty || inventory.pads.isEmpty {
            let missing = [inventory.cameras.isEmpty ? "no video capture device" : nil,
                           inventory.pads.isEmpty ? "no Wacom STU signature pad (USB 056a:00a1…00a9)" : nil].compactMap { $0 }
            output.printError("fotoboxctl: \(missing.joined(separator: " and ")) found")
            return .deviceUnavailable
        }
        return .success
    })
