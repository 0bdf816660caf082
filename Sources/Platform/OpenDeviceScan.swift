#if canImport(Glibc)
import Glibc
#endif

/// The character devices each process holds open, read once from /proc/*/fd (by device number, so a
/// symlinked name such as /dev/fotobox/camera matches its node): which program holds the camera or the pad.
public struct OpenDeviceScan: Sendable {
    /// A process holding a device open.
    public struct Holder: Sendable, Equatable, Encodable {
        public let pid: Int
        /// The process's name (`/proc/PID/comm`).
        public let command: String
    }

    private var openDevices: [(device: UInt64, holder: Holder)] = []
    /// False when a process's fd directory could not be read (another user's, without root): a holder may
    /// be missing.
    public private(set) var complete = true

    public init(procDirectory: String = "/proc") {
        let pids = ((try? FileSystem.listDirectory(procDirectory)) ?? []).compactMap(Int.init)
        for pid in pids {
            let fdDirectory = "\(procDirectory)/\(pid)/fd"
            guard let fds = try? FileSystem.listDirectory(fdDirectory) else {
                if FileSystem.exists("\(procDirectory)/\(pid)") { complete = false }
                continue
            }
            var command: String?
            for fd in fds {
                guard let device = Self.characterDevice("\(fdDirectory)/\(fd)") else { continue }
                if command == nil {
                    let bytes = (try? FileSystem.readFile("\(procDirectory)/\(pid)/comm", limit: 64)) ?? []
                    // comm ends with a newline.
                    command = String(decoding: bytes.prefix { $0 != UInt8(ascii: "\n") }, as: UTF8.self)
                }
                let holder = Holder(pid: pid, command: command ?? "?")
                if !openDevices.contains(where: { $0.device == device && $0.holder == holder }) {
                    openDevices.append((device, holder))
                }
            }
        }
    }

    /// The processes holding `path` open (never this process).
    public func holders(of path: String) -> [Holder] {
        guard let device = Self.characterDevice(path) else { return [] }
        let own = Int(getpid())
        return openDevices.filter { $0.device == device && $0.holder.pid != own }.map(\.holder)
    }

    /// The device number of the character device `path` leads to, following links (the /proc fd links, the
    /// udev names): FileSystem.status is lstat and would see the link itself.
    private static func characterDevice(_ path: String) -> UInt64? {
        var info = stat()
        guard (try? SystemCall.retrying("stat \(path)", { stat(path, &info) })) != nil, info.st_mode & S_IFMT == S_IFCHR else { return nil }
        return UInt64(info.st_rdev)
    }
}
