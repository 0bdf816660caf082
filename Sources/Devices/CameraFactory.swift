import Configuration

/// The camera a config's `camera.device` names: a replay folder, or a V4L2 node that recovers from its
/// faults by itself.
public enum CameraFactory {
    public static func make(source: CameraSource, controls: CameraControlSettings = CameraControlSettings(),
                            log: CameraLog = .standardError) -> any Camera {
        switch source {
        case .replay(let folder): ReplayCamera(folder: folder, log: log)
        case .device(let path): RecoveringCamera(V4L2Camera(path: path, controls: controls, log: log), hotplug: try? HotplugMonitor(), log: log)
        }
    }
}
