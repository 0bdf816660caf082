import CV4L2
import Platform

/// The fixed kiosk values for the camera's controls. A photo booth must not let the camera drift:
/// auto exposure, auto white balance and autofocus are switched off when a value is given for them.
/// nil leaves a control as the camera has it.
public struct CameraControlSettings: Sendable, Equatable {
    /// Exposure time in units of 100 µs (V4L2_CID_EXPOSURE_ABSOLUTE).
    public var exposure: Int?
    /// White balance in kelvin.
    public var whiteBalanceKelvin: Int?
    /// Focus position (driver units).
    public var focus: Int?
    /// Mains frequency against flicker from the room's lights.
    public var powerLineFrequency: PowerLineFrequency?

    public enum PowerLineFrequency: Int32, Sendable, Equatable {
        case disabled = 0, hertz50 = 1, hertz60 = 2
    }

    public init(exposure: Int? = nil, whiteBalanceKelvin: Int? = nil, focus: Int? = nil,
                powerLineFrequency: PowerLineFrequency? = .hertz50) {
        self.exposure = exposure
        self.whiteBalanceKelvin = whiteBalanceKelvin
        self.focus = focus
        self.powerLineFrequency = powerLineFrequency
    }

    /// The control writes these settings mean, in order: each automatic mode off before its value.
    package var writes: [(id: UInt32, name: String, value: Int32)] {
        var result: [(UInt32, String, Int32)] = []
        if let exposure {
            result.append((fotobox_V4L2_CID_EXPOSURE_AUTO(), "auto exposure", Int32(V4L2_EXPOSURE_MANUAL.rawValue)))
            result.append((fotobox_V4L2_CID_EXPOSURE_ABSOLUTE(), "exposure", Int32(clamping: exposure)))
        }
        if let whiteBalanceKelvin {
            result.append((fotobox_V4L2_CID_AUTO_WHITE_BALANCE(), "auto white balance", 0))
            result.append((fotobox_V4L2_CID_WHITE_BALANCE_TEMPERATURE(), "white balance", Int32(clamping: whiteBalanceKelvin)))
        }
        if let focus {
            result.append((fotobox_V4L2_CID_FOCUS_AUTO(), "autofocus", 0))
            result.append((fotobox_V4L2_CID_FOCUS_ABSOLUTE(), "focus", Int32(clamping: focus)))
        }
        if let powerLineFrequency {
            result.append((fotobox_V4L2_CID_POWER_LINE_FREQUENCY(), "power line frequency", powerLineFrequency.rawValue))
        }
        return result
    }

    /// Sets the controls the camera has, clamped to their ranges. Returns warnings for controls the
    /// camera lacks or refuses (a webcam without focus motor is normal, not an error).
    package func apply(to device: V4L2Device) -> [String] {
        let writes = self.writes
        guard !writes.isEmpty else { return [] }
        let available: [ControlInfo]
        do { available = try device.controls() } catch { return ["cannot list controls: \(error)"] }
        var warnings: [String] = []
        for write in writes {
            guard let info = available.first(where: { $0.id == write.id }), !info.isReadOnly else {
                if write.name != "power line frequency" || writes.count == 1 { warnings.append("has no \(write.name) control; left as it is") }
                continue
            }
            let value = min(max(write.value, info.minimum), info.maximum)
            if value != write.value { warnings.append("\(write.name) \(write.value) outside \(info.minimum)…\(info.maximum); set \(value)") }
            do { try device.setControlValue(write.id, value) } catch {
                warnings.append("\(write.name) not set: \(error)")
            }
        }
        return warnings
    }
}
