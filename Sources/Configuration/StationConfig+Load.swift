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
            default: "cannot read: \(String(cString: strerror(error.errno)))"
            }
            throw ConfigError([ConfigIssue(path: path, line: 0, message: reason)])
        }
        return try parse(String(decoding: bytes, as: UTF8.self), path: path)
    }
}
