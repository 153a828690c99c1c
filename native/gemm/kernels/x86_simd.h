// x86 SIMD intrinsics for the kernel files: the compiler's own, or SIMDe's
// portable implementations of the same names when QGEMM_SIMDE is defined.
// The emulated test build (CMakeLists.txt, scripts/test-isa.sh) compiles the
// AVX-512 and AVX-VNNI kernels a second time this way, so the very source the
// addon runs is proven exact on CPUs without those instructions.
#pragma once

#ifdef QGEMM_SIMDE
#define SIMDE_ENABLE_NATIVE_ALIASES
#include <simde/x86/avx512.h>

#include <cstdint>
#include <cstring>

// AVX-VNNI's VEX form has its own name in the compilers' headers; SIMDe has
// the identical EVEX operation under the AVX-512 VL name.
#define _mm256_dpbusd_avx_epi32(src, a, b) simde_mm256_dpbusd_epi32(src, a, b)

// SIMDe 0.7.4 lacks the masked loads and stores; these follow the Intel
// intrinsics guide: only lanes whose mask bit is set are read or written,
// other lanes of a load are zero.
template <typename V, typename T>
static inline V qgemm_maskz_loadu(uint16_t mask, const void* p) {
  alignas(64) T lanes[16] = {};
  for (int i = 0; i < 16; ++i) {
    if ((mask >> i) & 1) std::memcpy(&lanes[i], static_cast<const T*>(p) + i, sizeof(T));
  }
  V v;
  std::memcpy(&v, lanes, sizeof(v));
  return v;
}
template <typename V, typename T>
static inline void qgemm_mask_storeu(void* p, uint16_t mask, V v) {
  alignas(64) T lanes[16];
  std::memcpy(lanes, &v, sizeof(v));
  for (int i = 0; i < 16; ++i) {
    if ((mask >> i) & 1) std::memcpy(static_cast<T*>(p) + i, &lanes[i], sizeof(T));
  }
}
#define _mm512_maskz_loadu_epi32(mask, p) qgemm_maskz_loadu<__m512i, int32_t>(mask, p)
#define _mm512_maskz_loadu_ps(mask, p) qgemm_maskz_loadu<__m512, float>(mask, p)
#define _mm512_mask_storeu_epi32(p, mask, v) qgemm_mask_storeu<__m512i, int32_t>(p, mask, v)
#define _mm512_mask_storeu_ps(p, mask, v) qgemm_mask_storeu<__m512, float>(p, mask, v)
#else
#include <immintrin.h>
#endif
