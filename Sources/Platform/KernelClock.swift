#if canImport(Glibc)
import Glibc
#endif

/// What the kernel knows about its wall clock's synchronisation (NTP), read with adjtimex(2).
public enum KernelClock {
    /// The kernel's NTP state.
    public struct Synchronisation: Sendable, Equatable {
        /// False while the kernel reports TIME_ERROR (no NTP daemon has disciplined the clock).
        public var synchronised: Bool
        /// The kernel's estimated error of the clock, microseconds.
        public var estimatedErrorMicroseconds: Int
    }

    /// Reads the state without changing anything (`modes` 0).
    public static func synchronisation() throws(SystemError) -> Synchronisation {
        // struct timex is 208 bytes on 64-bit Linux; esterror (µs) is the long at offset 32.
        var timex = [UInt8](repeating: 0, count: 512)
        let state = try SystemCall.retrying("adjtimex", { timex.withUnsafeMutableBytes { kernelAdjtimex($0.baseAddress!) } })
        let estimatedError = timex.withUnsafeBytes { $0.load(fromByteOffset: 32, as: Int.self) }
        return Synchronisation(synchronised: state != timeError, estimatedErrorMicroseconds: estimatedError)
    }

    /// TIME_ERROR from <sys/timex.h>: the clock is not synchronised.
    private static let timeError: Int32 = 5
}

/// adjtimex(2): Swift's Glibc module leaves out <sys/timex.h>, so the call is declared here.
@_silgen_name("adjtimex") private func kernelAdjtimex(_ timex: UnsafeMutableRawPointer) -> Int32
