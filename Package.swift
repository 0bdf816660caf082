// swift-tools-version: 6.0
// Fotobox: the software of a self-service biometric photo station.
// No Swift package dependencies: C libraries come from Debian through system-library targets.
import PackageDescription

/// A Debian C library wrapped by a system-library target (module map + shim header in Sources/<name>).
func systemLibrary(_ name: String, pkgConfig: String, apt: [String]) -> Target {
    .systemLibrary(name: name, path: "Sources/\(name)", pkgConfig: pkgConfig, providers: [.apt(apt)])
}

/// The instruction-set level a target is compiled for. The release build runs on any x86-64-v2 processor
/// (2009+; older ones are refused at start by CPUFeatures): the kernels that gain from wider vectors exist
/// once per level, in Kernels (baseline), KernelsAVX2 and KernelsAVX512, and KernelDispatch picks one at start
/// from CPUID (`FOTOBOX_KERNELS=baseline|avx2|avx512` forces one). On aarch64 the baseline is NEON.
/// Swift's clang importer does not accept the x86-64-vN names, so each level is given as the first CPU that
/// has it: Nehalem = x86-64-v2, Haswell = v3 + AES/PCLMUL/RDRAND (never emitted from plain code), Skylake-AVX512
/// = v4 + ADX/CLWB/CLFLUSHOPT (ADX is checked at start as well).
enum InstructionLevel: String {
    case baseline = "nehalem", avx2 = "haswell", avx512 = "skylake-avx512"
}

func kernelSettings(_ level: InstructionLevel = .baseline) -> [SwiftSetting] {
    #if arch(x86_64)
    return [.unsafeFlags(["-target-cpu", level.rawValue])]
    #else
    return []
    #endif
}

let package = Package(
    name: "Fotobox",
    products: [
        .executable(name: "fotoboxd", targets: ["fotoboxd"]),
        .executable(name: "fotoboxctl", targets: ["fotoboxctl"]),
        .executable(name: "fotobox-office", targets: ["fotobox-office"]),
    ],
    targets: [
        // C libraries, one thin shim each.
        systemLibrary("CJPEG", pkgConfig: "libjpeg", apt: ["libjpeg62-turbo-dev"]),
        systemLibrary("CV4L2", pkgConfig: "libv4l2", apt: ["libv4l-dev"]),
        systemLibrary("CUSB", pkgConfig: "libusb-1.0", apt: ["libusb-1.0-0-dev"]),
        systemLibrary("CSQLite", pkgConfig: "sqlite3", apt: ["libsqlite3-dev"]),
        systemLibrary("CCurl", pkgConfig: "libcurl", apt: ["libcurl4-openssl-dev"]),
        systemLibrary("CMicroHTTPD", pkgConfig: "libmicrohttpd", apt: ["libmicrohttpd-dev"]),
        systemLibrary("CGnuTLS", pkgConfig: "gnutls", apt: ["libgnutls28-dev"]),
        systemLibrary("CCrypto", pkgConfig: "libcrypto", apt: ["libssl-dev"]),
        // Header only, nothing linked but libc: what Glibc's Swift module leaves out (<sys/timex.h>) and
        // ThreadSanitizer's lock annotations (called by Platform's `Locked` only in the `make tsan` build).
        .systemLibrary(name: "CPlatform", path: "Sources/CPlatform"),
        // Tests only: the ORL liveness faces are PNG files.
        systemLibrary("CPNG", pkgConfig: "libpng", apt: ["libpng-dev"]),

        // Foundations: syscalls with typed errors, the config file, the argument parser.
        .target(name: "Platform", dependencies: ["CPlatform"]),
        .target(name: "Configuration", dependencies: ["Platform"]),
        .target(name: "Arguments", dependencies: ["Platform"]),
        .target(name: "SQLite", dependencies: ["CSQLite"]),
        .target(name: "WebServer", dependencies: ["CMicroHTTPD", "Platform"]),

        // The hot kernels, once per instruction-set level, and the choice between them at start.
        .target(name: "CPUFeatures"),
        .target(name: "Kernels", swiftSettings: kernelSettings()),
        .target(name: "KernelsAVX2", dependencies: ["Kernels"], swiftSettings: kernelSettings(.avx2)),
        .target(name: "KernelsAVX512", dependencies: ["Kernels"], swiftSettings: kernelSettings(.avx512)),
        .target(name: "KernelDispatch", dependencies: ["CPUFeatures", "Kernels", "KernelsAVX2", "KernelsAVX512"]),

        // The photo pipeline, bottom-up.
        .target(name: "Imaging", dependencies: ["CJPEG", "Kernels", "KernelDispatch"], swiftSettings: kernelSettings()),
        .target(name: "FaceAnalysis", dependencies: ["Imaging", "Platform", "Kernels", "KernelDispatch"], swiftSettings: kernelSettings()),
        .target(name: "Compliance", dependencies: ["Imaging", "FaceAnalysis", "Platform", "Configuration"]),
        // Presentation-attack detection: judges a sequence of preview frames' faces (issue 13).
        .target(name: "Liveness", dependencies: ["FaceAnalysis", "Imaging", "Platform", "Configuration"]),

        // What a camera and a pad deliver, as values (no device, no C library but libjpeg's decoder).
        .target(name: "Capture", dependencies: ["Imaging", "Platform"]),
        // Hardware.
        .target(name: "Devices", dependencies: ["CV4L2", "CUSB", "Platform", "Imaging", "Capture", "Configuration"]),

        // Transmission: the submission format (station and office), the station's outbox, the office's receiver.
        .target(name: "Submission", dependencies: ["CCrypto", "Imaging", "Platform", "Configuration"]),
        .target(name: "Outbox", dependencies: ["CCurl", "CCrypto", "SQLite", "Submission", "Platform", "Configuration"]),
        .target(name: "OfficeReceiver", dependencies: ["WebServer", "CGnuTLS", "CCrypto", "SQLite", "Submission", "Platform", "Configuration"]),

        // The technician's checks of a whole station (`fotoboxctl selftest`): each part once, within a time limit.
        .target(name: "Selftest", dependencies: ["Configuration", "Capture", "Devices", "FaceAnalysis", "Imaging", "KernelDispatch", "Outbox", "Platform", "Submission"]),

        // The citizen's visit: the pure machine, its ports in its own terms, the service that owns them.
        .target(name: "VisitCore", dependencies: ["CCrypto", "Capture", "Submission", "Platform", "Configuration", "Imaging"]),
        // The kiosk: HTTP API, device adapters for the visit's ports, the composition root.
        .target(name: "Kiosk", dependencies: ["VisitCore", "WebServer", "Capture", "Platform", "Configuration", "Imaging", "FaceAnalysis", "Compliance", "Liveness", "Devices", "Outbox", "Submission"]),

        // Thin executables.
        .executableTarget(name: "fotoboxd", dependencies: ["Kiosk", "VisitCore", "Configuration", "Arguments", "Platform", "KernelDispatch"]),
        .executableTarget(name: "fotoboxctl", dependencies: ["Arguments", "Configuration", "Platform", "Imaging", "FaceAnalysis", "KernelDispatch", "Compliance", "Capture", "Devices", "Submission", "Outbox", "Liveness", "Selftest"]),
        .executableTarget(name: "fotobox-office", dependencies: ["OfficeReceiver", "Submission", "Arguments", "Platform", "Configuration"]),

        // Test support (as swift-nio's NIOTestUtils): stand-ins for the visit's ports; never linked by a product.
        // The simulated pad as the tests drive it: a scripted hand with malformed reports, unplugs and I/O errors,
        // no pacing, and what the pad was told read back; never linked by a product.
        .target(name: "DevicesTestSupport", dependencies: ["Devices", "Platform"], path: "Tests/DevicesTestSupport"),
        // The tests' one raw-socket HTTP/1.1 client (what no client library would send), for the WebServer, Kiosk and
        // integration tests; never linked by a product.
        .target(name: "HTTPTestSupport", path: "Tests/HTTPTestSupport"),
        .target(name: "KioskTestSupport", dependencies: ["VisitCore", "Capture", "Devices", "Imaging", "Platform", "Configuration"], path: "Tests/KioskTestSupport"),

        // The VM rig's USB gadget signature pad (C over configfs + FunctionFS), built with the rest so the
        // VM runs it from .build/release (issue 6).
        .executableTarget(name: "stu-gadget", path: "vm/gadget", linkerSettings: [.linkedLibrary("m")]),

        // Hostile-input campaigns (`make fuzz`, scripts/fuzz): the harness of the in-process parsers. scripts/fuzz
        // builds it with libFuzzer and AddressSanitizer apart (.build/fuzz); the plain build writes seed corpora and
        // replays saved inputs. Never linked into a product.
        .executableTarget(name: "fotobox-fuzz", dependencies: ["Imaging", "FaceAnalysis", "Configuration", "Submission", "Platform"], path: "Fuzz/FotoboxFuzz"),

        // Benchmarks, apart from the tests (`make bench`).
        .executableTarget(name: "FotoboxBenchmarks", dependencies: ["Imaging", "FaceAnalysis", "Compliance", "Liveness", "Platform", "KernelDispatch", "Kiosk", "Capture"], path: "Benchmarks/FotoboxBenchmarks"),

        // What tests need from outside the package (shared photographs, models, built binaries) as traits.
        .target(name: "FotoboxTestSupport", dependencies: ["FaceAnalysis", "Platform"], path: "Tests/FotoboxTestSupport"),

        // Unit tests per module; IntegrationTests run the built executables and real servers.
        .testTarget(name: "ImagingTests", dependencies: ["Imaging", "Kernels", "KernelDispatch", "FotoboxTestSupport"]),
        // Test support: the liveness presentations built from ../shared/testdata (never in the product).
        .target(name: "LivenessTestSupport", dependencies: ["CPNG", "Imaging", "Platform"], path: "Tests/LivenessTestSupport"),
        .testTarget(name: "LivenessTests", dependencies: ["Liveness", "LivenessTestSupport", "FaceAnalysis", "Imaging", "Platform", "Configuration", "FotoboxTestSupport"]),
        .testTarget(name: "FaceAnalysisTests", dependencies: ["FaceAnalysis", "Imaging", "Platform", "Kernels", "KernelDispatch", "FotoboxTestSupport"]),
        .testTarget(name: "ComplianceTests", dependencies: ["Compliance", "FaceAnalysis", "Imaging", "Configuration", "FotoboxTestSupport"]),
        .testTarget(name: "DevicesTests", dependencies: ["Devices", "DevicesTestSupport", "Capture", "Imaging", "Platform", "CV4L2", "Configuration"]),
        .testTarget(name: "OutboxTests", dependencies: ["Outbox", "Submission", "OfficeReceiver", "SQLite", "Platform", "Configuration", "Imaging", "WebServer"]),
        .testTarget(name: "PlatformTests", dependencies: ["Platform"]),
        .testTarget(name: "ArgumentsTests", dependencies: ["Arguments", "Platform"]),
        .testTarget(name: "WebServerTests", dependencies: ["WebServer", "Platform", "HTTPTestSupport"]),
        .testTarget(name: "ConfigurationTests", dependencies: ["Configuration", "FotoboxTestSupport"]),
        .testTarget(name: "KioskTests", dependencies: ["Kiosk", "VisitCore", "Submission", "Compliance", "KioskTestSupport", "DevicesTestSupport", "HTTPTestSupport", "Liveness", "LivenessTestSupport", "FaceAnalysis", "WebServer", "Capture", "Devices", "Imaging", "Platform", "Configuration", "FotoboxTestSupport"]),
        .testTarget(name: "IntegrationTests", dependencies: ["HTTPTestSupport", "Imaging", "Submission", "Outbox", "OfficeReceiver", "SQLite", "Platform", "Configuration", "FotoboxTestSupport"]),
    ]
)
