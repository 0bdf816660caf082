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

    public init(modelDirectory: String, profile: PhotoProfile, thresholds: QualityThresholds = QualityThresholds()) throws(FaceAnalyzer.LoadError) {
        chain = Locked(Chain(analyzer: try FaceAnalyzer(modelDirectory: modelDirectory)))
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
        let (candidates, lastProblem) = chain.withLock { chain in analyze(burst, with: chain.analyzer) }
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
            findings.append(PhotoFinding(check: check.id.rawValue, advice: photoAdvice(check)))
        }
        return VisitCore.ProcessedPhoto(jpeg: jpeg, compliant: report.compliant, advice: advice, findings: findings, reportJSON: reportJSON)
    }

    /// Each frame of the burst cut and checked (frames without exactly one face, or that cannot be cut,
    /// left out), and what was wrong with the last one left out.
    private func analyze(_ burst: [Frame], with analyzer: FaceAnalyzer)
        -> (candidates: [(photo: Compliance.ProcessedPhoto, report: ComplianceReport)], lastProblem: VisitCore.GuidanceCode) {
        var candidates: [(photo: Compliance.ProcessedPhoto, report: ComplianceReport)] = []
        var lastProblem = VisitCore.GuidanceCode.noFace
        for frame in burst {
            guard let image = try? frame.rgbImage() else { continue }
            let faces = analyzer.analyze(image)
            guard faces.count == 1 else {
                lastProblem = faces.isEmpty ? .noFace : .onlyOnePerson
                continue
            }
            do {
                let photo = try PhotoProcessor.process(image, face: faces[0].geometry, profile: profile)
                let report = checker.check(photo.image, faces: analyzer.analyze(photo.image).map(ObservedFace.init))
                candidates.append((photo, report))
            } catch {
                lastProblem = VisitCore.GuidanceCode(GuidanceEvaluator.code(for: error))
            }
        }
        return (candidates, lastProblem)
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
        default: return nil
        }
    }

    /// What helps with any failed check: a guidance code where the citizen can fix it by moving, else what
    /// else helps, else "please ask the staff" (never nothing).
    func photoAdvice(_ check: CheckResult) -> PhotoAdvice {
        if let code = adviceCode(check) { return .guidance(code) }
        switch check.id {
        case .backgroundUniformity: return .clearBackground
        case .illuminationUniformity, .faceOcclusion: return .uncoverFace
        default: return .askStaff
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
