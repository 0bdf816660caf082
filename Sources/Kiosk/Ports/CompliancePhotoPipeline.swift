import Platform
import VisitCore
import Capture
import Compliance
import Devices
import FaceAnalysis
import Foundation
import Imaging

/// The station's real photo pipeline behind the kiosk's `PhotoPipeline` port: the face chain finds the
/// face, Compliance guides the citizen, processes every frame of a burst, checks the results and keeps
/// the best one (TR-03121: most mandatory checks, then most optional, then most recent).
public final class CompliancePhotoPipeline: PhotoPipeline, Sendable {
    private let profile: PhotoProfile
    private let evaluator: GuidanceEvaluator
    private let checker: ComplianceChecker
    private let started = ContinuousClock.now
    /// The analyzer owns its model buffers and is not reentrant: it and what the preview remembers are
    /// used by one caller at a time (the camera thread's guidance, a capture worker's burst).
    private let chain: Locked<Chain>
    private struct Chain {
        let analyzer: FaceAnalyzer
        var debouncer = GuidanceDebouncer()
        var previous: ObservedFace?
        /// The last preview frame's face (when exactly one) and the image it was found in, for the liveness
        /// detector (`ChainPresentationDetector`), so the chain runs once per frame.
        var lastPreviewResult: (face: DetectedFace?, image: RGBImage)?
    }

    /// A second face chain for the burst (issue 19, "both cores where it pays"): the burst's frames are judged
    /// on two threads, each with its own chain (one thread per frame, as the chain is not reentrant); nil judges
    /// the burst on the caller's thread alone.
    private let burstHelper: Locked<FaceAnalyzer>?

    /// `burstThreads` 2 judges a burst's frames on two threads (a second chain in memory: the five models' 13 MB of weights again, and its working memory);
    /// 1 on the calling thread only. The chosen photo is the same either way.
    public init(modelDirectory: String, profile: PhotoProfile, thresholds: QualityThresholds = QualityThresholds(),
                burstThreads: Int = 2) throws(FaceAnalyzer.LoadError) {
        chain = Locked(Chain(analyzer: try FaceAnalyzer(modelDirectory: modelDirectory)))
        burstHelper = burstThreads >= 2 ? Locked(try FaceAnalyzer(modelDirectory: modelDirectory)) : nil
        self.profile = profile
        evaluator = GuidanceEvaluator(profile: profile, thresholds: thresholds)
        checker = ComplianceChecker(profile: profile, thresholds: thresholds)
    }

    public func guidance(for frame: Frame) -> VisitCore.GuidanceCode {
        // Previews are judged small (DCT-scaled JPEG) and their landmarks scaled to the frame's size,
        // which is what the photo will be cut from.
        let scale: JPEGScale = frame.size.width >= 1600 ? .quarter : (frame.size.width >= 800 ? .half : .full)
        let image = try? frame.rgbImage(scale: scale)
        let elapsed = ContinuousClock.now - started
        let milliseconds = elapsed.inMilliseconds
        return chain.withLock { chain -> VisitCore.GuidanceCode in
            guard let image else {
                chain.lastPreviewResult = nil
                return .noFace
            }
            let factor = Double(frame.size.width) / Double(max(image.width, 1))
            let detected = chain.analyzer.analyze(image, mode: .preview)
            chain.lastPreviewResult = (detected.count == 1 ? detected[0] : nil, image)
            let faces = detected.map { face -> ObservedFace in
                var observed = ObservedFace(face)
                observed.geometry = observed.geometry.mapped(by: .scale(factor))
                return observed
            }
            let evaluation = evaluator.evaluate(faces: faces, frameWidth: frame.size.width, frameHeight: frame.size.height,
                                                previous: chain.previous)
            chain.previous = faces.count == 1 ? faces[0] : nil
            let shown = chain.debouncer.update(evaluation.code, at: milliseconds)
            return evaluation.ready && shown == .holdStill ? .good : VisitCore.GuidanceCode(shown)
        }
    }

    /// What the face chain found in the last preview frame (nil before the first): its one face (nil with none
    /// or several) and the image, at the preview's scale. The camera thread asks it right after `guidance`.
    public func lastPreview() -> (face: DetectedFace?, image: RGBImage)? {
        chain.withLock { $0.lastPreviewResult }
    }

    /// Drops the last preview frame's image and face (the visit was wiped: no picture of anybody stays).
    public func forgetPreview() {
        chain.withLock { chain in
            // Zeroed before it is dropped: the preview image shows the person who just left.
            if chain.lastPreviewResult != nil {
                chain.lastPreviewResult!.image.pixels.withUnsafeMutableBufferPointer { buffer in
                    for index in buffer.indices { buffer[index] = 0 }
                }
            }
            chain.lastPreviewResult = nil
            chain.previous = nil
        }
    }

    public func process(burst: [Frame]) throws(PhotoFailure) -> VisitCore.ProcessedPhoto {
        let (candidates, lastProblem) = judge(burst)
        guard let best = BestFrameSelector.choose(candidates.map(\.report)) else { throw .noUsableFrame(lastProblem) }
        let (photo, report) = candidates[best]
        let jpeg: [UInt8]
        do { jpeg = try JPEG.encode(photo.image, options: .finalPhoto) } catch { throw .processing("\(error)") }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let reportJSON = (try? encoder.encode(report)).map { [UInt8]($0) } ?? []
        // What the citizen can still improve: the mandatory failures only (an optional pitch estimate must
        // not send a frontal face back to "look straight"), once each.
        var advice: [VisitCore.GuidanceCode] = []
        var findings: [PhotoFinding] = []
        for check in report.checks where !check.pass && check.mandatory {
            if let code = adviceCode(check), !advice.contains(code) { advice.append(code) }
            findings.append(PhotoFinding(check: check.id, advice: photoAdvice(check)))
        }
        return VisitCore.ProcessedPhoto(jpeg: jpeg, compliant: report.compliant, advice: advice, findings: findings, reportJSON: reportJSON)
    }

    private typealias Candidate = (photo: Compliance.ProcessedPhoto, report: ComplianceReport)
    /// One frame's judgement: a candidate, or why it cannot be one (nil: the frame could not be decoded).
    private typealias Judgement = Result<Candidate, GuidanceProblem>
    private struct GuidanceProblem: Error { let code: VisitCore.GuidanceCode }

    /// Each frame of the burst cut and checked (frames without exactly one face, or that cannot be cut,
    /// left out), in capture order, and what was wrong with the last one left out. With the helper chain
    /// the even frames are judged on this thread and the odd ones on a second (DispatchQueue.concurrentPerform).
    private func judge(_ burst: [Frame]) -> (candidates: [Candidate], lastProblem: VisitCore.GuidanceCode) {
        var judgements = [Judgement?](repeating: nil, count: burst.count)
        if let burstHelper, burst.count > 1 {
            let halves = Locked([Int: Judgement?]())
            DispatchQueue.concurrentPerform(iterations: 2) { half in
                let judge = { (analyzer: FaceAnalyzer) in
                    for index in stride(from: half, to: burst.count, by: 2) {
                        let judgement = self.judge(burst[index], with: analyzer)
                        halves.withLock { $0[index] = judgement }
                    }
                }
                if half == 0 { chain.withLock { judge($0.analyzer) } } else { burstHelper.withLock { judge($0) } }
            }
            halves.withLock { for (index, judgement) in $0 { judgements[index] = judgement } }
        } else {
            chain.withLock { chain in
                for index in burst.indices { judgements[index] = judge(burst[index], with: chain.analyzer) }
            }
        }
        var candidates: [Candidate] = []
        var lastProblem = VisitCore.GuidanceCode.noFace
        for judgement in judgements {
            switch judgement {
            case .success(let candidate): candidates.append(candidate)
            case .failure(let problem): lastProblem = problem.code
            case nil: continue
            }
        }
        return (candidates, lastProblem)
    }

    private func judge(_ frame: Frame, with analyzer: FaceAnalyzer) -> Judgement? {
        guard let image = try? frame.rgbImage() else { return nil }
        let faces = analyzer.analyze(image)
        guard faces.count == 1 else { return .failure(GuidanceProblem(code: faces.isEmpty ? .noFace : .onlyOnePerson)) }
        do {
            let photo = try PhotoProcessor.process(image, face: faces[0].geometry, profile: profile)
            let report = checker.check(photo.image, faces: analyzer.observe(photo.image))
            return .success((photo, report))
        } catch {
            return .failure(GuidanceProblem(code: VisitCore.GuidanceCode(GuidanceEvaluator.code(for: error))))
        }
    }
}

extension CompliancePhotoPipeline {
    /// What the citizen can do about a failed check, when it is something they can do.
    func adviceCode(_ check: CheckResult) -> VisitCore.GuidanceCode? {
        switch check.id {
        case .singleFacePresent: return (check.value ?? 0) < 1 ? .noFace : .onlyOnePerson
        case .interEyeDistance: return .tooFar
        // A head too large for the photo means too near; too small, too far.
        case .headHeightRatio: return (check.value ?? 0) > profile.headHeightRatio.upperBound ? .tooNear : .tooFar
        case .headWidthRatio: return (check.value ?? 0) > profile.headWidthRatio.upperBound ? .tooNear : .tooFar
        case .headRoll: return .straightenHead
        case .headYaw, .headPitch: return .lookStraight
        case .eyesOpen: return .openEyes
        case .mouthClosed: return .closeMouth
        case .sharpness: return .holdStill
        // The picture's left edge is the citizen's right (Compliance.GuidanceCode): a face left of centre
        // moves to its left.
        case .horizontalCentring: return (check.value ?? 0.5) < 0.5 ? .moveLeft : .moveRight
        // Eyes too high in the photo: come lower; too low: come higher.
        case .eyeLinePosition: return (check.value ?? 0.5) < profile.eyeLinePosition.lowerBound ? .lower : .higher
        // Nothing a move in front of the camera fixes (`photoAdvice` says what helps). Listed, not `default`:
        // a new check must be placed here or above on purpose.
        case .eyesVisible, .eyeGlare, .faceOcclusion, .handAtFace, .backgroundUniformity, .backgroundColour, .backgroundShadows,
             .illuminationUniformity, .hotSpots, .redEyes, .exposure, .dynamicRange, .naturalColour, .imageSize, .colourSpace:
            return nil
        }
    }

    /// What helps with any failed check: a guidance code where the citizen can fix it by moving, else what
    /// else helps, else "please ask the staff" (never nothing).
    func photoAdvice(_ check: CheckResult) -> PhotoAdvice {
        if let code = adviceCode(check) { return .guidance(code) }
        switch check.id {
        case .backgroundUniformity: return .remedy(.clearBackground)
        case .illuminationUniformity, .faceOcclusion, .handAtFace: return .remedy(.uncoverFace)
        case .eyesVisible, .eyeGlare, .backgroundColour, .backgroundShadows, .hotSpots, .redEyes, .exposure, .dynamicRange,
             .naturalColour, .imageSize, .colourSpace:
            return .remedy(.askStaff)
        // These always have a guidance code (adviceCode), so they do not reach here.
        case .singleFacePresent, .interEyeDistance, .headHeightRatio, .headWidthRatio, .headRoll, .headYaw, .headPitch, .eyesOpen,
             .mouthClosed, .sharpness, .horizontalCentring, .eyeLinePosition:
            return .remedy(.askStaff)
        }
    }
}

extension VisitCore.GuidanceCode {
    /// The kiosk's code for Compliance's.
    init(_ code: Compliance.GuidanceCode) {
        switch code {
        case .noFace: self = .noFace
        case .onlyOnePerson: self = .onlyOnePerson
        case .tooNear: self = .tooNear
        case .tooFar: self = .tooFar
        case .moveLeft: self = .moveLeft
        case .moveRight: self = .moveRight
        case .higher: self = .higher
        case .lower: self = .lower
        case .lookStraight: self = .lookStraight
        case .straightenHead: self = .straightenHead
        case .openEyes: self = .openEyes
        case .openRightEye: self = .openRightEye
        case .openLeftEye: self = .openLeftEye
        case .closeMouth: self = .closeMouth
        case .holdStill: self = .holdStill
        }
    }
}
