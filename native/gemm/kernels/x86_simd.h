// x86 SIMD intrinsics for the kernel files: the compiler's own, or SIMDe's
// portable implementations of the same names when QGEMM_SIMDE is defined.
// The emulated test build (scripts/test-isa.sh) compiles the AVX-512 VNNI and
// AVX-VNNI kernels a second time this way, so the very source the addon runs
// is proven exact on CPUs without those instructions.
#pragma once

#ifdef QGEMM_SIMDE
#define SIMDE_ENABLE_NATIVE_ALIASES
#include <simde/x86/avx512.h>
// AVX-VNNI's VEX form has its own name in the compilers' headers; SIMDe has
// the identical EVEX operation under the AVX-512 VL name.
#define _mm256_dpbusd_avx_epi32(src, a, b) simde_mm256_dpbusd_epi32(src, a, b)
#else
#include <immintrin.h>
#endif
