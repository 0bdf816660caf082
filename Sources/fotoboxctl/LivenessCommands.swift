import Arguments
import Configuration
import FaceAnalysis
import Liveness

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
              .value("models", "DIR", help: "directory holding the face and hand models"),
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
            result = try PresentationFolder(directory: directory).judge(analyzer: analyzer, policy: policy, challenge: challenge)
        } catch {
            throw CommandRunner.Failure(exitCode(for: error), "\(directory): \(error)")
        }
        if arguments.flag("json") {
            output.print(try jsonText(LivenessScoreReport(result)))
        } else {
            output.print(lines: result.summaryLines(directory: directory))
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
              .value("models", "DIR", help: "directory holding the face and hand models"),
              .flag("json", help: "print one JSON object")],
    action: { arguments, output in
        let challenge = Challenge(arguments.value("challenge") ?? "turn")!
        let station = try arguments.value("config").map { _ in try loadConfig(arguments) }
        let policy = station.map(LivenessPolicy.init) ?? LivenessPolicy()
        let analyzer = try loadAnalyzer(arguments.value("models") ?? station?.modelDirectory)
        func judged(_ folder: String) throws -> [JudgedPresentation] {
            let paths: [String]
            do { paths = try PresentationFolder.presentations(in: folder) } catch {
                throw CommandRunner.Failure(.usage, error.description)
            }
            return paths.map { path in
                JudgedPresentation(path: path, result: Result(catching: { () throws(LivenessError) in
                    try PresentationFolder(directory: path).judge(analyzer: analyzer, policy: policy, challenge: challenge)
                }))
            }
        }
        let bonaFide = try arguments.allValues("bona-fide").flatMap(judged)
        let attacks = try arguments.allValues("attack").map { (folder: $0, presentations: try judged($0)) }
        let evaluation = LivenessEvaluation(threshold: policy.threshold, bonaFide: bonaFide, attacks: attacks)
        if arguments.flag("json") {
            output.print(try jsonText(evaluation))
        } else {
            output.print(lines: evaluation.summaryLines(challenge: challenge))
            for presentation in evaluation.notJudged {
                output.printError("fotoboxctl: \(presentation.path): not judged: \(presentation.error!)")
            }
        }
        return .success
    })

/// Exit 3 when no face was found, 2 when the folder is no presentation.
private func exitCode(for error: LivenessError) -> ExitCode {
    if case .noFace = error { return .deviceUnavailable }
    return .usage
}
