#if canImport(Glibc)
import Glibc
#endif
import CPUFeatures
import Kernels
#if arch(x86_64)
import KernelsAVX2
import KernelsAVX512
#endif

/// Why `FOTOBOX_KERNELS` cannot be followed.
package enum KernelSelectionError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Not one of the path names.
    case unknownPath(String)
    /// A path this processor cannot run (it would die with SIGILL).
    case unsupportedPath(KernelPath, supported: [KernelPath])

    package var description: String {
        switch self {
        case .unknownPath(let value):
            return "\(KernelDispatch.environmentVariable)=\(value) names no kernel path (\(KernelPath.allCases.map(\.rawValue).joined(separator: ", ")))"
        case .unsupportedPath(let path, let supported):
            return "\(KernelDispatch.environmentVariable)=\(path.rawValue): this processor supports only \(supported.map(\.rawValue).joined(separator: ", "))"
        }
    }
}

/// Chooses the kernel path once per process, from CPUID, unless `FOTOBOX_KERNELS` forces one.
package enum KernelDispatch {
    package static let environmentVariable = "FOTOBOX_KERNELS"

    /// The paths this processor (and its kernel's saved register state) can run, baseline first.
    package static let supported: [KernelPath] = paths(forLevel: Int(fotobox_cpu_level()))

    /// `FOTOBOX_KERNELS` as it was at start, or nil.
    package static let requested: String? = getenv(environmentVariable).map { String(cString: $0) }

    /// The path asked for and allowed, or why not. fotoboxd refuses to start on a failure; everything else
    /// runs `active`.
    package static let selection: Result<KernelPath, KernelSelectionError> = choose(requested, supported: supported)

    /// The path every kernel call of this process takes: the forced one when allowed, else the best supported.
    package static let active: KernelPath = (try? selection.get()) ?? supported.last!

    /// The neural-network kernels of the active path.
    package static let neural: any NeuralKernelSet.Type = neural(active)

    /// The pixel kernels of the active path (Imaging's colour conversion, area resize, warps).
    package static let pixel: any PixelKernelSet.Type = pixel(active)

    /// The pixel kernels of `path` (tests run each supported one).
    package static func pixel(_ path: KernelPath) -> any PixelKernelSet.Type {
        precondition(supported.contains(path), "kernel path \(path) is not supported by this processor")
        switch path {
        case .baseline: return PixelKernelsBaseline.self
        #if arch(x86_64)
        case .avx2: return PixelKernelsAVX2.self
        case .avx512: return PixelKernelsAVX512.self
        #else
        case .avx2, .avx512: return PixelKernelsBaseline.self
        #endif
        }
    }

    /// The neural-network kernels of `path` (tests and the benchmark run each supported one).
    package static func neural(_ path: KernelPath) -> any NeuralKernelSet.Type {
        precondition(supported.contains(path), "kernel path \(path) is not supported by this processor")
        switch path {
        case .baseline: return NeuralKernelsBaseline.self
        #if arch(x86_64)
        case .avx2: return NeuralKernelsAVX2.self
        case .avx512: return NeuralKernelsAVX512.self
        #else
        case .avx2, .avx512: return NeuralKernelsBaseline.self
        #endif
        }
    }

    /// One line for the journal and `fotoboxctl selftest`: the path, what it uses, how it was chosen.
    package static var summary: String {
        let how: String
        switch selection {
        case .failure(let error): how = "chosen from CPUID because \(error)"
        case .success where requested?.isEmpty == false: how = "forced by \(environmentVariable)=\(requested!)"
        case .success: how = "chosen from CPUID"
        }
        return "\(active.rawValue) (\(active.instructions)), \(how); this processor supports \(supported.map(\.rawValue).joined(separator: ", "))"
    }

    /// The paths of a CPU level (the numbers of `FotoboxCPULevel`).
    package static func paths(forLevel level: Int) -> [KernelPath] {
        #if arch(x86_64)
        return Array(KernelPath.allCases.prefix(max(1, min(level, 3))))
        #else
        return [.baseline]
        #endif
    }

    /// Applies the `FOTOBOX_KERNELS` rule: unset or empty → the best supported path; a supported name → it.
    package static func choose(_ request: String?, supported: [KernelPath]) -> Result<KernelPath, KernelSelectionError> {
        guard let request, !request.isEmpty else { return .success(supported.last!) }
        guard let path = KernelPath(rawValue: request) else { return .failure(.unknownPath(request)) }
        guard supported.contains(path) else { return .failure(.unsupportedPath(path, supported: supported)) }
        return .success(path)
    }
}
