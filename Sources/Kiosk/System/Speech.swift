import Platform
import Submission
import VisitCore

/// Why no speech came out.
public enum SpeechError: Error, Sendable, Equatable, CustomStringConvertible {
    /// espeak-ng is not installed (`scripts/setup`, the deb's dependency).
    case unavailable(String)
    /// Too many requests at once: the station's two cores belong to the visit first.
    case busy
    case failed(String)

    public var description: String {
        switch self {
        case .unavailable(let path): "no speech engine at \(path)"
        case .busy: "speech busy"
        case .failed(let reason): "speech failed: \(reason)"
        }
    }
}

/// Reads the screen's texts aloud in the visitor's language: espeak-ng from Debian, run locally for each
/// text (about 50 ms) through Platform's `ChildProcess`, WAV out; no network, nothing stored. The text goes
/// in on standard input, never as an argument, so no text is ever taken for an option.
public final class SpeechSynthesizer: Sendable {
    /// Longest text spoken at once (a step's heading and explanation fit; a longer one is cut).
    public static let maximumCharacters = 600
    /// The most WAV accepted: 600 characters at 150 words per minute are about 40 s, 1.8 MB at espeak-ng's
    /// 22,050 Hz, 16 bit mono.
    static let maximumWAVBytes = 8 << 20
    public let executable: String
    /// Words per minute: a little slower than espeak-ng's 175, for people who hear it once in a town hall.
    public let wordsPerMinute: Int
    /// A hung engine must not hold a request: it is killed after this long.
    public let timeLimit: Duration
    private let running = Locked(0)
    private let maximumAtOnce = 2

    public init(executable: String = "/usr/bin/espeak-ng", wordsPerMinute: Int = 150, timeLimit: Duration = .seconds(5)) {
        self.executable = executable
        self.wordsPerMinute = wordsPerMinute
        self.timeLimit = timeLimit
    }

    public var isAvailable: Bool { ChildProcess.isExecutable(executable) }

    /// espeak-ng's voice for each UI language.
    static func voice(_ language: Language) -> String {
        switch language {
        case .de: "de"
        case .en: "en-gb"
        case .tr: "tr"
        case .uk: "uk"
        case .ar: "ar"
        }
    }

    /// The text as WAV (RIFF) in `language`'s voice.
    public func wav(_ text: String, language: Language) throws(SpeechError) -> [UInt8] {
        guard isAvailable else { throw .unavailable(executable) }
        let admitted = running.withLock { count -> Bool in
            guard count < maximumAtOnce else { return false }
            count += 1
            return true
        }
        guard admitted else { throw .busy }
        defer { running.withLock { $0 -= 1 } }
        // Control characters out; espeak-ng reads plain text (no SSML without -m).
        let clean = String(String.UnicodeScalarView(text.unicodeScalars.filter { $0.properties.generalCategory != .control || $0 == "\n" })
            .prefix(Self.maximumCharacters))
        let run: ChildProcess.Captured
        do {
            run = try ChildProcess.run([executable, "-v", Self.voice(language), "-s", String(wordsPerMinute), "--stdout", "--stdin"],
                                       input: Array(clean.utf8), outputLimit: Self.maximumWAVBytes, deadline: .now + timeLimit)
        } catch {
            throw .failed("\(error)")
        }
        switch run.termination {
        case .exited(0) where run.output.count > 44 && run.output.starts(with: Array("RIFF".utf8)):
            return run.output
        case .exited(let status): throw .failed("espeak-ng ended with status \(status)\(status == 0 ? " without WAV" : "")")
        case .signalled(let signal): throw .failed("espeak-ng ended by signal \(signal)")
        case .deadlinePassed: throw .failed("espeak-ng gave no answer within \(timeLimit)")
        case .outputTooLarge: throw .failed("espeak-ng wrote more than \(Self.maximumWAVBytes) bytes")
        }
    }
}
