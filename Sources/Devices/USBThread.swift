#if canImport(Glibc)
import Glibc
#endif
import CUSB

/// A POSIX thread running one closure: the interrupt reader and the hotplug event loop each get their
/// own, so a blocking libusb call never stalls the caller. `join()` waits for the closure to return.
final class USBThread: @unchecked Sendable {
    private var thread = pthread_t()
    private var joined = false

    private final class Body {
        let run: @Sendable () -> Void
        init(_ run: @escaping @Sendable () -> Void) { self.run = run }
    }

    /// Starts `body` on a new thread. Fails only when the system is out of threads.
    init(name: String, _ body: @escaping @Sendable () -> Void) throws(USBError) {
        let box = Unmanaged.passRetained(Body(body)).toOpaque()
        let result = pthread_create(&thread, nil, { argument in
            let body = Unmanaged<Body>.fromOpaque(argument!).takeRetainedValue()
            body.run()
            return nil
        }, box)
        if result != 0 {
            Unmanaged<Body>.fromOpaque(box).release()
            throw USBError(call: "pthread_create \(name) (errno \(result))", code: LIBUSB_ERROR_NO_MEM.rawValue)
        }
    }

    /// Waits for the closure to return; a second call does nothing.
    func join() {
        guard !joined else { return }
        joined = true
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

/// A blocking FIFO between one producer thread and one consumer, with a timed wait.
final class USBEventQueue<Element: Sendable>: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    private var condition = pthread_cond_t()
    private var items: [Element] = []
    private var head = 0

    init() {
        pthread_mutex_init(&mutex, nil)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(&condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(&condition)
        pthread_mutex_destroy(&mutex)
    }

    func push(_ item: Element) {
        pthread_mutex_lock(&mutex)
        items.append(item)
        pthread_cond_signal(&condition)
        pthread_mutex_unlock(&mutex)
    }

    /// The oldest item, waiting up to `timeoutMilliseconds`; nil when none came.
    func pop(timeoutMilliseconds: Int) -> Element? {
        var deadline = timespec()
        clock_gettime(CLOCK_MONOTONIC, &deadline)
        let nanoseconds = Int(deadline.tv_nsec) + max(timeoutMilliseconds, 0) % 1000 * 1_000_000
        deadline.tv_sec += max(timeoutMilliseconds, 0) / 1000 + nanoseconds / 1_000_000_000
        deadline.tv_nsec = nanoseconds % 1_000_000_000
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        while head == items.count {
            if pthread_cond_timedwait(&condition, &mutex, &deadline) == ETIMEDOUT { break }
        }
        guard head < items.count else { return nil }
        let item = items[head]
        head += 1
        if head == items.count { items.removeAll(keepingCapacity: true); head = 0 }
        return item
    }

    /// Drops everything queued.
    func removeAll() {
        pthread_mutex_lock(&mutex)
        items.removeAll(keepingCapacity: true)
        head = 0
        pthread_mutex_unlock(&mutex)
    }
}
