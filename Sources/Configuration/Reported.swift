/// A name another Fotobox program sent, typed: one this version knows (`known`), or one only a newer version
/// knows (`unknown`, its text kept). Stations and offices are updated one at a time, so an office reads check ids
/// of newer stations and an older `fotoboxctl` reads the step of a newer `fotoboxd`: such a name is kept and
/// counted or shown, never dropped and never a decoding error. Encodes as the plain string, so the wire format
/// is the same as for `Value` itself.
///
/// Used for `CheckID` (a submitted compliance report's checks, `ReportedCheck`) and for the station's step and
/// faults in `StationStatus`.
public enum Reported<Value: RawRepresentable & Sendable & Hashable>: Sendable, Hashable, Codable, CustomStringConvertible
where Value.RawValue == String {
    case known(Value)
    /// A name this version does not know, as sent (possibly anything: use `label` to show or count it).
    case unknown(String)

    /// The name as sent: `known` by its raw value.
    public init(_ text: String) {
        self = Value(rawValue: text).map(Reported.known) ?? .unknown(text)
    }

    /// The known value, nil for an unknown name.
    public var known: Value? {
        switch self {
        case .known(let value): value
        case .unknown: nil
        }
    }

    /// What may be shown or used as a metrics label: the raw value; an unknown name as sent when it is a safe
    /// identifier (1–64 ASCII letters, digits, '-' or '_', `CaseIDRules.isSafeIdentifier`, as newer names of
    /// checks and steps are), else `Reported.unreadableLabel` — a name with control characters, slashes or
    /// 10 KB long is counted, but never printed or put into a label as it came.
    public var label: String {
        switch self {
        case .known(let value): value.rawValue
        case .unknown(let text): CaseIDRules.isSafeIdentifier(text) ? text : Self.unreadableLabel
        }
    }

    /// The label of an unknown name that is not a safe identifier (it cannot be one: the parentheses).
    public static var unreadableLabel: String { "(unreadable)" }

    public var description: String { label }

    public init(from decoder: any Decoder) throws {
        self.init(try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .known(let value): try container.encode(value.rawValue)
        case .unknown(let text): try container.encode(text)
        }
    }
}
