import Platform
import Capture
import Configuration
import Foundation
import Submission

// The ports: what a visit needs from the camera, the photo pipeline, the signature pad and the outbox.
// VisitCore owns these small protocols; Kiosk wires the real modules into them in `Station.swift` (a few
// lines each), and the test-support target `KioskTestSupport` has stand-ins for the tests.

/// Where preview and burst frames come from. `CameraFrameSource` adapts any `Devices.Camera`.
///
/// Not `Sendable`: a camera is one thread's. `VisitService` takes it as a `sending` argument (the caller
/// gives it up), keeps it in a `Handover` while no thread holds it, and its camera thread takes it out,
/// uses it, closes it when its loop ends and hands it back. (The thread takes it out itself rather than
/// capturing it: Swift 6.3 would not let the thread's body hand a captured source back, see `Handover`.) A
/// source that is `Sendable` anyway (a test's recording stand-in) may still be read by others.
public protocol FrameSource: AnyObject {
    /// For logs and status: "/dev/fotobox/camera", "replay:/dir".
    var name: String { get }
    /// The next frame, waiting at most `timeoutMilliseconds`; throws when the camera is unavailable
    /// (the caller retries with a backoff and shows "camera unavailable" meanwhile).
    func nextFrame(timeoutMilliseconds: Int) throws(CameraError) -> Frame
    /// Releases the camera (at shutdown).
    func close()
    /// Switches between the small preview stream and full-size stills (for the burst); the next frame comes
    /// in the new mode. Sources with one mode ignore it.
    func useStills(_ stills: Bool)
}

extension FrameSource {
    public func useStills(_ stills: Bool) {}
}

/// What the citizen should change, as a stable code the UI translates (`ui/i18n/*.json`: `guidance.<code>`).
public enum GuidanceCode: String, Sendable, CaseIterable, Codable {
    case good
    case noFace = "no-face"
    case onlyOnePerson = "only-one-person"
    case tooNear = "too-near"
    case tooFar = "too-far"
    case moveLeft = "move-left"
    case moveRight = "move-right"
    case higher
    case lower
    case lookStraight = "look-straight"
    case straightenHead = "straighten-head"
    case openEyes = "open-eyes"
    case openRightEye = "open-right-eye"
    case openLeftEye = "open-left-eye"
    case closeMouth = "close-mouth"
    case holdStill = "hold-still"
}

/// What a citizen can do about a failed check. Guidance codes where moving helps; otherwise what else
/// helps, or `askStaff` where the citizen can do nothing (a wall colour, the lighting, the camera).
/// The UI translates `advice.<code>` (and `guidance.<code>` for the guidance ones).
public enum PhotoAdvice: Sendable, Equatable, Hashable {
    case guidance(GuidanceCode)
    /// What helps when moving does not.
    case remedy(Remedy)

    /// The advice that is not a guidance code, each with the stable code the UI translates (`advice.<code>`):
    /// one definition of each code.
    public enum Remedy: String, Sendable, CaseIterable {
        /// Nobody and nothing behind the citizen (a bag, a second person, a coat on the wall).
        case clearBackground = "clear-background"
        /// Hair, a hat brim or a hand off the face (shadows, uneven light on the face).
        case uncoverFace = "uncover-face"
        /// Nothing the citizen can change: the staff can (light, wall, camera).
        case askStaff = "ask-staff"
    }

    /// The stable code the UI translates.
    public var code: String {
        switch self {
        case .guidance(let code): code.rawValue
        case .remedy(let remedy): remedy.rawValue
        }
    }

    /// The codes that are not guidance codes (`advice.<code>` in the catalogues).
    public static var ownCodes: [String] { Remedy.allCases.map(\.rawValue) }
}

/// One mandatory check the photo failed: which (`check`, the compliance report's id; the UI says why with
/// `check.<id>`) and what helps.
public struct PhotoFinding: Sendable, Equatable {
    public var check: CheckID
    public var advice: PhotoAdvice

    public init(check: CheckID, advice: PhotoAdvice) {
        self.check = check
        self.advice = advice
    }
}

/// A photo ready for review: the processed JPEG and the compliance report that goes with it.
/// Biometric data: never logged; zeroed when the visit is wiped.
public struct ProcessedPhoto: Sendable, Equatable {
    /// The processed photo (live profile: 1244×1600 JPEG).
    public var jpeg: [UInt8]
    /// All mandatory checks passed.
    public var compliant: Bool
    /// What the citizen could still improve (shown on the review screen when not compliant).
    public var advice: [GuidanceCode]
    /// Every failed mandatory check with what helps: the review and the summary say why the office may
    /// refuse the photo.
    public var findings: [PhotoFinding]
    /// The compliance report as JSON, sent with the submission.
    public var reportJSON: [UInt8]
    /// When its burst was taken (wall clock); the service stamps it.
    public var capturedAt: Date?

    public init(jpeg: [UInt8], compliant: Bool, advice: [GuidanceCode] = [], findings: [PhotoFinding] = [], reportJSON: [UInt8],
                capturedAt: Date? = nil) {
        self.jpeg = jpeg
        self.compliant = compliant
        self.advice = advice
        self.findings = findings
        self.reportJSON = reportJSON
        self.capturedAt = capturedAt
    }
}

/// Why no photo came out of a burst.
public enum PhotoFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// No frame of the burst had a usable face; the citizen is sent back to the guidance.
    case noUsableFrame(GuidanceCode)
    /// The camera stopped delivering.
    case cameraUnavailable(String)
    /// The burst and processing took longer than the capture limit (TR-03121: ≤ 30 s).
    case tooLong
    case processing(String)

    public var description: String {
        switch self {
        case .noUsableFrame(let code): "no usable frame in the burst (\(code.rawValue))"
        case .cameraUnavailable(let reason): "camera unavailable: \(reason)"
        case .tooLong: "the capture took longer than the limit"
        case .processing(let reason): "processing failed: \(reason)"
        }
    }
}

/// The photo pipeline: face chain + compliance checks + live guidance + best-frame choice.
public protocol PhotoPipeline: AnyObject, Sendable {
    /// Guidance for one preview frame. Implementations debounce, so the message does not flicker.
    func guidance(for frame: Frame) -> GuidanceCode
    /// Picks the best frame of a burst, crops and checks it.
    func process(burst: [Frame]) throws(PhotoFailure) -> ProcessedPhoto
}

/// Buttons the pad's own screen shows next to the signature field.
public enum PadButton: Sendable, Equatable {
    case accept
    case retry
}

/// Why the pad cannot give a signature.
public enum SignatureFailure: Error, Sendable, Equatable, CustomStringConvertible {
    case padUnavailable(String)
    /// Empty or tiny scribble: the citizen is asked to sign again.
    case tooSmall
    case rendering(String)

    public var description: String {
        switch self {
        case .padUnavailable(let reason): "signature pad unavailable: \(reason)"
        case .tooSmall: "signature too small"
        case .rendering(let reason): "signature rendering failed: \(reason)"
        }
    }
}

/// The signature pad, in the few operations a visit needs. Only the visit thread calls it, except `cancel()`;
/// `Sendable` because the `VisitService` that holds it is shared by the HTTP, camera and visit threads.
public protocol SignatureCapture: AnyObject, Sendable {
    /// Clears the pad, shows the prompt with OK / retry, turns inking on.
    func begin() throws(SignatureFailure)
    /// The strokes so far (for the on-screen mirror) and a button the citizen pressed on the pad since
    /// the last call, if any.
    func poll() -> (signature: Signature, pressed: PadButton?)
    /// Clears the strokes so the citizen can sign again.
    func clear()
    /// Renders the strokes into the document's signature JPEG (900×132 ID card); rejects a tiny scribble.
    func finish() throws(SignatureFailure) -> [UInt8]
    /// Clears the pad's screen and forgets the strokes (end of the signature step or wipe).
    func end()
    /// Set when the pad was lost during the signature (unplugged): the visit then says so.
    var failure: SignatureFailure? { get }
    /// Whether a pad is there, asked between visits so that a missing pad is told on the welcome screen
    /// (out of order) rather than after the photo.
    func probe() -> Bool
    /// Ends a running signature at once; safe from any thread (it never waits for the visit thread's pad calls).
    func cancel()
}

extension SignatureCapture {
    public var failure: SignatureFailure? { nil }
    public func probe() -> Bool { true }
    public func cancel() {}
}

/// What leaves the station for one visit: the only thing of it that survives the wipe.
public struct VisitSubmission: Sendable, Equatable {
    public var caseNumber: String
    public var photoJPEG: [UInt8]
    public var signatureJPEG: [UInt8]
    public var reportJSON: [UInt8]
    /// Shown to the citizen on the receipt and sent along, so the office can match it.
    public var confirmationCode: ConfirmationCode
    /// How the photo was taken (no name, no date of birth); the outbox adds the station's own facts.
    public var context: CaptureContext

    public init(caseNumber: String, photoJPEG: [UInt8], signatureJPEG: [UInt8], reportJSON: [UInt8],
                confirmationCode: ConfirmationCode, context: CaptureContext) {
        self.caseNumber = caseNumber
        self.photoJPEG = photoJPEG
        self.signatureJPEG = signatureJPEG
        self.reportJSON = reportJSON
        self.confirmationCode = confirmationCode
        self.context = context
    }
}

/// What the visit knows about how its photo was taken, carried typed to the office (issue 16, item 11).
public struct CaptureContext: Sendable, Equatable {
    public var language: Language
    /// Photos taken again after the first.
    public var retakes: Int
    /// All mandatory checks passed on the accepted photo.
    public var compliant: Bool
    /// From the start of the visit to the confirmation, whole seconds.
    public var visitSeconds: Int
    /// When the burst of the accepted photo was taken (wall clock, for the office's record).
    public var capturedAt: Date?
    /// The frame source's name; the service fills it in.
    public var camera: String

    public init(language: Language, retakes: Int, compliant: Bool, visitSeconds: Int, capturedAt: Date? = nil, camera: String = "") {
        self.language = language
        self.retakes = retakes
        self.compliant = compliant
        self.visitSeconds = visitSeconds
        self.capturedAt = capturedAt
        self.camera = camera
    }
}

/// Why the outbox did not take a submission.
public struct QueueFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { "outbox refused the submission: \(reason)" }
}

/// The outbox: durable, encrypted, delivers in the background.
public protocol SubmissionQueue: AnyObject, Sendable {
    /// Stores the submission durably (returns only once it is on disk, encrypted).
    func enqueue(_ submission: VisitSubmission) throws(QueueFailure)
    /// Whether the last delivery attempt reached the office (the receipt says "sent automatically later"
    /// when not).
    var officeReachable: Bool { get }
}

/// A moment of a visit: the time since the monotonic clock's origin (`KioskClock.now()`). A `Duration`, so
/// deadlines are instants plus durations and the pure machine's tests read `now: .seconds(10)`.
public typealias VisitInstant = Duration

/// The visit's monotonic time; injectable so the tests drive every timeout without waiting.
public protocol KioskClock: Sendable {
    func now() -> VisitInstant
}

/// The machine's monotonic clock (`ContinuousClock`).
public struct MonotonicKioskClock: KioskClock {
    /// One origin for every instance, so readings of two instances compare.
    private static let origin = ContinuousClock.now
    public init() {}
    public func now() -> VisitInstant { ContinuousClock.now - Self.origin }
}
