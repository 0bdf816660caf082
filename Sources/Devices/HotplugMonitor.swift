import CV4L2
import Platform

/// Wakes a waiting camera recovery when a device node appears in `/dev` (inotify): a camera plugged
/// back in is used at once instead of at the next backoff step. udev creates nodes through devtmpfs,
/// which inotify sees like any file system.
public final class HotplugMonitor {
    private let descriptor: FileDescriptor
    private let prefix: String
    public let directory: String

    /// Watches `directory` for new or changed entries whose name starts with `prefix`.
    public init(directory: String = "/dev", prefix: String = "video") throws(SystemError) {
        let inotify = try FileDescriptor.inotify()
        try inotify.addWatch(directory, events: UInt32(IN_CREATE | IN_ATTRIB | IN_MOVED_TO))
        descriptor = inotify
        self.prefix = prefix
        self.directory = directory
    }

    /// Waits up to `timeoutMilliseconds` for a matching node to appear. Returns its name, or nil on timeout.
    public func waitForNode(timeoutMilliseconds: Int) -> String? {
        let deadline = MonotonicClock.nanoseconds() &+ UInt64(max(timeoutMilliseconds, 0)) &* 1_000_000
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let now = MonotonicClock.nanoseconds()
            guard now < deadline else { return nil }
            let remaining = Int32(clamping: (deadline - now + 999_999) / 1_000_000)
            guard let events = try? descriptor.poll(timeoutMilliseconds: remaining), events != 0 else { return nil }
            let count = buffer.withUnsafeMutableBytes { raw in (try? descriptor.read(into: raw)) ?? 0 }
            if let name = Self.firstName(in: buffer, count: count, prefix: prefix) { return name }
        }
    }

    /// Walks the packed `inotify_event` records in `buffer[0..<count]`.
    static func firstName(in buffer: [UInt8], count: Int, prefix: String) -> String? {
        let header = MemoryLayout<inotify_event>.size
        var offset = 0
        while offset + header <= count {
            let nameLength = buffer.withUnsafeBytes { raw in
                Int(raw.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self))
            }
            let start = offset + header, end = min(start + nameLength, count)
            let name = String(decoding: buffer[start..<end].prefix { $0 != 0 }, as: UTF8.self)
            if name.hasPrefix(prefix) { return name }
            offset = start + nameLength
        }
        return nil
    }
}
