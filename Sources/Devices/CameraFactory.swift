/// The camera a config's `camera.device` names: a replay directory, or a V4L2 node that recovers from its
/// faults by itself.
public enum CameraFactory {
    public static func make(device: String, controls: CameraControlSettings = CameraControlSettings(),
                            log: CameraLog = .standardError) -> any Camera {
        if ReplayCamera.isReplay(device) { return ReplayCamera(device, log: log) }
        return RecoveringCamera(V4L2Camera(path: device, controls: controls, log: log),
                                hotplug: try? HotplugMonitor(), log: log)
    }
}
