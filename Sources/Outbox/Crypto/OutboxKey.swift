import CCrypto
import Platform
#if canImport(Glibc)
import Glibc
#endif

/// The outbox's AES-256 key: 32 bytes, held in memory owned by this object and wiped when it goes.
public final class OutboxKey: Sendable {
    /// The key bytes; read-only after init, wiped at deinit.
    nonisolated(unsafe) let bytes: UnsafeMutableRawBufferPointer

    /// Takes a copy of exactly 32 key bytes.
    public init(bytes source: [UInt8]) throws(OutboxError) {
        guard source.count == 32 else { throw .keyMalformed(path: "(memory)", reason: "an AES-256 key is 32 bytes, not \(source.count)") }
        bytes = .allocate(byteCount: 32, alignment: 16)
        bytes.copyBytes(from: source)
    }

    deinit {
        OPENSSL_cleanse(bytes.baseAddress, bytes.count)
        bytes.deallocate()
    }

    /// A fresh random key (for `fotoboxctl outbox new-key` and tests).
    public static func random() throws(OutboxError) -> OutboxKey {
        var raw = [UInt8](repeating: 0, count: 32)
        guard RAND_bytes(&raw, 32) == 1 else { throw .crypto("RAND_bytes failed") }
        defer { OPENSSL_cleanse(&raw, 32) }
        return try OutboxKey(bytes: raw)
    }

    /// The key as 64 hexadecimal digits, the format `load(path:)` reads.
    public var hexadecimal: String {
        bytes.map { byte in
            let digits = Array("0123456789abcdef")
            return String([digits[Int(byte >> 4)], digits[Int(byte & 15)]])
        }.joined()
    }

    /// Reads the key file: 32 raw bytes, or 64 hexadecimal digits (a trailing newline is fine).
    /// Refuses a file that is not a regular file or that its group or others could read or write,
    /// checked on the opened descriptor so the file cannot be swapped between check and read.
    public static func load(path: String) throws(OutboxError) -> OutboxKey {
        let fd: FileDescriptor
        // Non-blocking open: a FIFO put where the key belongs must be refused below, not wait for a writer.
        do { fd = try FileDescriptor.open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK) } catch { throw .keyUnreadable(path: path, error) }
        let info: stat
        do { info = try fd.status() } catch { throw .keyUnreadable(path: path, error) }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw .keyMalformed(path: path, reason: "not a regular file") }
        let permissions = UInt32(info.st_mode & 0o777)
        guard permissions & 0o077 == 0 else { throw .keyReadableByOthers(path: path, mode: permissions) }
        var content: [UInt8]
        do { content = try fd.readToEnd(limit: 256) } catch { throw .keyUnreadable(path: path, error) }
        defer { OPENSSL_cleanse(&content, content.count) }
        if content.count == 32 { return try OutboxKey(bytes: content) }
        while let last = content.last, last == UInt8(ascii: "\n") || last == UInt8(ascii: "\r") || last == UInt8(ascii: " ") {
            content.removeLast()
        }
        guard content.count == 64, let decoded = decodeHexadecimal(content) else {
            throw .keyMalformed(path: path, reason: "expected 32 raw bytes or 64 hexadecimal digits")
        }
        var raw = decoded
        defer { OPENSSL_cleanse(&raw, raw.count) }
        return try OutboxKey(bytes: raw)
    }

    private static func decodeHexadecimal(_ digits: [UInt8]) -> [UInt8]? {
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(digits.count / 2)
        var index = 0
        while index + 1 < digits.count {
            guard let high = nibble(digits[index]), let low = nibble(digits[index + 1]) else { return nil }
            out.append(high << 4 | low)
            index += 2
        }
        return out
    }
}
