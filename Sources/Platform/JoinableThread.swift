#if canImport(Glibc)
import Glibc
#endif
import CPlatform

/// A POSIX thread running one closure, which its owner joins: the USB readers, the fleet reporter, the
/// office's connection watchdog, the visit's threads, the outbox's delivery thread. Unlike Foundation's
/// `Thread`, `join()` waits for the closure to return, so whoever stops a thread knows it no longer touches
/// anything afterwards.
///
/// The closure is `sending`, not `@Sendable`: it may take over state that is not `Sendable` (a camera, an
/// uploader) from the thread that starts it, which gives it up; the new thread is then its one owner.
public final class JoinableThread: Sendable {
    private let thread: pthread_t
    /// Whether `join` (or `deinit`'s detach) has taken the thread: a pthread is joined exactly once.
    private let taken = Locked(false)

    /// The closure on its way to the new thread (through pthread_create's pointer, so only that thread
    /// ever calls it).
    private final class Body {
        let name: String
        let run: () -> Void
        init(name: String, run: sending @escaping () -> Void) {
            self.name = name
            self.run = run
        }
    }

    /// Starts `body` on a new thread named `name` (the kernel keeps 15 bytes of it, shown by `top -H`).
    /// `stackBytes` nil takes the system's default. Fails only when the system is out of threads or memory.
    /// `body` is sent to the new thread: what it captures is the new thread's from now on.
    public init(name: String, stackBytes: Int? = nil, _ body: sending @escaping () -> Void) throws(SystemError) {
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        if let stackBytes {
            let result = pthread_attr_setstacksize(&attributes, max(stackBytes, Int(PTHREAD_STACK_MIN)))
            if result != 0 { throw SystemError(call: "pthread_attr_setstacksize \(name)", errno: result) }
        }
        let box = Unmanaged.passRetained(Body(name: name, run: body)).toOpaque()
        var thread = pthread_t()
        // pthread calls return the error instead of setting errno, and are never interrupted (no EINTR).
        let result = pthread_create(&thread, &attributes, { argument in
            let body = Unmanaged<Body>.fromOpaque(argument!).takeRetainedValue()
            var name = body.name.utf8.prefix(15).map { CChar(bitPattern: $0) }
            name.append(0)
            _ = pthread_setname_np(pthread_self(), name)
            body.run()
            return nil
        }, box)
        if result != 0 {
            Unmanaged<Body>.fromOpaque(box).release()
            throw SystemError(call: "pthread_create \(name)", errno: result)
        }
        self.thread = thread
    }

    /// Waits for the closure to return. Only the first call waits; later ones return at once.
    /// Never call it from the thread itself.
    public func join() {
        guard take() else { return }
        pthread_join(thread, nil)
    }

    /// A thread nobody joined is detached, so its resources go when its closure returns.
    deinit {
        if take() { pthread_detach(thread) }
    }

    private func take() -> Bool {
        taken.withLock { taken in
            defer { taken = true }
            return !taken
        }
    }
}
