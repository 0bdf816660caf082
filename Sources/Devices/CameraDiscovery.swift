import Capture
import Platform

/// What one video node is and offers, for `fotoboxctl camera list` and `devices`.
public struct CameraInfo: Sendable, Equatable {
    public var path: String
    public var capabilities: DeviceCapabilities
    public var formats: [FormatDescription]
    public var controls: [ControlInfo]
}

/// Finds the video capture nodes.
public enum CameraDiscovery {
    /// `/dev/video*` nodes in numeric order.
    public static func videoNodes(directory: String = "/dev") -> [String] {
        let names = (try? FileSystem.listDirectory(directory)) ?? []
        return names.filter { $0.hasPrefix("video") && Int($0.dropFirst(5)) != nil }
            .sorted { Int($0.dropFirst(5))! < Int($1.dropFirst(5))! }
            .map { directory + "/" + $0 }
    }

    /// Every node that can capture video, described; metadata and output nodes are left out, and nodes
    /// that cannot be opened are returned as errors beside them.
    public static func cameras(directory: String = "/dev") -> (cameras: [CameraInfo], errors: [CameraError]) {
        var cameras: [CameraInfo] = []
        var errors: [CameraError] = []
        for path in videoNodes(directory: directory) {
            // Listing must not change a camera: no controls are set.
            let camera = V4L2Camera(path: path, controls: CameraControlSettings(powerLineFrequency: nil), log: .silent)
            do {
                let info = try camera.describe()
                if info.capabilities.canCapture && !info.capabilities.isMetadata { cameras.append(info) }
            } catch CameraError.notACaptureDevice {
                continue
            } catch { errors.append(error) }
            camera.close()
        }
        return (cameras, errors)
    }
}
