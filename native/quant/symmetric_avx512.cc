// AVX-512 forms of the symmetric int8 building blocks that quantize weights
// every training step (amax, amax_into, quantize, quantize_each, add_to_sums): 16 lanes,
// the same correctly rounded division, round-half-even and NaN rules as the
// AVX2 and scalar forms, so results are bit-identical. The stochastic and
// fake-quantize passes stay on their AVX2 forms.
// GCC 12 warns that the unmasked intrinsics' _mm512_undefined_* operands are
// uninitialized (GCC bug 105593): a false positive, silenced for this file.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#include <immintrin.h>

#include <cmath>

#include "quant/level_avx512.h"
#include "quant/symmetric.h"

namespace qgemm {
namespace symmetric_detail {

const Ops& avx2_ops();

namespace {

inline __m512 abs_ps(__m512 v) { return _mm512_abs_ps(v); }

float amax_avx512(const float* x, int64_t n) {
  __m512 m = _mm512_setzero_ps();
  int64_t i = 0;
  // max_ps returns its second operand when the first is NaN: NaN never raises m.
  for (; i + 16 <= n; i += 16) m = _mm512_max_ps(abs_ps(_mm512_loadu_ps(x + i)), m);
  alignas(64) float lanes[16];
  _mm512_store_ps(lanes, m);
  float r = 0.0f;
  for (float v : lanes) r = v > r ? v : r;
  for (; i < n; ++i) {
    const float a = std::fabs(x[i]);
    if (a > r) r = a;
  }
  return r;
}

float amax_into_avx512(const float* x, int64_t n, float* amax) {
  // Two running maxima: one max_ps chain alone would bound the loop by its latency.
  __m512 m0 = _mm512_setzero_ps(), m1 = _mm512_setzero_ps();
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    const __m512 a0 = abs_ps(_mm512_loadu_ps(x + i)), a1 = abs_ps(_mm512_loadu_ps(x + i + 16));
    _mm512_storeu_ps(amax + i, _mm512_max_ps(a0, _mm512_loadu_ps(amax + i)));
    _mm512_storeu_ps(amax + i + 16, _mm512_max_ps(a1, _mm512_loadu_ps(amax + i + 16)));
    m0 = _mm512_max_ps(a0, m0);
    m1 = _mm512_max_ps(a1, m1);
  }
  for (; i + 16 <= n; i += 16) {
    const __m512 a = abs_ps(_mm512_loadu_ps(x + i));
    _mm512_storeu_ps(amax + i, _mm512_max_ps(a, _mm512_loadu_ps(amax + i)));
    m0 = _mm512_max_ps(a, m0);
  }
  float r = _mm512_reduce_max_ps(_mm512_max_ps(m0, m1));  // lanes are >= 0 and never NaN
  for (; i < n; ++i) {
    const float a = std::fabs(x[i]);
    if (a > amax[i]) amax[i] = a;
    if (a > r) r = a;
  }
  return r;
}

void quantize_avx512(const float* x, int64_t n, float scale, int8_t* q) {
  const __m512 s = _mm512_set1_ps(scale);
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(q + i), level16(_mm512_div_ps(_mm512_loadu_ps(x + i), s)));
  }
  avx2_ops().quantize(x + i, n - i, scale, q + i);
}

void quantize_each_avx512(const float* x, int64_t n, const float* scales, int8_t* q) {
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m512 v = _mm512_div_ps(_mm512_loadu_ps(x + i), _mm512_loadu_ps(scales + i));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(q + i), level16(v));
  }
  avx2_ops().quantize_each(x + i, n - i, scales + i, q + i);
}

void add_to_sums_avx512(const int8_t* q, int64_t n, int32_t* sums) {
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m512i v = _mm512_cvtepi8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(q + i)));
    _mm512_storeu_si512(sums + i, _mm512_add_epi32(_mm512_loadu_si512(sums + i), v));
  }
  avx2_ops().add_to_sums(q + i, n - i, sums + i);
}

}  // namespace

const Ops& avx512_ops() {
  static const Ops ops{amax_avx512, amax_into_avx512, quantize_avx512, quantize_each_avx512,
                       avx2_ops().quantize_each_stochastic, avx2_ops().fake_quantize, add_to_sums_avx512};
  return ops;
}

}  // namespace symmetric_detail
}  // namespace qgemm
