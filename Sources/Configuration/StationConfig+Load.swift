#if canImport(Glibc)
import Glibc
#endif

extension StationConfig {
    /// Reads and validates the config file at `path` (the shared loader of `fotoboxd --config` and
    /// `fotoboxctl --config`). A file that cannot be read is one issue naming the file.
    public static func load(path: String) throws(ConfigError) -> StationConfig {
        guard let file = fopen(path, "re") else {
            throw ConfigError([ConfigIssue(path: path, line: 0, message: "cannot read: \(String(cString: strerror(errno)))")])
        }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 14)
        while true {
            let count = fread(&chunk, 1, chunk.count, file)
            if count > 0 { bytes += chunk[0..<count] }
            if count < chunk.count { break }
            if bytes.count > 1 << 20 { throw ConfigError([ConfigIssue(path: path, line: 0, message: "larger than 1 MiB: not a config file")]) }
        }
        if ferror(file) != 0 { throw ConfigError([ConfigIssue(path: path, line: 0, message: "read error")]) }
        return try parse(String(decoding: bytes, as: UTF8.self), path: path)
    }
}
