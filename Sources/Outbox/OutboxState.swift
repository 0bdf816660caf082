/// Where an outbox item is in its life: queued, being uploaded, confirmed by the office, payload erased.
public enum OutboxState: String, Sendable, Equatable, CaseIterable, Codable {
    case pending
    case sending
    case acknowledged
    case erased
}
