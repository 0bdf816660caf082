#if canImport(Glibc)
import Glibc
#endif
import WebServer
import VisitCore
import Platform

/// The UI's files under one directory. Only plain names are served: every path segment is letters,
/// digits, '-', '_' or '.', never starting with '.', so "..", hidden files and encoded tricks are 404
/// before the file system is asked; symbolic links are not followed.
public struct StaticFiles: Sendable {
    public let root: String
    public static let maxFileBytes = 8 << 20

    public init(root: String) { self.root = root }

    static let types: [String: String] = [
        "html": "text/html; charset=utf-8", "css": "text/css; charset=utf-8",
        "js": "text/javascript; charset=utf-8", "json": "application/json; charset=utf-8",
        "svg": "image/svg+xml", "png": "image/png", "jpg": "image/jpeg", "ico": "image/x-icon",
        "woff2": "font/woff2", "txt": "text/plain; charset=utf-8",
    ]

    /// The relative path for a request path, or nil when it is not a plain name.
    static func relativePath(_ path: String) -> String? {
        let requested = path == "/" ? "/index.html" : path
        guard requested.hasPrefix("/"), requested.utf8.count <= 256 else { return nil }
        let segments = requested.dropFirst().split(separator: "/", omittingEmptySubsequences: false)
        guard !segments.isEmpty else { return nil }
        for segment in segments {
            guard let first = segment.utf8.first, first != UInt8(ascii: ".") else { return nil }
            let plain = segment.utf8.allSatisfy { byte in
                (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
                    || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
                    || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
            }
            guard plain else { return nil }
        }
        return segments.joined(separator: "/")
    }

    public func response(for path: String) -> HTTPResponse {
        guard let relative = Self.relativePath(path),
              let type = relative.split(separator: ".").last.flatMap({ Self.types[String($0).lowercased()] }) else {
            return KioskResponses.error(404, "not-found", "no such file")
        }
        let bytes: [UInt8]
        do throws(SystemError) {
            let fd = try FileDescriptor.open(root + "/" + relative, O_RDONLY | O_NOFOLLOW)
            let info = try fd.status()
            guard (info.st_mode & S_IFMT) == S_IFREG, Int(info.st_size) <= Self.maxFileBytes else {
                return KioskResponses.error(404, "not-found", "no such file")
            }
            bytes = try fd.readToEnd(limit: Self.maxFileBytes)
        } catch {
            return KioskResponses.error(404, "not-found", "no such file")
        }
        var headers = KioskResponses.common + [("Content-Type", type)]
        if type.hasPrefix("text/html") { headers.append(("Content-Security-Policy", KioskResponses.contentSecurityPolicy)) }
        return HTTPResponse(status: 200, headers: headers, body: .bytes(bytes))
    }
}
