// CPUID in C because Swift has no inline assembly. This file is built for the plain x86-64 baseline (no
// -target-cpu), so that its constructor can still run, and refuse clearly, on a processor older than
// the x86-64-v2 the rest of Fotobox is compiled for.
#include "CPUFeatures.h"

#if defined(__x86_64__)
#include <cpuid.h>
#include <unistd.h>

static unsigned long long read_xcr0(void) {
    unsigned int eax, edx;
    __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return ((unsigned long long)edx << 32) | eax;
}

int fotobox_cpu_level(void) {
    unsigned int a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return FotoboxCPULevelUnsupported;
    const unsigned int c1 = c;
    unsigned int ext_c = 0;
    if (__get_cpuid(0x80000001, &a, &b, &c, &d)) ext_c = c;
    const int v2 = (c1 & bit_SSE3) && (c1 & bit_SSSE3) && (c1 & bit_SSE4_1) && (c1 & bit_SSE4_2)
        && (c1 & bit_POPCNT) && (c1 & bit_CMPXCHG16B) && (ext_c & bit_LAHF_LM);
    if (!v2) return FotoboxCPULevelUnsupported;

    const unsigned long long xcr0 = (c1 & bit_OSXSAVE) ? read_xcr0() : 0;
    const int ymm_state = (xcr0 & 0x06) == 0x06;           // SSE and AVX state
    const int zmm_state = (xcr0 & 0xE6) == 0xE6;           // plus opmask, ZMM0-15 upper, ZMM16-31
    unsigned int b7 = 0;
    if (__get_cpuid_max(0, 0) >= 7) {
        __cpuid_count(7, 0, a, b, c, d);
        b7 = b;
    }
    const int v3 = ymm_state && (c1 & bit_AVX) && (c1 & bit_FMA) && (c1 & bit_F16C) && (c1 & bit_MOVBE)
        && (b7 & bit_AVX2) && (b7 & bit_BMI) && (b7 & bit_BMI2) && (ext_c & bit_LZCNT);
    if (!v3) return FotoboxCPULevelBaseline;
    const int v4 = zmm_state && (b7 & bit_AVX512F) && (b7 & bit_AVX512BW) && (b7 & bit_AVX512CD)
        && (b7 & bit_AVX512DQ) && (b7 & bit_AVX512VL) && (b7 & bit_ADX); // ADX: -target-cpu skylake-avx512
    return v4 ? FotoboxCPULevelAVX512 : FotoboxCPULevelAVX2;
}

/// Runs before main (and before any Swift code, which is compiled for x86-64-v2): an older processor
/// gets one clear line instead of a SIGILL somewhere later.
__attribute__((constructor)) static void fotobox_require_x86_64_v2(void) {
    if (fotobox_cpu_level() != FotoboxCPULevelUnsupported) return;
    static const char message[] =
        "fotobox: this processor lacks x86-64-v2 (SSE4.2, SSSE3, POPCNT, CMPXCHG16B, LAHF/SAHF); "
        "Fotobox needs an x86-64-v2 processor (Intel Nehalem / AMD Bulldozer, 2009, or later)\n";
    ssize_t ignored = write(2, message, sizeof message - 1);
    (void)ignored;
    _exit(78); // EX_CONFIG
}

#elif defined(__aarch64__)
int fotobox_cpu_level(void) { return FotoboxCPULevelBaseline; } // NEON is part of every AArch64 core
#else
int fotobox_cpu_level(void) { return FotoboxCPULevelBaseline; }
#endif
