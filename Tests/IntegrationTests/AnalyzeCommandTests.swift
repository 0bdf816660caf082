import FotoboxTestSupport
import Foundation
import Imaging
import Platform
import Testing

/// `fotoboxctl analyze` as a technician runs it: the built binary, real photos, the installed models.
@Suite(.needsBuilt("fotoboxctl"), .needsModels, .needsTestData("faces/frll"), .needsTestData("frames"))
struct AnalyzeCommandTests {
    static let testData = TestData.directory
    static let models = OutboxRig.packageRoot + "/models"

    @Test func jsonHasTheDocumentedKeys() throws {
        let result = OutboxRig.fotoboxctl(["analyze", "--json", "--models", Self.models, Self.testData + "/faces/frll/001_03.jpg"])
        // An uncropped frame is not a compliant photo (size, framing): exit 1, with the checks saying why.
        #expect(result.status == 1, "\(result.standardError)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
        #expect(json["compliant"] as? Bool == false)
        let checks = try #require(json["checks"] as? [[String: Any]])
        let ids = Set(checks.compactMap { $0["id"] as? String })
        for id in ["singleFacePresent", "interEyeDistance", "headWidthRatio", "headHeightRatio", "eyeLinePosition",
                   "horizontalCentring", "headRoll", "headYaw", "headPitch", "eyesOpen", "mouthClosed",
                   "backgroundUniformity", "backgroundColour", "illuminationUniformity", "exposure", "dynamicRange",
                   "sharpness", "naturalColour", "imageSize", "colourSpace"] {
            #expect(ids.contains(id), "missing check \(id)")
        }
        for check in checks {
            #expect(Set(check.keys) == ["id", "value", "limit", "pass", "mandatory", "advice"], "\(check)")
        }
        #expect(checks.first { $0["id"] as? String == "imageSize" }?["pass"] as? Bool == false)
        let image = try #require(json["image"] as? [String: Any])
        #expect(image["width"] as? Int == 1350 && image["height"] as? Int == 1350)
        // Issue 14: how the file stored its colours (the colourSpace check's evidence).
        let encoding = try #require(json["colourEncoding"] as? [String: Any])
        #expect(encoding["model"] as? String == "yCbCr" && encoding["bitsPerSample"] as? Int == 8)
        #expect(encoding.keys.contains("iccProfile"))
        let faces = try #require(json["faces"] as? [[String: Any]])
        #expect(faces.count == 1)
        let face = try #require(faces.first)
        #expect((face["score"] as? Double ?? 0) > 0.5)
        #expect((face["box"] as? [Double])?.count == 4)
        let pupils = try #require(face["pupils"] as? [String: [Double]])
        let left = try #require(pupils["imageLeft"]), right = try #require(pupils["imageRight"])
        #expect(left.count == 2 && right.count == 2 && left[0] < right[0])
        let corners = try #require(face["eyeCorners"] as? [String: [Double]])
        #expect(Set(corners.keys) == ["imageLeftOuter", "imageLeftInner", "imageRightInner", "imageRightOuter"])
        #expect((face["chin"] as? [Double])?.count == 2 && (face["crown"] as? [Double])?.count == 2)
        let pose = try #require(face["pose"] as? [String: Double])
        #expect(Set(pose.keys) == ["yaw", "pitch", "roll"])
        // Issue 14: the rigid pose fit with its residual, each eye's openness, the mouth.
        let fit = try #require(face["poseFit"] as? [String: Double])
        #expect(Set(fit.keys) == ["yaw", "pitch", "roll", "residual"])
        #expect((fit["residual"] ?? 1) < 0.1 && abs(fit["yaw"] ?? 99) < 15)
        let eyes = try #require(face["eyeOpenness"] as? [String: Any])
        #expect((eyes["imageLeft"] as? Double ?? 0) > 0.2 && (eyes["imageRight"] as? Double ?? 0) > 0.2)
        #expect(eyes["readByIrisModel"] as? Bool == true)
        #expect((face["mouthOpenness"] as? Double ?? 1) < 0.12)
        // Issue 14's light findings, and their checks.
        let light = try #require(face["light"] as? [String: Any])
        #expect(Set(light.keys) == ["hotSpotArea", "eyeGlareArea", "underEyeLight", "redReflex", "backgroundShadowRatio"])
        #expect((light["redReflex"] as? [String: Any]).map { Set($0.keys) } == ["imageLeft", "imageRight"])
        let hidden = try #require(face["hiddenEye"] as? [String: Double])
        #expect(Set(hidden.keys) == ["imageLeft", "imageRight"] && hidden.values.allSatisfy { $0 <= 0.5 })
        let reported = try #require(face["reported"] as? [String: Any])
        #expect(Set(reported.keys) == ["foreheadSkinFraction", "mouthTeethFraction", "mouthCavityFraction"])
        for id in ["eyesVisible", "eyeGlare", "hotSpots", "redEyes", "backgroundShadows", "faceOcclusion", "handAtFace"] { #expect(ids.contains(id), "missing check \(id)") }
        // No hand in this portrait: the hand models ran (an empty list, not null) and handAtFace passes with 0 hands.
        #expect((face["hands"] as? [Any])?.isEmpty == true, "\(face["hands"] ?? "absent")")
        let hand = try #require(checks.first { $0["id"] as? String == "handAtFace" })
        #expect(hand["pass"] as? Bool == true && hand["value"] as? Double == 0 && hand["mandatory"] as? Bool == true)
    }

    /// Issue 14: a hand at the face is reported with its scores and distance, and refused.
    @Test(.needsTestData("faces/attributes")) func aHandAtTheFaceIsReportedAndRefused() throws {
        let result = OutboxRig.fotoboxctl(["analyze", "--json", "--models", Self.models, Self.testData + "/faces/attributes/occlusion/if_094.jpg"])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
        let face = try #require((json["faces"] as? [[String: Any]])?.first)
        let hands = try #require(face["hands"] as? [[String: Any]])
        let hand = try #require(hands.first { $0["isHand"] as? Bool == true })
        #expect(Set(hand.keys) == ["score", "presence", "isHand", "distanceToFace", "palmBox"])
        #expect((hand["presence"] as? Double ?? 0) >= 0.5 && (hand["distanceToFace"] as? Double ?? 1) <= 0.15)
        let check = try #require((json["checks"] as? [[String: Any]])?.first { $0["id"] as? String == "handAtFace" })
        #expect(check["pass"] as? Bool == false && check["value"] as? Double == 1)
    }

    @Test func twoPeopleAndNoOne() throws {
        let two = OutboxRig.fotoboxctl(["analyze", "--json", "--models", Self.models, Self.testData + "/frames/two_people.jpg"])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(two.standardOutput.utf8)) as? [String: Any])
        #expect((json["faces"] as? [Any])?.count == 2)
        let summary = OutboxRig.fotoboxctl(["analyze", "--models", Self.models, Self.testData + "/frames/two_people.jpg"])
        #expect(summary.status == 1 && summary.standardOutput.contains("2 faces"))
        #expect(summary.standardOutput.contains("FAIL  singleFacePresent"))
    }

    @Test func badInputIsOneLineAndExitOne() throws {
        let directory = OutboxRig.temporaryDirectory()
        defer { try? FileSystem.removeTree(directory) }
        try FileSystem.writeNewFile(directory + "/not-a-photo.jpg", Array("hello".utf8))
        let original = try FileSystem.readFile(Self.testData + "/faces/frll/001_03.jpg")
        try FileSystem.writeNewFile(directory + "/truncated.jpg", Array(original.prefix(3000)))
        for file in ["not-a-photo.jpg", "truncated.jpg", "missing.jpg"] {
            let result = OutboxRig.fotoboxctl(["analyze", "--models", Self.models, directory + "/" + file])
            #expect(result.status == 1, "\(file): \(result.status)")
            #expect(result.standardError.split(separator: "\n").count == 1, "\(file): \(result.standardError)")
            #expect(result.standardOutput.isEmpty)
        }
    }

    @Test func missingModelsExitThree() throws {
        let result = OutboxRig.fotoboxctl(["analyze", "--models", "/nonexistent", Self.testData + "/faces/frll/001_03.jpg"])
        #expect(result.status == 3)
        #expect(result.standardError.contains("face models not found"))
    }
}

extension AnalyzeCommandTests {
    /// A station's [checks] thresholds and profile reach `process` and `analyze`; a broken config is exit 2
    /// naming its line.
    @Test func stationConfigJudgesTheResult() throws {
        let directory = OutboxRig.temporaryDirectory()
        defer { try? FileSystem.removeTree(directory) }
        try FileSystem.writeNewFile(directory + "/strict.conf", Array("[visit]\nprofile = scan\n[checks]\nminimum-sharpness = 60\n".utf8))
        try FileSystem.writeNewFile(directory + "/bad.conf", Array("[checks]\nminimum-sharpness = lots\n".utf8))
        let portrait = Self.testData + "/faces/frll/004_03.jpg"
        let lenient = OutboxRig.fotoboxctl(["process", portrait, "--out", directory + "/a.jpg", "--profile", "scan", "--models", Self.models])
        #expect(!lenient.standardOutput.contains("FAIL  sharpness"), "\(lenient.standardOutput)")
        let strict = OutboxRig.fotoboxctl(["process", portrait, "--out", directory + "/b.jpg", "--config", directory + "/strict.conf", "--models", Self.models])
        #expect(strict.status == 1 && strict.standardOutput.contains("FAIL  sharpness") && strict.standardOutput.contains("622×800"))
        let broken = OutboxRig.fotoboxctl(["analyze", portrait, "--config", directory + "/bad.conf", "--models", Self.models])
        #expect(broken.status == 2 && broken.standardError.contains("bad.conf:2: checks.minimum-sharpness"))
    }
}

extension AnalyzeCommandTests {
    /// Issue 14, bad input: a grey photo is judged and refused for its colour space (exit 1, JSON says why); a
    /// 16-bit JPEG is a one-line error naming the bit depth; neither crashes.
    @Test func greyAndSixteenBitPhotosAreClearFailures() throws {
        let directory = OutboxRig.temporaryDirectory()
        defer { try? FileSystem.removeTree(directory) }
        let colour = try JPEG.decode(try FileSystem.readFile(Self.testData + "/faces/frll/001_03.jpg"))
        var grey = GrayImage(width: colour.width, height: colour.height)
        for i in 0..<(colour.width * colour.height) { grey.pixels[i] = colour.pixels[3 * i + 1] }
        try FileSystem.writeNewFile(directory + "/grey.jpg", try JPEG.encode(grey))
        let result = OutboxRig.fotoboxctl(["analyze", "--json", "--models", Self.models, directory + "/grey.jpg"])
        #expect(result.status == 1, "\(result.standardError)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
        #expect((json["colourEncoding"] as? [String: Any])?["model"] as? String == "greyscale")
        let checks = try #require(json["checks"] as? [[String: Any]])
        let colourSpace = try #require(checks.first { $0["id"] as? String == "colourSpace" })
        #expect(colourSpace["pass"] as? Bool == false && colourSpace["mandatory"] as? Bool == true)

        var deep = try JPEG.encode(colour)
        let sof = try #require((0..<(deep.count - 1)).first { deep[$0] == 0xFF && deep[$0 + 1] == 0xC0 })
        deep[sof + 4] = 16
        try FileSystem.writeNewFile(directory + "/deep.jpg", deep)
        let refused = OutboxRig.fotoboxctl(["analyze", "--models", Self.models, directory + "/deep.jpg"])
        #expect(refused.status == 1 && refused.standardOutput.isEmpty)
        #expect(refused.standardError.contains("16-bit"), "\(refused.standardError)")
        #expect(refused.standardError.split(separator: "\n").count == 1)
    }
}
