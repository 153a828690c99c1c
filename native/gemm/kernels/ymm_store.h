// Writing one row of a 16-column int32 tile held in two ymm: C =, += or
// + c_init, `cols` columns. For the AVX2-class kernels (s8_avx2.cc,
// s8_avxvnni.cc); static, so each file compiles its own copy with its own
// ISA flags (one shared inline copy could be linked into a file built for a
// smaller ISA).
#pragma once

#include <cstdint>

#include "gemm/kernels/x86_simd.h"

namespace qgemm {

static inline void store_ymm_row(int32_t* c, __m256i lo, __m256i hi, int cols, bool accumulate, const int32_t* init) {
  if (cols == 16) {
    __m256i* d = reinterpret_cast<__m256i*>(c);
    const __m256i* base = accumulate ? d : reinterpret_cast<const __m256i*>(init);
    if (base != nullptr) {
      lo = _mm256_add_epi32(lo, _mm256_loadu_si256(base));
      hi = _mm256_add_epi32(hi, _mm256_loadu_si256(base + 1));
    }
    _mm256_storeu_si256(d, lo);
    _mm256_storeu_si256(d + 1, hi);
    return;
  }
  alignas(32) uint32_t t[16];
  _mm256_store_si256(reinterpret_cast<__m256i*>(t), lo);
  _mm256_store_si256(reinterpret_cast<__m256i*>(t + 8), hi);
  uint32_t* d = reinterpret_cast<uint32_t*>(c);
  for (int j = 0; j < cols; ++j) {
    const uint32_t base = accumulate ? d[j] : init != nullptr ? static_cast<uint32_t>(init[j]) : 0u;
    d[j] = base + t[j];  // wraps like the accumulators
  }
}

}  // namespace qgemm
