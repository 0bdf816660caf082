import FaceAnalysis
#if canImport(Glibc)
import Glibc
#endif
import Platform

// Judging recorded presentations and the ISO/IEC 30107-3 figures over a set of them: what
// `fotoboxctl liveness score|evaluate` prints, as values with their text and JSON beside them.

extension PresentationFolder {
    /// Reads, analyses and judges this presentation, as the kiosk judges a visit's preview frames.
    public func judge(analyzer: FaceAnalyzer, policy: LivenessPolicy, challenge: Challenge) throws(LivenessError) -> LivenessResult {
        try LivenessJudge(policy: policy).judge(observations(analyzer: analyzer), challenge: challenge)
    }

    /// The presentations under `folder`: the folder itself when it holds JPEG frames, otherwise each of its
    /// subfolders (hidden ones left out), in name order.
    public static func presentations(in folder: String) throws(LivenessError) -> [String] {
        let names: [String]
        do { names = try FileSystem.listDirectory(folder) } catch {
            throw .unreadableFolder(path: folder, reason: "\(error)")
        }
        if names.contains(where: { $0.lowercased().hasSuffix(".jpg") || $0.lowercased().hasSuffix(".jpeg") }) { return [folder] }
        let subfolders = names.filter { !$0.hasPrefix(".") }.sorted().map { folder + "/" + $0 }.filter { path in
            guard let info = try? FileSystem.status(path) else { return false }
            return (info.st_mode & S_IFMT) == S_IFDIR
        }
        guard !subfolders.isEmpty else { throw .noPresentations(path: folder) }
        return subfolders
    }
}

extension LivenessResult {
    /// Two lines for a person: the decision with its score, then the cues behind it.
    public func summaryLines(directory: String) -> [String] {
        let c = cues
        let parallax = c.parallax.map {
            "parallax \($0.text(decimals: 2)) (planar residual \(((c.planarResidual ?? 0) * 100).text(decimals: 2)) %, "
                + "rigid \(((c.rigidResidual ?? 0) * 100).text(decimals: 2)) % of face size)"
        } ?? "parallax not measurable (no frame turned 4° from the rest pose with enough texture followed)"
        return [
            "\(directory): \(decision.rawValue), score \(score.text(decimals: 2)) (challenge \(challenge), \(c.framesWithFace) of \(c.frames) frames with a face)",
            "  movement \(c.movementDegrees.text(decimals: 1))°\(c.challengeMet ? "" : " (the asked movement was not made)")  \(parallax)  blink \(c.blink.text(decimals: 2))",
        ]
    }
}

/// One judged presentation as `liveness score --json` prints it.
public struct LivenessScoreReport: Encodable, Sendable {
    public var score: Double
    public var decision: String
    public var challenge: String
    public var frames: Int
    public var cues: LivenessCues

    public init(_ result: LivenessResult) {
        score = result.score
        decision = result.decision.rawValue
        challenge = result.challenge.description
        frames = result.cues.frames
        cues = result.cues
    }
}

/// One presentation of an evaluation: its score and decision, or why it could not be judged.
public struct JudgedPresentation: Encodable, Sendable {
    public var path: String
    public var score: Double?
    public var decision: String?
    public var error: String?

    /// A presentation judged (score and decision) or not (why not).
    public init(path: String, score: Double?, decision: LivenessDecision?, error: String?) {
        self.path = path
        self.score = score
        self.decision = decision?.rawValue
        self.error = error
    }

    /// A presentation with what judging it gave.
    public init(path: String, result: Result<LivenessResult, LivenessError>) {
        switch result {
        case .success(let judged): self.init(path: path, score: judged.score, decision: judged.decision, error: nil)
        case .failure(let problem): self.init(path: path, score: nil, decision: nil, error: "\(problem)")
        }
    }

    /// Unsure and not judged count as not bona fide, as the enforcing kiosk treats them.
    public var acceptedAsBonaFide: Bool { decision == LivenessDecision.bonaFide.rawValue }
}

/// ISO/IEC 30107-3 figures over judged presentations: APCER per attack type (PAI species), BPCER, and BPCER
/// at APCER 5 % and 10 % from a sweep of the score threshold.
public struct LivenessEvaluation: Encodable, Sendable {
    /// One attack type: its presentations and the share of them decided bona fide (APCER).
    public struct Attack: Encodable, Sendable {
        public var folder: String
        public var presentations: Int
        public var accepted: Int
        public var apcer: Double
        public var judged: [JudgedPresentation]
    }
    public var threshold: Double
    public var attacks: [Attack]
    public var bonaFidePresentations: Int
    public var bonaFideRejected: Int
    public var bpcer: Double
    public var bpcerAtApcer5: Double?
    public var thresholdAtApcer5: Double?
    public var bpcerAtApcer10: Double?
    public var thresholdAtApcer10: Double?
    public var bonaFide: [JudgedPresentation]

    public init(threshold: Double, bonaFide: [JudgedPresentation], attacks: [(folder: String, presentations: [JudgedPresentation])]) {
        self.threshold = threshold
        self.bonaFide = bonaFide
        self.attacks = attacks.map { attack in
            let accepted = attack.presentations.filter(\.acceptedAsBonaFide).count
            return Attack(folder: attack.folder, presentations: attack.presentations.count, accepted: accepted,
                          apcer: ratio(accepted, attack.presentations.count), judged: attack.presentations)
        }
        bonaFidePresentations = bonaFide.count
        bonaFideRejected = bonaFide.filter { !$0.acceptedAsBonaFide }.count
        bpcer = ratio(bonaFideRejected, bonaFide.count)
        // The sweep: accepted when judged and score ≥ t (the decision's rule without the unsure band).
        func rates(at t: Double) -> (apcer: Double, bpcer: Double) {
            let worst = attacks.map { attack in
                ratio(attack.presentations.filter { ($0.score ?? -1) >= t && $0.decision != nil }.count, attack.presentations.count)
            }.max() ?? 0
            let rejected = bonaFide.filter { ($0.score ?? -1) < t || $0.decision == nil }.count
            return (worst, ratio(rejected, bonaFide.count))
        }
        let steps = stride(from: 0.0, through: 1.0001, by: LivenessJudge.scoreStep).map { $0 } + [1.05]
        func lowest(apcerAtMost limit: Double) -> (Double, Double)? {
            for t in steps where rates(at: t).apcer <= limit + 1e-9 { return (min(t, 1.05), rates(at: t).bpcer) }
            return nil
        }
        if let (t, b) = lowest(apcerAtMost: 0.05) { thresholdAtApcer5 = t; bpcerAtApcer5 = b }
        if let (t, b) = lowest(apcerAtMost: 0.10) { thresholdAtApcer10 = t; bpcerAtApcer10 = b }
    }

    /// The figures for a person, one per line (the presentations that could not be judged are listed apart,
    /// by `notJudged`).
    public func summaryLines(challenge: Challenge) -> [String] {
        func percent(_ value: Double) -> String { (value * 100).text(decimals: 1) + " %" }
        var lines = ["threshold \(threshold.text(decimals: 2)) (challenge \(challenge))"]
        for attack in attacks {
            lines.append("APCER \(percent(attack.apcer))  \(attack.accepted) of \(attack.presentations) accepted  \(attack.folder)")
        }
        lines.append("BPCER \(percent(bpcer))  \(bonaFideRejected) of \(bonaFidePresentations) bona fide presentations not accepted")
        lines.append("BPCER at APCER ≤ 5 %: \(bpcerAtApcer5.map(percent) ?? "n/a") (threshold \(thresholdAtApcer5.map { $0.text(decimals: 2) } ?? "n/a"))")
        lines.append("BPCER at APCER ≤ 10 %: \(bpcerAtApcer10.map(percent) ?? "n/a") (threshold \(thresholdAtApcer10.map { $0.text(decimals: 2) } ?? "n/a"))")
        return lines
    }

    /// Every presentation, bona fide and attack, that could not be judged.
    public var notJudged: [JudgedPresentation] {
        (bonaFide + attacks.flatMap(\.judged)).filter { $0.error != nil }
    }
}

private func ratio(_ count: Int, _ total: Int) -> Double { total > 0 ? Double(count) / Double(total) : 0 }
