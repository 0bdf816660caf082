import FotoboxTestSupport
#if canImport(Glibc)
import Glibc
#endif
import Kiosk
import Submission
import Platform
import Testing
import VisitCore

/// The kiosk's "Vorlesen": espeak-ng from Debian through Platform's process runner.
@Suite("Speech (espeak-ng)")
struct SpeechTests {
    @Test(.needsTools("/usr/bin/espeak-ng")) func eachLanguageComesBackAsWAV() throws {
        let speech = SpeechSynthesizer()
        for language in [Language.de, .en, .tr, .uk, .ar] {
            let wav = try speech.wav("Bitte schauen Sie in die Kamera.\u{7}", language: language)
            #expect(wav.starts(with: Array("RIFF".utf8)) && wav.count > 1000, "\(language): \(wav.count) bytes")
        }
    }

    @Test func aMissingEngineIsUnavailable() {
        let speech = SpeechSynthesizer(executable: "/nonexistent/espeak-ng")
        #expect(!speech.isAvailable)
        #expect(throws: SpeechError.unavailable("/nonexistent/espeak-ng")) { try speech.wav("Hallo", language: .de) }
    }

    @Test func aHungEngineIsKilledAtTheTimeLimitAndAFailingOneIsReported() throws {
        let directory = "/tmp/fotobox-speech-\(getpid())"
        try FileSystem.createDirectory(directory)
        defer { try? FileSystem.removeTree(directory) }
        try FileSystem.writeNewFile(directory + "/hangs", Array("#!/bin/sh\nexec sleep 60\n".utf8), mode: 0o700)
        try FileSystem.writeNewFile(directory + "/fails", Array("#!/bin/sh\ncat >/dev/null\nexit 2\n".utf8), mode: 0o700)
        let hung = SpeechSynthesizer(executable: directory + "/hangs", timeLimit: .milliseconds(200))
        #expect(throws: SpeechError.failed("espeak-ng gave no answer within 0.2 seconds")) { try hung.wav("Hallo", language: .de) }
        let failing = SpeechSynthesizer(executable: directory + "/fails")
        #expect(throws: SpeechError.failed("espeak-ng ended with status 2")) { try failing.wav("Hallo", language: .de) }
    }
}
