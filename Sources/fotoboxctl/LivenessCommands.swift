import Arguments
import Configuration
import FaceAnalysis
import Foundation
import Liveness
import Platform

/// `fotoboxctl liveness score|evaluate`: presentation-attack detection on recorded presentations (issue 13).
let livenessCommand = Command(
    "liveness", summary: "judge recorded presentations: a live person or a photo/screen (presentation-attack detection)",
    discussion: "A presentation is a folder of JPEG frames in name order, as `fotoboxctl camera record` writes it. See docs/liveness.md.",
    subcommands: [livenessScoreCommand, livenessEvaluateCommand])

private let challengeOption = OptionSpec.value(
    "challenge", "CHALLENGE", help: "what the person was asked to do (default turn); none judges the passive cues only",
    choices: ["none", "turn", "turn-left", "turn-right", "nod"])

let livenessScoreCommand = Command(
    "score", summary: "judge one presentation (a folder of JPEG frames)",
    discussion: """
        Runs the face chain's preview mode on every frame and judges the sequence: 3-D parallax of the head's \
        movement against a flat photo or screen, and blinks. Prints the score in [0, 1] (1 = bona fide, steps \
        of 0.05), the decision by the config's [liveness] threshold (default 0.5, unsure margin 0.2) and the cues. \
        Exit status: 0 bona fide, 1 attack or unsure, 2 usage or a folder that is no presentation (fewer than 2 \
        or more than \(LivenessJudge.maximumFrames) frames, frames of different sizes, an unreadable frame), \
        3 no face in the frames (or no face models).
        """,
    examples: ["fotoboxctl liveness score recordings/visit-1 --challenge turn",
               "fotoboxctl liveness score recordings/visit-1 --challenge none --json"],
    options: [challengeOption, configOption.withHelp("take [liveness] threshold and models from this station's config"),
              .value("models", "DIR", help: "directory holding the three face models"),
              .flag("json", help: "print one JSON object")],
    positionals: [PositionalSpec("DIR", help: "the presentation: JPEG frames in name order")],
    action: { arguments, output in
        let directory = arguments.positional("DIR") ?? ""
        let challenge = Challenge(arguments.value("challenge") ?? "turn")!
        let station = try arguments.value("config").map { _ in try loadConfig(arguments) }
        let policy = station.map(LivenessPolicy.init) ?? LivenessPolicy()
        let analyzer = try loadAnalyzer(arguments.value("models") ?? station?.modelDirectory)
        let result: LivenessResult
        do throws(LivenessError) {
            result = try judgeFolder(directory, challenge: challenge, analyzer: analyzer, policy: policy)
        } catch {
            throw CommandRunner.Failure(exitCode(for: error), "\(directory): \(error)")
        }
        if arguments.flag("json") {
            output.print(try jsonText(LivenessScoreJSON(result)))
        } else {
            let c = result.cues
            output.print("\(directory): \(result.decision.rawValue), score \(fixed(result.score, 2)) (challenge \(result.challenge), \(c.framesWithFace) of \(c.frames) frames with a face)")
            let parallax = c.parallax.map { "parallax \(fixed($0, 2)) (planar residual \(fixed((c.planarResidual ?? 0) * 100, 2)) %, rigid \(fixed((c.rigidResidual ?? 0) * 100, 2)) % of face size)" }
                ?? "parallax not measurable (no frame turned 4° from the rest pose with enough texture followed)"
            output.print("  movement \(fixed(c.movementDegrees, 1))°\(c.challengeMet ? "" : " (the asked movement was not made)")  \(parallax)  blink \(fixed(c.blink, 2))")
        }
        return result.decision == .bonaFide ? .success : .failure
    })

let livenessEvaluateCommand = Command(
    "evaluate", summary: "APCER per attack folder, BPCER, BPCER at APCER 5 % and 10 % (ISO/IEC 30107-3)",
    discussion: """
        Each DIR is one presentation (a folder of JPEG frames) or a folder of presentations (its subfolders); \
        each --attack DIR is one attack type (PAI species), with its own APCER: the share of its presentations \
        decided bona fide. BPCER is the share of bona fide presentations not decided bona fide (unsure counts as \
        not bona fide, as the enforcing kiosk treats it). A presentation that cannot be judged (no face, too few \
        frames) is counted as not bona fide and listed. BPCER at APCER x % sweeps the score threshold: the lowest \
        threshold at which the worst attack type's APCER is at most x %.
        """,
    examples: ["fotoboxctl liveness evaluate --bona-fide sets/orl/* --attack sets/print sets/screen"],
    options: [.values("bona-fide", "DIR", help: "bona fide presentations (or folders of them)", required: true),
              .values("attack", "DIR", help: "attack presentations; each DIR is one attack type", required: true),
              challengeOption, configOption.withHelp("take [liveness] threshold and models from this station's config"),
              .value("models", "DIR", help: "directory holding the three face models"),
              .flag("json", help: "print one JSON object")],
    action: { arguments, output in
        let challenge = Challenge(arguments.value("challenge") ?? "turn")!
        let station = try arguments.value("config").map { _ in try loadConfig(arguments) }
        let policy = station.map(LivenessPolicy.init) ?? LivenessPolicy()
        let analyzer = try loadAnalyzer(arguments.value("models") ?? station?.modelDirectory)
        func judged(_ folder: String) throws -> [JudgedPresentation] {
            try presentations(in: folder).map { path in
                do {
                    let result = try judgeFolder(path, challenge: challenge, analyzer: analyzer, policy: policy)
                    return JudgedPresentation(path: path, score: result.score, decision: result.decision.rawValue, error: nil)
                } catch {
                    return JudgedPresentation(path: path, score: nil, decision: nil, error: "\(error)")
                }
            }
        }
        let bonaFide = try arguments.allValues("bona-fide").flatMap(judged)
        let attacks = try arguments.allValues("attack").map { (folder: $0, presentations: try judged($0)) }
        let evaluation = Evaluation(threshold: policy.threshold, bonaFide: bonaFide, attacks: attacks)
        if arguments.flag("json") {
            output.print(try jsonText(evaluation))
        } else {
            output.print("threshold \(fixed(policy.threshold, 2)) (challenge \(challenge))")
            for attack in evaluation.attacks {
                output.print("APCER \(percent(attack.apcer))  \(attack.accepted) of \(attack.presentations) accepted  \(attack.folder)")
            }
            output.print("BPCER \(percent(evaluation.bpcer))  \(evaluation.bonaFideRejected) of \(evaluation.bonaFidePresentations) bona fide presentations not accepted")
            output.print("BPCER at APCER ≤ 5 %: \(evaluation.bpcerAtApcer5.map(percent) ?? "n/a") (threshold \(evaluation.thresholdAtApcer5.map { fixed($0, 2) } ?? "n/a"))")
            output.print("BPCER at APCER ≤ 10 %: \(evaluation.bpcerAtApcer10.map(percent) ?? "n/a") (threshold \(evaluation.thresholdAtApcer10.map { fixed($0, 2) } ?? "n/a"))")
            for presentation in bonaFide + attacks.flatMap(\.presentations) where presentation.error != nil {
                output.printError("fotoboxctl: \(presentation.path): not judged: \(presentation.error!)")
            }
        }
        return .success
    })

/// Reads, analyses and judges one presentation folder.
private func judgeFolder(_ directory: String, challenge: Challenge, analyzer: FaceAnalyzer, policy: LivenessPolicy) throws(LivenessError) -> LivenessResult {
    let folder = try PresentationFolder(directory: directory)
    let observations = try folder.observations(analyzer: analyzer)
    return try LivenessJudge(policy: policy).judge(observations, challenge: challenge)
}

/// Exit 3 when no face was found, 2 when the folder is no presentation.
private func exitCode(for error: LivenessError) -> ExitCode {
    if case .noFace = error { return .deviceUnavailable }
    return .usage
}

/// A folder holding JPEG frames is one presentation; otherwise each subfolder is.
private func presentations(in folder: String) throws -> [String] {
    let names: [String]
    do { names = try FileSystem.listDirectory(folder) } catch {
        throw CommandRunner.Failure(.usage, "cannot read the folder \(folder): \(error)")
    }
    if names.contains(where: { $0.lowercased().hasSuffix(".jpg") || $0.lowercased().hasSuffix(".jpeg") }) { return [folder] }
    let subfolders = names.filter { !$0.hasPrefix(".") }.sorted().map { folder + "/" + $0 }.filter { path in
        guard let info = try? FileSystem.status(path) else { return false }
        return (info.st_mode & S_IFMT) == S_IFDIR
    }
    guard !subfolders.isEmpty else { throw CommandRunner.Failure(.usage, "\(folder) holds neither JPEG frames nor presentation folders") }
    return subfolders
}

/// `liveness score --json`.
struct LivenessScoreJSON: Encodable {
    var score: Double
    var decision: String
    var challenge: String
    var frames: Int
    var cues: LivenessCues

    init(_ result: LivenessResult) {
        score = result.score
        decision = result.decision.rawValue
        challenge = result.challenge.description
        frames = result.cues.frames
        cues = result.cues
    }
}

struct JudgedPresentation: Encodable {
    var path: String
    var score: Double?
    var decision: String?
    var error: String?

    var acceptedAsBonaFide: Bool { decision == LivenessDecision.bonaFide.rawValue }
}

/// ISO/IEC 30107-3 figures over judged presentations.
struct Evaluation: Encodable {
    struct Attack: Encodable {
        var folder: String
        var presentations: Int
        var accepted: Int
        var apcer: Double
        var judged: [JudgedPresentation]
    }
    var threshold: Double
    var attacks: [Attack]
    var bonaFidePresentations: Int
    var bonaFideRejected: Int
    var bpcer: Double
    var bpcerAtApcer5: Double?
    var thresholdAtApcer5: Double?
    var bpcerAtApcer10: Double?
    var thresholdAtApcer10: Double?
    var bonaFide: [JudgedPresentation]

    init(threshold: Double, bonaFide: [JudgedPresentation], attacks: [(folder: String, presentations: [JudgedPresentation])]) {
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
}

private func ratio(_ count: Int, _ total: Int) -> Double { total > 0 ? Double(count) / Double(total) : 0 }
private func percent(_ value: Double) -> String { String(format: "%.1f %%", value * 100) }
