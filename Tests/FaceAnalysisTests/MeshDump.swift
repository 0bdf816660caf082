import FaceAnalysis
import FotoboxTestSupport
import Foundation
import Imaging
import Platform
import Testing

/// Writes the chain's mesh of every shared portrait to `$FOTOBOX_MESH_DUMP` (one line per face: folder/file, face
/// index, crown, then the 468 points x y z) for offline measurement; runs only when that variable is set.
@Suite struct MeshDump {
    @Test(.enabled(if: ProcessInfo.processInfo.environment["FOTOBOX_MESH_DUMP"] != nil), .needsModels, .needsTestData())
    func dumpMeshes() throws {
        let out = try #require(ProcessInfo.processInfo.environment["FOTOBOX_MESH_DUMP"])
        let analyzer = try FaceAnalyzer(modelDirectory: try TestData.models())
        var text = ""
        for folder in ["faces/frll", "faces/attributes/controls", "faces/attributes/expression", "faces/attributes/gaze_averted",
                       "faces/attributes/head_covering", "faces/attributes/mouth_open", "faces/attributes/occlusion",
                       "faces/attributes/smiling", "faces/attributes/yaw", "faces/eyes-closed", "faces/cluttered", "frames"] {
            let path = TestData.path(folder)
            guard FileSystem.exists(path) else { continue }
            for file in try FileSystem.listDirectory(path).filter({ $0.hasSuffix(".jpg") }).sorted() {
                guard let image = try? TestData.image(path + "/" + file) else { continue }
                for (k, face) in analyzer.analyze(image).enumerated() {
                    var line = "\(folder)/\(file) \(k) \(face.crown.skullTop.x) \(face.crown.skullTop.y) \(face.crown.topOfHair.x) \(face.crown.topOfHair.y)"
                    line += " \(face.pupils.imageLeft.x) \(face.pupils.imageLeft.y) \(face.pupils.imageRight.x) \(face.pupils.imageRight.y)"
                    for p in face.landmarks { line += " \(p.x) \(p.y) \(p.z)" }
                    text += line + "\n"
                }
            }
        }
        try text.write(toFile: out, atomically: true, encoding: .utf8)
    }
}
