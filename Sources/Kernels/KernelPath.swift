/// The instruction-set paths the hot kernels are compiled for; `KernelDispatch` chooses one at start.
package enum KernelPath: String, CaseIterable, Sendable, Comparable {
    /// x86-64-v2 (SSE4.2, 128-bit vectors, separate multiply and add) or NEON on aarch64.
    case baseline
    /// x86-64-v3: AVX2 + FMA, 256-bit vectors.
    case avx2
    /// x86-64-v4: AVX-512 F/BW/CD/DQ/VL, 32 vector registers.
    case avx512

    /// What the path uses, for the journal and `fotoboxctl selftest`.
    package var instructions: String {
        switch self {
        case .baseline:
            #if arch(arm64)
            return "NEON"
            #else
            return "x86-64-v2, SSE4.2"
            #endif
        case .avx2: return "x86-64-v3, AVX2+FMA"
        case .avx512: return "x86-64-v4, AVX-512"
        }
    }

    package static func < (a: KernelPath, b: KernelPath) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// How a kernel forms `acc + a · b` on a path: one fused instruction where the path has FMA; on x86-64-v2,
/// which has none, a multiply and an add (`addingProduct` would call libm's `fmaf` per lane, ~30× slower).
public protocol MultiplyAdd {
    static func multiplyAdd(_ acc: SIMD8<Float>, _ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float>
    static func multiplyAdd(_ acc: SIMD16<Float>, _ a: SIMD16<Float>, _ b: SIMD16<Float>) -> SIMD16<Float>
}

/// One fused multiply-add per lane (AVX2+FMA, AVX-512, NEON).
public enum FusedMultiplyAdd: MultiplyAdd {
    @inlinable @inline(__always)
    public static func multiplyAdd(_ acc: SIMD8<Float>, _ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> {
        acc.addingProduct(a, b)
    }

    @inlinable @inline(__always)
    public static func multiplyAdd(_ acc: SIMD16<Float>, _ a: SIMD16<Float>, _ b: SIMD16<Float>) -> SIMD16<Float> {
        acc.addingProduct(a, b)
    }
}

/// A multiply, then an add (x86-64-v2).
public enum SeparateMultiplyAdd: MultiplyAdd {
    @inlinable @inline(__always)
    public static func multiplyAdd(_ acc: SIMD8<Float>, _ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> {
        acc + a * b
    }

    @inlinable @inline(__always)
    public static func multiplyAdd(_ acc: SIMD16<Float>, _ a: SIMD16<Float>, _ b: SIMD16<Float>) -> SIMD16<Float> {
        acc + a * b
    }
}
