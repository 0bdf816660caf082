import CPlatform

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
        var state = timex()
        let result = try SystemCall.retrying("adjtimex", { adjtimex(&state) })
        return Synchronisation(synchronised: result != TIME_ERROR, estimatedErrorMicroseconds: Int(state.esterror))
    }
}
