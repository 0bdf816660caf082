#ifndef FOTOBOX_CPU_FEATURES_H
#define FOTOBOX_CPU_FEATURES_H

/// The instruction-set levels Fotobox has kernels for, read once from CPUID and XGETBV (the processor
/// must support an extension and the kernel must save its registers).
enum FotoboxCPULevel {
    /// Below x86-64-v2: Fotobox refuses to start (see cpu_features.c).
    FotoboxCPULevelUnsupported = 0,
    /// x86-64-v2 (SSE4.2, POPCNT, CMPXCHG16B, LAHF) or any aarch64 (NEON): the baseline kernels.
    FotoboxCPULevelBaseline = 1,
    /// x86-64-v3: AVX2, FMA, F16C, BMI1/2, LZCNT, MOVBE, with the YMM state enabled by the OS.
    FotoboxCPULevelAVX2 = 2,
    /// x86-64-v4: the v3 set plus AVX-512 F/BW/CD/DQ/VL, with the ZMM state enabled by the OS.
    FotoboxCPULevelAVX512 = 3,
};

/// The highest level this processor and kernel support.
int fotobox_cpu_level(void);

#endif
