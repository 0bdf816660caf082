import Foundation
import Platform
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
/// text (about 50 ms), WAV out; no network, nothing stored. The text goes in on standard input, never as
/// an argument, so no text is ever taken for an option.
public final class SpeechSynthesizer: Sendable {
    /// Longest text spoken at once (a step's heading and explanation fit; a longer one is cut).
    public static let maximumCharacters = 600
    public let executable: String
    /// Words per minute: a little slower than espeak-ng's 175, for people who hear it once in a town hall.
    public let wordsPerMinute: Int
    private let running = Locked(0)
    private let maximumAtOnce = 2

    public init(executable: String = "/usr/bin/espeak-ng", wordsPerMinute: Int = 150) {
        self.executable = executable
        self.wordsPerMinute = wordsPerMinute
    }

    public var isAvailable: Bool { FileManager.default.isExecutableFile(atPath: executable) }

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
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["-v", Self.voice(language), "-s", String(wordsPerMinute), "--stdout", "--stdin"]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { throw .failed("\(error)") }
        // A hung engine must not hold a request: ended after a few seconds.
        let watchdog = DispatchWorkItem { if process.isRunning { process.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + 5, execute: watchdog)
        input.fileHandleForWriting.write(Data(clean.utf8))
        try? input.fileHandleForWriting.close()
        let audio = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        watchdog.cancel()
        guard process.terminationStatus == 0, audio.count > 44, audio.starts(with: Array("RIFF".utf8)) else {
            throw .failed("espeak-ng ended with status \(process.terminationStatus)")
        }
        return Array(audio)
    }
}
