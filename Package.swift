// swift-tools-version: 6.0
// Fotobox: the software of a self-service biometric photo station.
// No Swift package dependencies: C libraries come from Debian through system-library targets.
import PackageDescription

/// A Debian C library wrapped by a system-library target (module map + shim header in Sources/<name>).
func systemLibrary(_ name: String, pkgConfig: String, apt: [String]) -> Target {
    .systemLibrary(name: name, path: "Sources/\(name)", pkgConfig: pkgConfig, providers: [.apt(apt)])
}

/// The pixel kernels are plain loops that LLVM vectorises; with the x86-64 baseline (SSE2) it cannot
/// vectorise the 3-byte RGB loads and stores at all, with AVX2 (Haswell, 2013+) the kernels run ~8× faster
/// (measured in issue 2). A station CPU without AVX2 builds with FOTOBOX_TARGET_CPU=x86-64.
func kernelSettings() -> [SwiftSetting] {
    #if arch(x86_64)
    let cpu = Context.environment["FOTOBOX_TARGET_CPU"] ?? "haswell"
    return [.unsafeFlags(["-target-cpu", cpu])]
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
        systemLibrary("COpenSSL", pkgConfig: "openssl", apt: ["libssl-dev"]),

        // Foundations: syscalls with typed errors, the config file, the argument parser.
        .target(name: "Platform"),
        .target(name: "Configuration", dependencies: ["Platform"]),
        .target(name: "Arguments", dependencies: ["Platform"]),

        // The photo pipeline, bottom-up.
        .target(name: "Imaging", dependencies: ["CJPEG", "Platform"], swiftSettings: kernelSettings()),
        .target(name: "FaceAnalysis", dependencies: ["Imaging", "Platform"], swiftSettings: kernelSettings()),
        .target(name: "Compliance", dependencies: ["Imaging", "FaceAnalysis"]),

        // Hardware and transmission.
        .target(name: "Devices", dependencies: ["CV4L2", "CUSB", "Platform", "Imaging"]),
        .target(name: "Outbox", dependencies: ["CSQLite", "CCurl", "CMicroHTTPD", "COpenSSL", "Platform", "Configuration", "Imaging"]),

        // The citizen's visit and the kiosk's local server.
        .target(name: "Kiosk", dependencies: ["CMicroHTTPD", "COpenSSL", "Platform", "Configuration", "Imaging", "FaceAnalysis", "Compliance", "Devices", "Outbox"]),

        // Thin executables.
        .executableTarget(name: "fotoboxd", dependencies: ["Kiosk", "Configuration", "Arguments"]),
        .executableTarget(name: "fotoboxctl", dependencies: ["CCurl", "COpenSSL", "Arguments", "Configuration", "Platform", "Imaging", "FaceAnalysis", "Compliance", "Devices", "Outbox", "Kiosk"]),
        .executableTarget(name: "fotobox-office", dependencies: ["Outbox", "Arguments", "Platform", "Configuration"]),

        // The VM rig's USB gadget signature pad (C over configfs + FunctionFS), built with the rest so the
        // VM runs it from .build/release (issue 6).
        .executableTarget(name: "stu-gadget", path: "vm/gadget", linkerSettings: [.linkedLibrary("m")]),

        // Benchmarks, apart from the tests (`make bench`).
        .executableTarget(name: "FotoboxBenchmarks", dependencies: ["Imaging", "FaceAnalysis", "Compliance", "Platform"], path: "Benchmarks/FotoboxBenchmarks"),

        // What tests need from outside the package (shared photographs, models, built binaries) as traits.
        .target(name: "FotoboxTestSupport", dependencies: ["FaceAnalysis", "Platform"], path: "Tests/FotoboxTestSupport"),

        // Unit tests per module; IntegrationTests run the built executables and real servers.
        .testTarget(name: "ImagingTests", dependencies: ["Imaging"]),
        .testTarget(name: "FaceAnalysisTests", dependencies: ["FaceAnalysis", "Imaging", "Platform", "FotoboxTestSupport"]),
        .testTarget(name: "ComplianceTests", dependencies: ["Compliance", "FaceAnalysis", "Imaging", "Configuration", "FotoboxTestSupport"]),
        .testTarget(name: "DevicesTests", dependencies: ["Devices", "Imaging", "Platform", "CV4L2"]),
        .testTarget(name: "OutboxTests", dependencies: ["Outbox", "Platform", "Configuration", "Imaging"]),
        .testTarget(name: "ArgumentsTests", dependencies: ["Arguments"]),
        .testTarget(name: "ConfigurationTests", dependencies: ["Configuration"]),
        .testTarget(name: "KioskTests", dependencies: ["Kiosk", "Devices", "Imaging", "Platform", "Configuration", "FotoboxTestSupport"]),
        .testTarget(name: "IntegrationTests", dependencies: ["Imaging", "Outbox", "Platform", "Configuration", "FotoboxTestSupport"]),
    ]
)
