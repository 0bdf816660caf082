import CUSB
import Platform

/// A device arriving on or leaving the bus.
public enum USBHotplugEvent: Equatable, Sendable {
    case arrived(USBDeviceInfo)
    case left(USBDeviceInfo)
}

/// Watches the bus for one vendor's devices through libusb's hotplug callbacks (netlink or udev underneath)
/// and runs libusb's event loop on its own thread. Devices already present are reported as arrived first.
/// `stop()` (or deinit) deregisters and joins the thread.
///
/// `Sendable` without an unchecked promise: the registration (libusb's callback handle, an integer) and the
/// event thread sit behind the lock, so `stop()` from any thread (and `deinit`) deregisters and joins once;
/// libusb's context is thread-safe (`USBContext`).
public final class USBHotplugMonitor: Sendable {
    private let context: USBContext
    private let handler: @Sendable (USBHotplugEvent) -> Void
    private let running = Locked<(callback: libusb_hotplug_callback_handle, thread: JoinableThread)?>(nil)
    private let stopping = USBEventQueue<Bool>()

    /// Whether this libusb can watch the bus at all (it cannot in a container without netlink or udev).
    public static var isSupported: Bool { libusb_has_capability(UInt32(LIBUSB_CAP_HAS_HOTPLUG.rawValue)) != 0 }

    /// Starts watching `vendorID`'s devices; `handler` runs on the monitor's thread.
    public init(context: USBContext, vendorID: UInt16, handler: @escaping @Sendable (USBHotplugEvent) -> Void) throws(USBError) {
        guard Self.isSupported else { throw USBError(call: "libusb hotplug", code: LIBUSB_ERROR_NOT_SUPPORTED.rawValue) }
        self.context = context
        self.handler = handler
        let events = Int32(LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED.rawValue | LIBUSB_HOTPLUG_EVENT_DEVICE_LEFT.rawValue)
        let me = Unmanaged.passUnretained(self).toOpaque()
        var handle: libusb_hotplug_callback_handle = 0
        _ = try USBCall.checked("libusb_hotplug_register_callback") {
            libusb_hotplug_register_callback(context.raw, events, Int32(LIBUSB_HOTPLUG_ENUMERATE.rawValue), Int32(vendorID),
                                             LIBUSB_HOTPLUG_MATCH_ANY, LIBUSB_HOTPLUG_MATCH_ANY, { _, device, event, userData in
                guard let device, let userData else { return 0 }
                let monitor = Unmanaged<USBHotplugMonitor>.fromOpaque(userData).takeUnretainedValue()
                guard let info = try? USBContext.describe(device) else { return 0 }
                monitor.handler(event == LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED ? .arrived(info) : .left(info))
                return 0
            }, me, &handle)
        }
        let context = self.context
        let stopping = self.stopping
        do throws(SystemError) {
            let thread = try JoinableThread(name: "usb-hotplug") {
                var interval = timeval(tv_sec: 0, tv_usec: 100_000)
                while stopping.pop(timeoutMilliseconds: 0) == nil {
                    // Returns after an event or the interval, so stop() is noticed within 100 ms.
                    _ = libusb_handle_events_timeout_completed(context.raw, &interval, nil)
                }
            }
            running.withLock { $0 = (handle, thread) }
        } catch {
            libusb_hotplug_deregister_callback(context.raw, handle)
            throw USBError(threadNotStarted: error)
        }
    }

    deinit { stop() }

    /// Stops watching; no handler call starts after this returns.
    public func stop() {
        guard let (callback, thread) = running.withLock({ running in running.take() }) else { return }
        stopping.push(true)
        thread.join()
        libusb_hotplug_deregister_callback(context.raw, callback)
    }
}
