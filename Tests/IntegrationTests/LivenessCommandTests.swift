import FotoboxTestSupport
import Foundation
import Imaging
import Platform
import Testing

/// `fotoboxctl liveness score|evaluate` as a technician runs them: the built binary, real presentations.
@Suite(.needsBuilt("fotoboxctl"), .needsModels, .needsTestData("liveness"))
struct LivenessCommandTests {
    static let models = OutboxRig.packageRoot + "/models"
    static let demo = TestData.directory + "/liveness/silent-face/demo"

    @Test func aRealPrintAttackIsNotBonaFideAndTheJSONHasTheDocumentedKeys() throws {
        let result = OutboxRig.fotoboxctl(["liveness", "score", Self.demo + "/print", "--challenge", "turn", "--models", Self.models, "--json"])
        #expect(result.status == 1, "\(result.standardOutput) \(result.standardError)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
        #expect(Set(json.keys) == ["score", "decision", "challenge", "frames", "cues"])
        #expect(json["challenge"] as? String == "turn" && json["frames"] as? Int == 26)
        let score = try #require(json["score"] as? Double)
        #expect((0...1).contains(score))
        #expect(["attack", "unsure"].contains(json["decision"] as? String))
        let cues = try #require(json["cues"] as? [String: Any])
        for key in ["parallax", "planarResidual", "rigidResidual", "blink", "movementDegrees", "challengeMet", "framesWithFace"] {
            #expect(cues[key] != nil, "missing cue \(key)")
        }
    }

    @Test func badFoldersAreClearErrorsWithTheDocumentedExitCodes() throws {
        let directory = OutboxRig.temporaryDirectory()
        defer { try? FileSystem.removeTree(directory) }
        let frame = try FileSystem.readFile(Self.demo + "/bona-fide/000.jpg")
        // One frame: usage (2).
        try FileSystem.createDirectory(directory + "/one")
        try FileSystem.writeNewFile(directory + "/one/000.jpg", frame)
        let one = OutboxRig.fotoboxctl(["liveness", "score", directory + "/one", "--models", Self.models])
        #expect(one.status == 2 && one.standardError.contains("at least 2 frames"), "\(one.standardError)")
        // Frames of different sizes: usage (2), naming the frame.
        try FileSystem.createDirectory(directory + "/mixed")
        try FileSystem.writeNewFile(directory + "/mixed/000.jpg", frame)
        try FileSystem.writeNewFile(directory + "/mixed/001.jpg", try JPEG.encode(RGBImage(width: 64, height: 48)))
        let mixed = OutboxRig.fotoboxctl(["liveness", "score", directory + "/mixed", "--models", Self.models])
        #expect(mixed.status == 2 && mixed.standardError.contains("001.jpg"), "\(mixed.standardError)")
        // No face (grey frames): 3.
        try FileSystem.createDirectory(directory + "/grey")
        var grey = RGBImage(width: 320, height: 240)
        for i in grey.pixels.indices { grey.pixels[i] = 128 }
        for k in 0..<3 { try FileSystem.writeNewFile(directory + "/grey/00\(k).jpg", try JPEG.encode(grey)) }
        let noFace = OutboxRig.fotoboxctl(["liveness", "score", directory + "/grey", "--models", Self.models])
        #expect(noFace.status == 3 && noFace.standardError.contains("no face"), "\(noFace.standardError)")
        // 10,000 frames: refused from the names alone (no frame is decoded; memory stays bounded).
        try FileSystem.createDirectory(directory + "/many")
        for k in 0..<10_000 { try FileSystem.writeNewFile(directory + "/many/" + String(format: "%05d.jpg", k), frame) }
        let many = OutboxRig.fotoboxctl(["liveness", "score", directory + "/many", "--models", Self.models])
        #expect(many.status == 2 && many.standardError.contains("10000 frames"), "\(many.standardError)")
        // A folder that does not exist, an unknown challenge: usage.
        #expect(OutboxRig.fotoboxctl(["liveness", "score", directory + "/absent", "--models", Self.models]).status == 2)
        #expect(OutboxRig.fotoboxctl(["liveness", "score", directory + "/one", "--challenge", "dance"]).status == 2)
    }

    @Test func evaluateGivesAPCERPerAttackFolderAndBPCER() throws {
        let result = OutboxRig.fotoboxctl(["liveness", "evaluate", "--bona-fide", Self.demo + "/bona-fide",
                                           "--attack", Self.demo + "/print", Self.demo + "/replay", "--models", Self.models, "--json"])
        #expect(result.status == 0, "\(result.standardError)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
        let attacks = try #require(json["attacks"] as? [[String: Any]])
        #expect(attacks.count == 2)
        for attack in attacks { #expect((0...1).contains(attack["apcer"] as? Double ?? -1)) }
        #expect(json["bonaFidePresentations"] as? Int == 1)
        #expect((0...1).contains(json["bpcer"] as? Double ?? -1))
    }
}
