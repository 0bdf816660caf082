import Capture
/// What the citizen does on the prompt, decoded from pen events: ink in the signing area becomes strokes,
/// a tap on a button (pen down and up inside the same button) is a press. Pure logic, no I/O, so the
/// same code runs against the real pad, the simulator and the unit tests.
public struct PadInteraction: Sendable {
    public enum Outcome: Equatable, Sendable {
        case pressed(PadButton)
    }

    public let capability: WacomCapability
    public let layout: PadPromptLayout
    /// The finished strokes, in tablet units.
    public private(set) var strokes: [[SignaturePoint]] = []

    private var current: [SignaturePoint] = []
    private var wasTouching = false
    /// What the pen came down on: the signing area (nil) or a button.
    private var downOnButton: PadButton?
    private var downOnSigningArea = false

    public init(capability: WacomCapability, layout: PadPromptLayout) {
        self.capability = capability
        self.layout = layout
    }

    /// Feeds one pen event; returns a button press when the pen lifts from the button it came down on.
    public mutating func handle(_ event: WacomPenEvent) -> Outcome? {
        let touching = event.isTouching && event.inProximity
        let screen = capability.screenPoint(x: event.x, y: event.y)
        defer { wasTouching = touching }
        if touching && !wasTouching {
            downOnButton = layout.button(atScreenX: screen.x, y: screen.y)
            downOnSigningArea = downOnButton == nil && layout.signingArea.contains(x: screen.x, y: screen.y)
        }
        if touching && downOnSigningArea {
            // A stroke that started in the signing area is kept whole even where it leaves it.
            current.append(SignaturePoint(x: Double(event.x), y: Double(event.y),
                                          pressure: Double(event.pressure) / Double(max(capability.maxPressure, 1)),
                                          milliseconds: event.milliseconds))
            return nil
        }
        guard !touching && wasTouching else { return nil }
        finishStroke()
        defer { downOnButton = nil; downOnSigningArea = false }
        if let button = downOnButton, layout.button(atScreenX: screen.x, y: screen.y) == button {
            return .pressed(button)
        }
        return nil
    }

    /// Forgets all ink ("Nochmal").
    public mutating func clear() {
        strokes = []
        current = []
        downOnSigningArea = false
    }

    /// The signature so far (an open stroke included).
    public func signature() -> Signature {
        let resolution = capability.resolution > 0 ? Double(capability.resolution) / 25.4 : nil
        return Signature(strokes: strokes + [current], padWidth: Double(capability.maxX),
                         padHeight: Double(capability.maxY), unitsPerMillimetre: resolution)
    }

    private mutating func finishStroke() {
        if !current.isEmpty { strokes.append(current) }
        current = []
    }
}
