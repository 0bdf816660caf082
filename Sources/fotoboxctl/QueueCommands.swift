import Submission
import Arguments
import Configuration
import Foundation
import Imaging
import Outbox
import Platform

// `fotoboxctl queue …`: the station's outbox for technicians: enqueue from files, inspect, retry, purge,
// and deliver in the foreground.

private let jsonOption = OptionSpec.flag("json", help: "machine-readable output")

private func openOutbox(_ config: StationConfig) throws -> Outbox {
    do { return try Outbox(config: config) } catch { throw CommandRunner.Failure(.failure, "\(error)") }
}

private func outboxCall<T>(_ body: () throws(OutboxError) -> T) throws -> T {
    do { return try body() } catch { throw CommandRunner.Failure(.failure, "\(error)") }
}

private func itemID(_ arguments: ParsedArguments) throws -> Int64? {
    guard let text = arguments.positional("ID") else { return nil }
    guard let id = Int64(text), id > 0 else { throw UsageError("ID must be an item number from 'queue list', not '\(text)'", commandPath: arguments.commandPath) }
    return id
}

private let addCommand = Command(
    "add", summary: "enqueue a submission from files (validates format and sizes, not the face)",
    discussion: "The photo must be a \(CaptureProfile.allCases.map { "\($0.photoSize) (\($0.rawValue))" }.joined(separator: " or ")) JPEG, "
        + "the signature \(SignatureDocument.signatureSizes.map(\.description).joined(separator: " or ")).",
    examples: ["fotoboxctl queue add --config /etc/fotobox/fotobox.conf --case-id ABCD-1234 --photo photo.jpg --signature signature.jpg"],
    options: [
        configOption,
        .value("case-id", "ID", help: "the citizen's case ID (checked against [visit] case-id-pattern)", required: true),
        .value("photo", "FILE", help: "the processed photo (JPEG)", required: true),
        .value("signature", "FILE", help: "the signature (JPEG)", required: true),
        .value("report", "FILE", help: "the compliance report (JSON); default: an empty report marked as not analysed"),
        .value("camera", "NAME", help: "camera named in the metadata (default: file)"),
        jsonOption,
    ],
    action: { arguments, output in
        let config = try loadConfig(arguments)
        func read(_ option: String, limit: Int) throws -> [UInt8] {
            let path = arguments.value(option)!
            do { return try FileSystem.readFile(path, limit: limit) } catch { throw CommandRunner.Failure(.failure, "--\(option) \(path): \(error)") }
        }
        let report = arguments.value("report") != nil
            ? try read("report", limit: SubmissionRules.reportByteLimit)
            : Array(#"{"checks":[],"compliant":null,"source":"fotoboxctl queue add (not analysed)"}"#.utf8)
        let now = Date()
        let submission = Submission(
            caseID: arguments.value("case-id")!, photo: try read("photo", limit: SubmissionRules.photoByteLimit),
            signature: try read("signature", limit: SubmissionRules.signatureByteLimit), report: report,
            metadata: CaptureMetadata(stationID: config.stationID, capturedAt: CaptureMetadata.timestamp(now),
                                      queuedAt: CaptureMetadata.timestamp(now), camera: arguments.value("camera") ?? "file",
                                      profile: config.profile))
        let outbox = try openOutbox(config)
        let item = try outboxCall { () throws(OutboxError) in try outbox.enqueue(submission, now: now) }
        if arguments.flag("json") { output.print(try jsonText(OutboxItemReport(item))) } else { output.print("queued as item \(item.id) (\(item.payloadBytes) bytes, encrypted)") }
        return .success
    })

private let listCommand = Command(
    "list", summary: "list the outbox's items and the retention alert",
    examples: ["fotoboxctl queue list", "fotoboxctl queue list --json"],
    options: [configOption, jsonOption],
    action: { arguments, output in
        let outbox = try openOutbox(try loadConfig(arguments))
        let items = try outboxCall { () throws(OutboxError) in try outbox.items() }
        let status = try outboxCall { () throws(OutboxError) in try outbox.status() }
        if arguments.flag("json") {
            struct ListView: Encodable { let summary: String; let overdue: Int; let items: [OutboxItemReport] }
            output.print(try jsonText(ListView(summary: status.summary, overdue: status.overdue, items: items.map(OutboxItemReport.init))))
        } else {
            output.print(status.summary)
            if !items.isEmpty { output.print(lines: OutboxItem.tableLines(items)) }
        }
        return status.overdue > 0 ? .failure : .success
    })

private let showCommand = Command(
    "show", summary: "show one item",
    discussion: "Shows the confirmation code from the citizen's receipt while the item waits (read from its sealed payload), so a citizen's receipt can be matched to a queued item; it is erased with the payload after delivery.",
    examples: ["fotoboxctl queue show 12"],
    options: [configOption, jsonOption],
    positionals: [PositionalSpec("ID", help: "the item number from 'queue list'")],
    action: { arguments, output in
        let outbox = try openOutbox(try loadConfig(arguments))
        let id = try itemID(arguments)!
        let item = try outboxCall { () throws(OutboxError) in try outbox.item(id: id) }
        let code = try outboxCall { () throws(OutboxError) in try outbox.confirmationCode(id: id) }
        var view = OutboxItemReport(item)
        view.confirmationCode = code?.text
        if arguments.flag("json") { output.print(try jsonText(view)) } else { output.print(lines: view.detailLines) }
        return .success
    })

private let retryCommand = Command(
    "retry", summary: "make pending items due now (all, or one by ID)",
    examples: ["fotoboxctl queue retry", "fotoboxctl queue retry 12"],
    options: [configOption, jsonOption],
    positionals: [PositionalSpec("ID", help: "only this item", optional: true)],
    action: { arguments, output in
        let outbox = try openOutbox(try loadConfig(arguments))
        let id = try itemID(arguments)
        let count = try outboxCall { () throws(OutboxError) in try outbox.retry(id: id) }
        if arguments.flag("json") {
            output.print(try jsonText(["due": count]))
        } else {
            output.print("\(count) item(s) due now; the service delivers them at its next round (or run 'fotoboxctl queue deliver')")
        }
        return .success
    })

private let purgeCommand = Command(
    "purge", summary: "delete items older than a number of days, delivered or not",
    discussion: "Without --yes nothing is deleted: the items that would go are listed. Undelivered items are lost for good.",
    examples: ["fotoboxctl queue purge --older-than 30", "fotoboxctl queue purge --older-than 30 --yes"],
    options: [configOption, .value("older-than", "DAYS", help: "age in days (default: the retention period)"),
              .flag("yes", help: "really delete"), jsonOption],
    action: { arguments, output in
        let config = try loadConfig(arguments)
        let days = try arguments.integer("older-than", in: 0...36_500) ?? config.retentionDays
        let outbox = try openOutbox(config)
        let cutoff = Date().addingTimeInterval(-Double(days) * 86_400)
        let candidates = try outboxCall { () throws(OutboxError) in try outbox.purgeCandidates(createdBefore: cutoff) }
        let undelivered = candidates.filter { $0.state == .pending || $0.state == .sending }.count
        guard arguments.flag("yes") else {
            if arguments.flag("json") {
                output.print(try jsonText(OutboxPurgeReport(deleted: 0, olderThanDays: days, undelivered: undelivered,
                                                      wouldDelete: candidates.map(OutboxItemReport.init))))
                return candidates.isEmpty ? .success : .failure
            }
            output.print("\(candidates.count) item(s) older than \(days) days would be deleted, \(undelivered) of them never delivered:")
            if !candidates.isEmpty { output.print(lines: OutboxItem.tableLines(candidates)) }
            output.print("Nothing was deleted. Run again with --yes to delete them.")
            return candidates.isEmpty ? .success : .failure
        }
        let count = try outboxCall { () throws(OutboxError) in try outbox.purge(createdBefore: cutoff) }
        if arguments.flag("json") {
            output.print(try jsonText(OutboxPurgeReport(deleted: count, olderThanDays: days, undelivered: undelivered, wouldDelete: [])))
        } else {
            output.print("deleted \(count) item(s) older than \(days) days (\(undelivered) never delivered)")
        }
        return .success
    })

private let deliverCommand = Command(
    "deliver", summary: "deliver the outbox now, in the foreground, until it is empty",
    discussion: "Uses the [backend] settings. Waits out the retry backoff between attempts; --once makes one round and stops. Exit 0 when nothing is left to deliver.",
    examples: ["fotoboxctl queue deliver --config /etc/fotobox/fotobox.conf", "fotoboxctl queue deliver --once"],
    options: [configOption, .flag("once", help: "one round: try each due item once, then stop"), jsonOption],
    action: { arguments, output in
        let config = try loadConfig(arguments)
        let outbox = try openOutbox(config)
        let deliverer: OutboxDeliverer
        do {
            deliverer = try OutboxDeliverer(outbox: outbox, settings: UploaderSettings(config: config),
                                            log: { line in StandardStreams.writeError(line + "\n") })
        } catch { throw CommandRunner.Failure(.usage, "\(error)") }
        let initial = try outboxCall { () throws(OutboxError) in try outbox.status() }
        var progress = ProgressLine(total: initial.pending + initial.sending, enabled: output.isTerminal)
        let report = try outboxCall { () throws(OutboxError) in
            try deliverer.deliverUntilEmpty(once: arguments.flag("once")) { count in
                for _ in 0..<count { progress.advance() }
            }
        }
        progress.finish()
        output.print(arguments.flag("json") ? try jsonText(report) : report.summary)
        return report.left == 0 ? .success : .failure
    })

let queueCommand = Command(
    "queue", summary: "the outbox: enqueue, list, show, retry, purge, deliver",
    subcommands: [addCommand, listCommand, showCommand, retryCommand, purgeCommand, deliverCommand])
