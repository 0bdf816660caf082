import Capture
import Configuration
import Arguments
import Devices
import Platform

/// `fotoboxctl pad`: the Wacom STU signature pad.
let padCommand = Command(
    "pad", summary: "the signature pad: list connected pads, capture a signature",
    subcommands: [padListCommand, padCaptureCommand])

let padListCommand = Command(
    "list", summary: "list the Wacom STU signature pads on the USB bus",
    discussion: "Exit status 3 when no pad is connected. Pads are listed without opening them.",
    examples: ["fotoboxctl pad list", "fotoboxctl pad list --json"],
    options: [.flag("json", help: "print a JSON array")],
    action: { arguments, output in
        let pads: [USBDeviceInfo]
        do {
            pads = try USBContext().devices(vendorID: WacomModel.vendorID).filter(WacomModel.isSignaturePad)
        } catch {
            throw CommandRunner.Failure(.deviceUnavailable, "cannot list USB devices: \(error)")
        }
        if arguments.flag("json") {
            output.print(try jsonText(pads.map(SignaturePadReport.init)))
        } else {
            for pad in pads { output.print("\(pad.usbfsPath)  \(WacomModel.forProduct(pad.productID)?.name ?? "?")  \(pad)") }
        }
        if pads.isEmpty {
            output.printError("no Wacom STU signature pad (USB 056a:00a1…00a9) is connected")
            return .deviceUnavailable
        }
        return .success
    })

let padCaptureCommand = Command(
    "capture", summary: "show the prompt on the pad, capture a signature until OK, write the document's signature JPEG",
    discussion: "Signs on the first STU pad on the bus, on --device, or on the simulated pad (--simulate), which replays "
        + "a recorded signature and presses OK. The image is cropped to the ink and fitted into the document's size "
        + "(\(SignatureDocument.allCases.map { "\($0.rawValue) \($0.imageSize)" }.joined(separator: ", "))). "
        + "Exit status 3 when no pad is there or it is unplugged.",
    examples: ["fotoboxctl pad capture --simulate --out sig.jpg",
               "fotoboxctl pad capture --document passport --out sig.jpg --iso sig.bin"],
    options: [
        .flag("simulate", help: "use the simulated pad (a recorded signature)"),
        .value("device", "PATH", help: "the pad's usbfs node, such as /dev/bus/usb/001/004 (default: the first pad)"),
        .value("document", "KIND", help: "the document the signature is for", choices: SignatureDocument.allCases.map(\.rawValue)),
        .value("out", "FILE", help: "where to write the signature JPEG", required: true),
        .value("iso", "FILE", help: "also write the pen samples as ISO/IEC 19794-7 time series"),
        .value("timeout", "SECONDS", help: "give up when OK is not pressed within this time (default 120)"),
        .value("wait", "SECONDS", help: "wait this long for a pad to be plugged in (USB hotplug) before giving up"),
        .flag("json", help: "print what was written as JSON"),
    ],
    action: { arguments, output in
        let document = try parsedOption(arguments, "document", SignatureDocument.init(parsing:)) ?? .idCard
        let timeout = try arguments.integer("timeout", in: 1...3600) ?? 120
        let source = arguments.flag("simulate") ? .simulated : try parsedOption(arguments, "device", PadSource.init(parsing:)) ?? .auto
        let wait = try arguments.integer("wait", in: 1...3600)
        let signature: Signature
        var padLines: [String] = []
        do throws(PadError) {
            if let wait, source == .auto {
                let context: USBContext
                do throws(USBError) { context = try USBContext() } catch { throw PadError.usb(error) }
                switch try SignaturePads.waitForPad(context: context, timeoutMilliseconds: wait * 1000) {
                case .hotplug(let info): padLines.append("pad arrived: \(info) (hotplug event)")
                case .rescan(let info): padLines.append("pad arrived: \(info) (found by rescanning the bus)")
                }
            }
            let pad = try SignaturePads.open(source: source, context: try USBContext())
            defer { pad.close() }
            signature = try pad.capture(timeoutMilliseconds: timeout * 1000)
            padLines.append("\(pad.name): \(signature)")
            if let wacom = pad as? WacomPad {
                if wacom.usedFallbackCapability { padLines.append("the pad refused its capability report; used the model table") }
                if wacom.droppedReports.total > 0 || wacom.droppedReports.missingBySequence > 0 {
                    padLines.append("input reports \(wacom.droppedReports)")
                }
            }
        } catch {
            switch error {
            case .noPad, .unplugged, .usb: throw CommandRunner.Failure(.deviceUnavailable, error.description)
            default: throw CommandRunner.Failure(.failure, error.description)
            }
        }
        let jpeg: [UInt8]
        do throws(SignatureImageError) {
            jpeg = try SignatureRenderer().jpeg(signature, for: document)
        } catch {
            throw CommandRunner.Failure(.failure, error.description)
        }
        // Biometric data: readable by its owner only.
        try writeFile(jpeg, to: arguments.value("out")!)
        var isoBytes: Int? = nil
        if let isoPath = arguments.value("iso") {
            let record = SignatureTimeSeries.record(signature)
            try writeFile(record, to: isoPath)
            isoBytes = record.count
        }
        let report = SignatureCaptureReport(output: arguments.value("out")!, document: document, bytes: jpeg.count,
                                            iso: arguments.value("iso"), isoBytes: isoBytes, notes: padLines)
        if arguments.flag("json") { output.print(try jsonText(report)) } else { output.print(lines: report.summaryLines) }
        return .success
    })
