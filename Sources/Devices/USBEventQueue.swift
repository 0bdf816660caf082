import CUSB
import Dispatch
import Platform

/// A blocking FIFO between one producer thread and one consumer, with a timed wait: the items behind the
/// project's one lock (`Locked`), a counting semaphore saying how many were pushed.
final class USBEventQueue<Element: Sendable>: Sendable {
    private let queue = Locked(Items())
    /// One signal per push. `removeAll` leaves surplus signals behind; `pop` then finds nothing and waits on.
    private let pushed = DispatchSemaphore(value: 0)

    private struct Items {
        var items: [Element] = []
        var head = 0
    }

    func push(_ item: Element) {
        queue.withLock { $0.items.append(item) }
        pushed.signal()
    }

    /// The oldest item, waiting up to `timeoutMilliseconds` (monotonic); nil when none came.
    func pop(timeoutMilliseconds: Int) -> Element? {
        let deadline = DispatchTime.now() + .milliseconds(max(timeoutMilliseconds, 0))
        while pushed.wait(timeout: deadline) == .success {
            let item = queue.withLock { queue -> Element? in
                guard queue.head < queue.items.count else { return nil }
                let item = queue.items[queue.head]
                queue.head += 1
                if queue.head == queue.items.count { queue.items.removeAll(keepingCapacity: true); queue.head = 0 }
                return item
            }
            if let item { return item }
        }
        return nil
    }

    /// Drops everything queued.
    func removeAll() {
        queue.withLock { $0 = Items() }
    }
}

extension USBError {
    /// A USB thread (interrupt reader, hotplug loop) could not start: the system is out of threads or
    /// memory, which libusb calls NO_MEM.
    init(threadNotStarted error: SystemError) {
        self.init(call: error.description, code: LIBUSB_ERROR_NO_MEM.rawValue)
    }
}
