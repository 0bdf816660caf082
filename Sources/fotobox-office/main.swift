import Submission
import Arguments
import Configuration
import OfficeReceiver
import Platform

// The office receiver: accepts the stations' submissions over mutual TLS and writes one folder per case.
let office = Command(
    "fotobox-office", summary: "receive photo submissions from Fotobox stations over mutual TLS",
    discussion: """
        Serves POST /v1/submissions and GET /v1/submissions/{caseId} (docs/api.md, docs/openapi-office.yaml).
        Every client must present, in the TLS handshake, a certificate issued by the client CA (--client-ca) with
        extended key usage clientAuth and its role in the subject: OU=station (may only submit), OU=clerk (may only
        look up and take over), OU=monitoring (may only read metrics). Server certificates and certificates
        revoked by --crl are refused. Each submission is written to INBOX/<caseId>/<receiptId>/ (photo.jpg,
        signature.jpg, report.json, submission.json) all at once; a second submission for a case is kept beside
        the first.
        Clerks (OU=clerk, in a browser): the desk at /desk/ when --import-dir is given: search by case number or
        the confirmation code on the citizen's receipt, photo, signature, checks, liveness score; "Übernehmen"
        writes IMPORT/<caseId>/ and deletes the office's copies, "Ablehnen" needs a reason; both in the audit log.
        Stations also report their health every minute (POST /v1/fleet/health): technicians see the fleet at
        /fleet/ and Prometheus scrapes /metrics (OU=monitoring); docs/office.md.
        Case folders older than --retention-days are purged at start and hourly. Stops on SIGTERM or SIGINT.
        """,
    examples: ["fotobox-office --listen 0.0.0.0:8443 --inbox /srv/fotobox/inbox --tls-cert office.pem --tls-key office.key --client-ca stations-ca.pem"],
    options: [
        .value("listen", "HOST:PORT", help: "address to serve HTTPS on (port 0: any free port, printed at start)", required: true),
        .value("inbox", "DIR", help: "where case folders are written", required: true),
        .value("tls-cert", "FILE", help: "the office's certificate (PEM, chain allowed)", required: true),
        .value("tls-key", "FILE", help: "the office's private key (PEM)", required: true),
        .value("client-ca", "FILE", help: "the CA that issues the client certificates: stations, clerks, monitoring (PEM)", required: true),
        .value("crl", "FILE", help: "revoked client certificates (CRL, PEM or DER, signed by the client CA); re-read when it changes"),
        .value("max-connections", "N", help: "connections open at once (default 256)"),
        .value("max-connections-per-address", "N", help: "connections open at once from one client address (default 64: stations behind one NAT share an address)"),
        .value("handshake-timeout", "SECONDS", help: "time from connect to the end of the first request's headers, TLS handshake included (default 10)"),
        .value("import-dir", "DIR", help: "the registry software's import folder: the clerk's desk writes each taken-over case to DIR/<caseId>/ (enables the desk)"),
        .value("desk-dir", "DIR", help: "the desk page's files (index.html, desk.css, desk.js; default /usr/share/fotobox/desk, else ui/desk)"),
        .value("audit-log", "FILE", help: "append-only JSON-lines audit log of take-overs, rejections and deletions (default INBOX/.audit.jsonl)"),
        .value("retention-days", "N", help: "delete submissions nobody took over after N days, audited (default 14)"),
        .value("case-id-pattern", "REGEX", help: "accept only case IDs matching REGEX (default: any 1-64 letters, digits, '-', '_')"),
    ],
    action: { arguments, _ in
        let listenText = arguments.value("listen")!
        // HostPort refuses port 0, which the office accepts (the kernel picks a free port).
        let listen = listenText.hasSuffix(":0") ? HostPort(String(listenText.dropLast()) + "1").map { ($0.host, UInt16(0)) }
            : HostPort(listenText).map { ($0.host, $0.port) }
        guard let listen else { throw UsageError("--listen needs HOST:PORT, not '\(listenText)'", commandPath: arguments.commandPath) }
        let retention = try arguments.integer("retention-days", in: 1...3650) ?? 14
        func read(_ option: String) throws -> [UInt8] {
            let path = arguments.value(option)!
            do { return try FileSystem.readFile(path, limit: 1 << 20) } catch {
                throw CommandRunner.Failure(.usage, "--\(option) \(path): \(error)")
            }
        }
        let settings = OfficeServerSettings(host: listen.0, port: listen.1, certificatePEM: try read("tls-cert"), keyPEM: try read("tls-key"),
                                            clientCAPEM: try read("client-ca"), crlPath: arguments.value("crl"),
                                            maximumConnections: try arguments.integer("max-connections", in: 4...10_000) ?? 256,
                                            maximumConnectionsPerAddress: try arguments.integer("max-connections-per-address", in: 1...1_000) ?? 64,
                                            handshakeDeadline: .seconds(try arguments.integer("handshake-timeout", in: 1...300) ?? 10))
        let policy: CaseIDPolicy
        do { policy = try arguments.value("case-id-pattern").map { try CaseIDPolicy(pattern: $0) } ?? .anySafe } catch {
            throw CommandRunner.Failure(.usage, "\(error)")
        }
        do {
            let deskDirectory = arguments.value("desk-dir")
                ?? ["/usr/share/fotobox/desk", "ui/desk"].first { FileSystem.exists($0 + "/index.html") }
            let desk = OfficeDeskSettings(importDirectory: arguments.value("import-dir"), auditLogPath: arguments.value("audit-log"),
                                          assetDirectory: arguments.value("import-dir") == nil ? nil : deskDirectory)
            try OfficeService.run(settings: settings, inboxPath: arguments.value("inbox")!, retentionDays: retention, policy: policy, desk: desk)
        } catch {
            throw CommandRunner.Failure(.failure, "\(error)")
        }
        return .success
    })

CommandRunner.main(root: office)
