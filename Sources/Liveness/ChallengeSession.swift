/// One visit's liveness challenge, as the kiosk runs it during the guidance: when to ask, what to ask, and
/// which preview frames to judge. Pure and synchronous (time passed in), like `VisitMachine`, so the visit's
/// owner can drive it from its own thread and tests can drive it with a fake clock.
///
/// - The prompt comes at a random moment 1–4 s after the face is first seen (so a replayed video cannot
///   know when), in a random direction (left, right or a nod), and the response is judged on the frames
///   from the prompt to `responseWindow` after it.
/// - Memory is bounded: at most `LivenessJudge.maximumFrames` observations are kept; older frames before the
///   prompt are dropped (only the last `restFrames` before it serve as the rest pose).
public struct ChallengeSession: Sendable {
    /// What to ask, and when (seconds since the guidance began).
    public let challenge: Challenge
    public let promptAt: Double
    /// Seconds after the prompt in which the movement is judged (asked 10–20° and back: 2–3 s for most people).
    public static let responseWindow = 5.0
    /// Frames before the prompt kept as the rest pose.
    public static let restFrames = 8

    private(set) var before: [FaceObservation?] = []
    private(set) var after: [FaceObservation?] = []
    private var firstFaceAt: Double?

    /// `random` gives two numbers in [0, 1): the first chooses the moment, the second the direction.
    public init(random: (Double, Double)) {
        let (moment, kind) = (min(max(random.0, 0), 0.999_999), min(max(random.1, 0), 0.999_999))
        promptAt = 1 + 3 * moment
        challenge = kind < 1.0 / 3 ? .turn(.left) : kind < 2.0 / 3 ? .turn(.right) : .nod
    }

    /// Whether the prompt is to be shown at `time` (seconds since the guidance began).
    public func isPrompting(at time: Double) -> Bool { time >= promptAt && time < promptAt + Self.responseWindow }

    /// The response window has passed: time to judge.
    public func isComplete(at time: Double) -> Bool { time >= promptAt + Self.responseWindow }

    /// One preview frame's face (nil: no face in it).
    public mutating func add(_ observation: FaceObservation?, at time: Double) {
        if time < promptAt {
            before.append(observation)
            if before.count > Self.restFrames { before.removeFirst(before.count - Self.restFrames) }
        } else if time < promptAt + Self.responseWindow, before.count + after.count < LivenessJudge.maximumFrames {
            after.append(observation)
        }
    }

    /// The judgement of the frames around the prompt.
    public func judge(with judge: LivenessJudge) throws(LivenessError) -> LivenessResult {
        try judge.judge(before + after, challenge: challenge)
    }

    /// Overwrites the kept faces' grey textures (pictures of a face) before the session is dropped, as the
    /// visit does with its photo: what is freed holds no face any more.
    public mutating func zero() {
        for index in before.indices { before[index]?.texture?.zero() }
        for index in after.indices { after[index]?.texture?.zero() }
    }

    /// Frames kept (bounded by `restFrames` + what the response window holds, at most `LivenessJudge.maximumFrames`).
    public var framesKept: Int { before.count + after.count }
}
