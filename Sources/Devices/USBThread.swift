#if canImport(Glibc)
import Glibc
#endif
import CUSB
import Dispatch
import Platform

/// A POSIX thread running one closure: the interrupt reader and the hotplug event loop each get their
/// own, so a blocking libusb call never stalls the caller. `join()` waits for the closure to return.
///
/// `Sendable` without an unchecked promise: the pthread handle is a `let` set in `init`, and whether it was
/// joined sits behind the lock, so two `join()` calls from different threads join it once.
final class USBThread: Sendable {
    private let thread: pthread_t
    private let joined = Locked(false)

    private final class Body {
        let run: @Sendable () -> Void
        init(_ run: @escaping @Sendable () -> Void) { self.run = run }
    }

    /// Starts `body` on a new thread. Fails only when the system is out of threads.
    init(name: String, _ body: @escaping @Sendable () -> Void) throws(USBError) {
        let box = Unmanaged.passRetained(Body(body)).toOpaque()
        var thread = pthread_t()
        let result = pthread_create(&thread, nil, { argument in
            let body = Unmanaged<Body>.fromOpaque(argument!).takeRetainedValue()
            body.run()
            return nil
        }, box)
        if result != 0 {
            Unmanaged<Body>.fromOpaque(box).release()
            throw USBError(call: "pthread_create \(name) (errno \(result))", code: LIBUSB_ERROR_NO_MEM.rawValue)
        }
        self.thread = thread
    }

    /// Waits for the closure to return; a second call (from any thread) does nothing.
    func join() {
        let first = joined.withLock { joined -> Bool in
            defer { joined = true }
            return !joined
        }
        guard first else { return }
        pthread_join(thread, nil)
    }
}

extension MonotonicClock {
    /// Milliseconds of the monotonic clock: pen report arrival, capture deadlines.
    static func milliseconds() -> Int { Int(nanoseconds() / 1_000_000) }

    static func sleep(milliseconds: Int) {
        guard milliseconds > 0 else { return }
        var request = timespec(tv_sec: milliseconds / 1000, tv_nsec: (milliseconds % 1000) * 1_000_000)
        var remaining = timespec()
        // nanosleep is interrupted by signals; sleeping the remainder keeps the pacing.
        while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
    }
}

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
