import Platform
#if canImport(Glibc)
import Glibc
#endif

extension StationConfig {
    /// Reads and validates the config file at `path` (the shared loader of `fotoboxd --config` and
    /// `fotoboxctl --config`). A file that cannot be read — missing, too large, or not a regular file (a FIFO
    /// is refused without waiting for a writer) — is one issue naming the file.
    public static func load(path: String) throws(ConfigError) -> StationConfig {
        let bytes: [UInt8]
        do { bytes = try FileSystem.readFile(path, limit: 1 << 20) } catch {
            let reason = switch error.errno {
            case EFBIG: "larger than 1 MiB: not a config file"
            case EINVAL: "not a regular file (a FIFO, socket or device)"
            default: "cannot read: \(error.reason)"
            }
            throw ConfigError([ConfigIssue(path: path, line: 0, message: reason)])
        }
        return try parse(String(decoding: bytes, as: UTF8.self), path: path)
    }
}

extension StationConfig {
    /// The settings that name a file or directory which does not exist here, each with its line: warnings of
    /// `fotoboxctl config check` (they may exist only under systemd, as credentials, or on the station).
    /// Relative paths are relative to fotoboxd's working directory; checked from here and beside the config.
    public static func missingFiles(path: String) -> [ConfigIssue] {
        guard let bytes = try? FileSystem.readFile(path, limit: 1 << 20),
              let file = try? ConfigFile.parse(String(decoding: bytes, as: UTF8.self), path: path) else { return [] }
        let named: Set<String> = ["backend.ca", "backend.client-cert", "backend.client-key", "outbox.key-file", "models.directory",
                                  "camera.device", "kiosk.static-directory"]
        let base = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        return file.entries.compactMap { entry in
            let key = "\(entry.section).\(entry.key)"
            guard named.contains(key) else { return nil }
            let target = key == "camera.device" ? ((try? CameraSource(parsing: entry.value))?.path ?? entry.value) : entry.value
            if FileSystem.exists(target) || (!target.hasPrefix("/") && FileSystem.exists(base + "/" + target)) { return nil }
            return ConfigIssue(path: path, line: entry.line, message: "\(key): \(target) does not exist here")
        }
    }
}
