import Configuration

/// The rules a finished photo is made to: its exact size and the limits of BSI TR-03121-3 vol. 2,
/// table 5.3 (the same figures as ICAO's Portrait Quality TR 2018). `docs/compliance.md` cites each.
public struct PhotoProfile: Sendable, Equatable {
    /// `live` or `scan`.
    public var name: String
    /// The exact output size.
    public var width: Int
    public var height: Int
    /// Inter-eye distance in output pixels, at least.
    public var minimumInterEyeDistance: Double
    /// Head width / image width.
    public var headWidthRatio: ClosedRange<Double> = 0.50...0.75
    /// Head height (chin to crown) / image height.
    public var headHeightRatio: ClosedRange<Double> = 0.60...0.90
    /// Face centre M (on the eye line) from the top, as a fraction of the height.
    public var eyeLinePosition: ClosedRange<Double> = 0.30...0.50
    /// Face centre M from the left, as a fraction of the width.
    public var horizontalCentring: ClosedRange<Double> = 0.45...0.55
    /// Largest head roll, yaw and pitch in degrees.
    public var maximumRoll: Double = 8
    public var maximumYaw: Double = 5
    public var maximumPitch: Double = 5

    /// Where the crop planner aims inside those limits: head height 75 % of the photo (the middle of the
    /// German 70–80 % for adults, PAuswV annex) with a tenth of the height above the crown.
    public var targetHeadHeightRatio: Double = 0.75
    public var targetTopMargin: Double = 0.10

    public init(name: String, width: Int, height: Int, minimumInterEyeDistance: Double) {
        self.name = name
        self.width = width
        self.height = height
        self.minimumInterEyeDistance = minimumInterEyeDistance
    }

    /// The profile's rules at its document size (`CaptureProfile.photoSize`, the one definition).
    init(_ capture: CaptureProfile, minimumInterEyeDistance: Double) {
        self.init(name: capture.rawValue, width: capture.photoSize.width, height: capture.photoSize.height,
                  minimumInterEyeDistance: minimumInterEyeDistance)
    }

    /// Live capture at the station (or a photographer's cloud upload): exactly 1244×1600, IED ≥ 300 px.
    public static let live = PhotoProfile(.live, minimumInterEyeDistance: 300)
    /// A scanned paper photo: 622×800, IED ≥ 120 px.
    public static let scan = PhotoProfile(.scan, minimumInterEyeDistance: 120)

    /// The rules of the profile a station captures for (`visit.profile`, fotoboxctl's `--profile`).
    public static func of(_ capture: CaptureProfile) -> PhotoProfile {
        switch capture {
        case .live: .live
        case .scan: .scan
        }
    }
}
