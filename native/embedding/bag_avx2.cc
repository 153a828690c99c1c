// The bag lookup with 8-lane AVX2 vectors (bag_kernel.h): 8 accumulators of
// 8 columns stay in registers while a bag's rows stream past.
#include <immintrin.h>

#include <cstring>

#include "embedding/bag_kernel.h"

namespace qgemm {
namespace {

struct Avx2Vec {
  using T = __m256;
  static constexpr int kLanes = 8;
  static T zero() { return _mm256_setzero_ps(); }
  static T set1(float x) { return _mm256_set1_ps(x); }
  static T load_f32(const float* p) { return _mm256_loadu_ps(p); }
  static T load_u8(const uint8_t* p) {
    return _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p))));
  }
  static T load_u4(const uint8_t* row, int64_t c) {  // c is a multiple of 8: 4 whole bytes
    int32_t four;
    std::memcpy(&four, row + (c >> 1), 4);
    const __m128i b = _mm_cvtsi32_si128(four);
    const __m128i mask = _mm_set1_epi8(0x0F);
    const __m128i lo = _mm_and_si128(b, mask), hi = _mm_and_si128(_mm_srli_epi16(b, 4), mask);
    return _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_unpacklo_epi8(lo, hi)));
  }
  // Columns c, c + 2, ..., c + 14 (low nibbles) and c + 1, ..., c + 15 (high)
  // of the 8 bytes at p.
  static void load_u4_pair(const uint8_t* p, T* even, T* odd) {
    const __m256i b = _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p)));
    *even = _mm256_cvtepi32_ps(_mm256_and_si256(b, _mm256_set1_epi32(0x0F)));
    *odd = _mm256_cvtepi32_ps(_mm256_srli_epi32(b, 4));
  }
  // 16 columns in order from their even and odd halves.
  static void store_pair(float* p, T even, T odd) {
    const T lo = _mm256_unpacklo_ps(even, odd), hi = _mm256_unpackhi_ps(even, odd);  // e0 o0 e1 o1 | e4 o4 e5 o5, ...
    _mm256_storeu_ps(p, _mm256_permute2f128_ps(lo, hi, 0x20));
    _mm256_storeu_ps(p + 8, _mm256_permute2f128_ps(lo, hi, 0x31));
  }
  static T add(T a, T b) { return _mm256_add_ps(a, b); }
  static T fma(T a, T b, T c) { return _mm256_fmadd_ps(a, b, c); }
  static T max_new(T x, T cur) { return _mm256_max_ps(x, cur); }  // x > cur ? x : cur, per lane
  static void store(float* p, T v) { _mm256_storeu_ps(p, v); }
  static void load_halves(const uint8_t* p, float* scale, float* bias) { ScalarVec::load_halves(p, scale, bias); }
};

}  // namespace

namespace bag_detail {
void bag_range_avx2(const BagJob& j, int64_t b0, int64_t b1) { bag_range<Avx2Vec, 8>(j, b0, b1); }
}  // namespace bag_detail
}  // namespace qgemm
