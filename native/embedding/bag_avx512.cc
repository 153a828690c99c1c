// The bag lookup with 16-lane AVX-512 vectors (bag_kernel.h).
// GCC 12 warns that the unmasked intrinsics' _mm512_undefined_* operands are
// uninitialized (GCC bug 105593): a false positive, silenced for this file.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#include <immintrin.h>

#include <cstring>

#include "embedding/bag_kernel.h"

namespace qgemm {
namespace {

struct Avx512Vec {
  using T = __m512;
  static constexpr int kLanes = 16;
  static T zero() { return _mm512_setzero_ps(); }
  static T set1(float x) { return _mm512_set1_ps(x); }
  static T load_f32(const float* p) { return _mm512_loadu_ps(p); }
  static T load_u8(const uint8_t* p) {
    return _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))));
  }
  static T load_u4(const uint8_t* row, int64_t c) {  // c is a multiple of 16: 8 whole bytes
    const __m128i b = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(row + (c >> 1)));
    const __m128i mask = _mm_set1_epi8(0x0F);
    const __m128i lo = _mm_and_si128(b, mask), hi = _mm_and_si128(_mm_srli_epi16(b, 4), mask);
    return _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_unpacklo_epi8(lo, hi)));
  }
  // Columns c, c + 2, ..., c + 30 (low nibbles) and c + 1, ..., c + 31 (high)
  // of the 16 bytes at p.
  static void load_u4_pair(const uint8_t* p, T* even, T* odd) {
    const __m512i b = _mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
    *even = _mm512_cvtepi32_ps(_mm512_and_si512(b, _mm512_set1_epi32(0x0F)));
    *odd = _mm512_cvtepi32_ps(_mm512_srli_epi32(b, 4));
  }
  // 32 columns in order from their even and odd halves.
  static void store_pair(float* p, T even, T odd) {
    const __m512i lo = _mm512_set_epi32(23, 7, 22, 6, 21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
    const __m512i hi = _mm512_set_epi32(31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8);
    _mm512_storeu_ps(p, _mm512_permutex2var_ps(even, lo, odd));
    _mm512_storeu_ps(p + 16, _mm512_permutex2var_ps(even, hi, odd));
  }
  static T add(T a, T b) { return _mm512_add_ps(a, b); }
  static T fma(T a, T b, T c) { return _mm512_fmadd_ps(a, b, c); }
  static T max_new(T x, T cur) { return _mm512_max_ps(x, cur); }
  static void store(float* p, T v) { _mm512_storeu_ps(p, v); }
  // F16C (every AVX-512 CPU has it): one exact conversion for both halves.
  static void load_halves(const uint8_t* p, float* scale, float* bias) {
    int32_t two;
    std::memcpy(&two, p, 4);
    const __m128 f = _mm_cvtph_ps(_mm_cvtsi32_si128(two));
    *scale = _mm_cvtss_f32(f);
    *bias = _mm_cvtss_f32(_mm_movehdup_ps(f));
  }
};

}  // namespace

namespace bag_detail {
void bag_range_avx512(const BagJob& j, int64_t b0, int64_t b1) { bag_range<Avx512Vec, 8>(j, b0, b1); }
}  // namespace bag_detail
}  // namespace qgemm
