// AVX2 forms of the symmetric int8 building blocks, bit-identical to the
// scalar ones: vdivps and vaddps are correctly rounded like their scalar
// forms, vroundps rounds half to even (or down), vmaxps returns its second
// operand when the first is NaN (so NaN never raises an amax), and the
// saturating packs keep values already clamped to [-127, 127].
#include <immintrin.h>

#include "quant/symmetric.h"

namespace qgemm {
namespace symmetric_detail {

namespace {

inline __m256 abs_ps(__m256 v) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), v); }

float amax_avx2(const float* x, int64_t n) {
  __m256 m = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) m = _mm256_max_ps(abs_ps(_mm256_loadu_ps(x + i)), m);
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, m);
  float r = 0.0f;
  for (float v : lanes) r = v > r ? v : r;
  for (; i < n; ++i) {
    const float a = std::fabs(x[i]);
    if (a > r) r = a;
  }
  return r;
}

float amax_into_avx2(const float* x, int64_t n, float* amax) {
  __m256 m = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 a = abs_ps(_mm256_loadu_ps(x + i));
    _mm256_storeu_ps(amax + i, _mm256_max_ps(a, _mm256_loadu_ps(amax + i)));
    m = _mm256_max_ps(a, m);
  }
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, m);
  float r = 0.0f;
  for (float v : lanes) r = v > r ? v : r;
  for (; i < n; ++i) {
    const float a = std::fabs(x[i]);
    if (a > amax[i]) amax[i] = a;
    if (a > r) r = a;
  }
  return r;
}

// v (already x / scale, or its stochastic floor) clamped, rounded by `mode`,
// converted; NaN lanes of `nan_source` give 0.
template <int kRound>
inline __m256i level(__m256 v, __m256 nan_source) {
  const __m256 nan = _mm256_cmp_ps(nan_source, nan_source, _CMP_UNORD_Q);
  v = _mm256_min_ps(_mm256_max_ps(v, _mm256_set1_ps(-127.0f)), _mm256_set1_ps(127.0f));
  v = _mm256_round_ps(v, kRound | _MM_FROUND_NO_EXC);
  return _mm256_andnot_si256(_mm256_castps_si256(nan), _mm256_cvtps_epi32(v));
}

constexpr int kNearest = _MM_FROUND_TO_NEAREST_INT;

// Packs 4 x 8 int32 in [-127, 127] into 32 int8 in order.
inline void store32(int8_t* q, __m256i a, __m256i b, __m256i c, __m256i d) {
  const __m256i w = _mm256_packs_epi16(_mm256_packs_epi32(a, b), _mm256_packs_epi32(c, d));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(q),
                      _mm256_permutevar8x32_epi32(w, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7)));
}

void quantize_avx2(const float* x, int64_t n, float scale, int8_t* q) {
  const __m256 s = _mm256_set1_ps(scale);
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    __m256i l[4];
    for (int k = 0; k < 4; ++k) {
      const __m256 v = _mm256_div_ps(_mm256_loadu_ps(x + i + 8 * k), s);
      l[k] = level<kNearest>(v, v);
    }
    store32(q + i, l[0], l[1], l[2], l[3]);
  }
  scalar_ops().quantize(x + i, n - i, scale, q + i);
}

void quantize_each_avx2(const float* x, int64_t n, const float* scales, int8_t* q) {
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    __m256i l[4];
    for (int k = 0; k < 4; ++k) {
      const __m256 v = _mm256_div_ps(_mm256_loadu_ps(x + i + 8 * k), _mm256_loadu_ps(scales + i + 8 * k));
      l[k] = level<kNearest>(v, v);
    }
    store32(q + i, l[0], l[1], l[2], l[3]);
  }
  scalar_ops().quantize_each(x + i, n - i, scales + i, q + i);
}

// stochastic_hash and stochastic_uniform of symmetric.h, 8 lanes at a time.
inline __m256 uniform8(__m256i index, __m256i seed) {
  __m256i h = _mm256_add_epi32(_mm256_mullo_epi32(index, _mm256_set1_epi32(static_cast<int>(0x9E3779B9u))), seed);
  h = _mm256_xor_si256(h, _mm256_srli_epi32(h, 16));
  h = _mm256_mullo_epi32(h, _mm256_set1_epi32(static_cast<int>(0x85EBCA6Bu)));
  h = _mm256_xor_si256(h, _mm256_srli_epi32(h, 13));
  h = _mm256_mullo_epi32(h, _mm256_set1_epi32(static_cast<int>(0xC2B2AE35u)));
  h = _mm256_xor_si256(h, _mm256_srli_epi32(h, 16));
  return _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_srli_epi32(h, 8)), _mm256_set1_ps(0x1p-24f));
}

void quantize_each_stochastic_avx2(const float* x, int64_t n, const float* scales, uint32_t seed, uint32_t index0,
                                   int8_t* q) {
  const __m256i vseed = _mm256_set1_epi32(static_cast<int>(seed));
  const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    __m256i l[4];
    for (int k = 0; k < 4; ++k) {
      const __m256i index = _mm256_add_epi32(_mm256_set1_epi32(static_cast<int>(index0 + static_cast<uint32_t>(i + 8 * k))), lane);
      const __m256 v = _mm256_div_ps(_mm256_loadu_ps(x + i + 8 * k), _mm256_loadu_ps(scales + i + 8 * k));
      const __m256 f = _mm256_round_ps(_mm256_add_ps(v, uniform8(index, vseed)), _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
      l[k] = level<kNearest>(f, v);  // f is already an integer (or +-inf): rounding keeps it
    }
    store32(q + i, l[0], l[1], l[2], l[3]);
  }
  scalar_ops().quantize_each_stochastic(x + i, n - i, scales + i, seed, index0 + static_cast<uint32_t>(i), q + i);
}

void fake_quantize_avx2(const float* x, int64_t n, float scale, float* y) {
  const __m256 s = _mm256_set1_ps(scale);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 v = _mm256_div_ps(_mm256_loadu_ps(x + i), s);
    _mm256_storeu_ps(y + i, _mm256_mul_ps(_mm256_cvtepi32_ps(level<kNearest>(v, v)), s));
  }
  scalar_ops().fake_quantize(x + i, n - i, scale, y + i);
}

void add_to_sums_avx2(const int8_t* q, int64_t n, int32_t* sums) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256i v = _mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(q + i)));
    __m256i* s = reinterpret_cast<__m256i*>(sums + i);
    _mm256_storeu_si256(s, _mm256_add_epi32(_mm256_loadu_si256(s), v));
  }
  scalar_ops().add_to_sums(q + i, n - i, sums + i);
}

}  // namespace

const Ops& avx2_ops() {
  static const Ops ops{amax_avx2, amax_into_avx2, quantize_avx2, quantize_each_avx2, quantize_each_stochastic_avx2,
                       fake_quantize_avx2, add_to_sums_avx2};
  return ops;
}

}  // namespace symmetric_detail
}  // namespace qgemm
