/// Moves one value that is not `Sendable` (a camera, an uploader) from the thread that gives it up to the
/// thread that takes it: the giver gives it up with `sending` (the compiler then refuses any later use of it
/// there), the taker takes it out once, as a `sending` value of its own. The lock covers only the hand-over,
/// never the value's use.
///
/// Why a box and not a captured value: a closure may run more than once, so Swift 6.3 never lets a value a
/// closure captured be sent on from inside it (to a lock's `inout sending` value, say). A value taken out of
/// a box is the taker's local and can be handed on again, in a new box.
public final class Handover<Value>: Sendable {
    private let slot: Locked<Value?>

    /// A box holding `value`, which the caller gives up.
    public init(_ value: sending Value) { slot = Locked(Optional(value)) }

    /// The value, to the first caller only; nil afterwards.
    public func take() -> sending Value? { slot.withLock { held -> sending Value? in held.take() } }
}
