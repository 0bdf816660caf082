/// Moves one value that is not `Sendable` (a camera, an uploader) from the thread that gives it up to the
/// thread that takes it: the giver gives it up with `sending` (the compiler then refuses any later use of it
/// there), the taker takes it out once, as a `sending` value of its own. The lock covers only the hand-over,
/// never the value's use.
///
/// Why a box, and a new box to hand a value back (no `put`): Swift 6.3 treats a value a closure captured as
/// the closure's ("task-isolated"), since a closure may run more than once, so it never lets the closure send
/// it on: `lock.withLock { $0 = value }` is refused ("'inout sending' parameter '$0' cannot be task-isolated
/// at end of function"), and so is passing a captured value as a `sending` argument from inside a thread's
/// body ("sending 'value' risks causing data races"). `init` takes the value directly (no closure), and a
/// value `take()` returned is the taker's local, which it may give up again into a new box.
public final class Handover<Value>: Sendable {
    private let slot: Locked<Value?>

    /// A box holding `value`, which the caller gives up.
    public init(_ value: sending Value) { slot = Locked(Optional(value)) }

    /// The value, to the first caller only; nil afterwards.
    public func take() -> sending Value? { slot.withLock { held -> sending Value? in held.take() } }
}
