// AVX2 forms of native/train/elementwise.h, bit-identical to the scalar code:
// the same float32 operations lane by lane (vaddps, vmulps, vdivps correctly
// rounded, vroundps half to even), float64 sums via vcvtps2pd, and compares
// whose NaN result is the scalar comparison's (ordered for `>`, unordered for
// `!(x <= 0)`).
#include <immintrin.h>

#include "train/elementwise.h"

namespace qgemm {
namespace elementwise_detail {

namespace {

// !(x <= 0): an unordered compare, true for NaN (so ReLU keeps NaN, as torch).
inline __m256 relu_on(__m256 v) { return _mm256_cmp_ps(v, _mm256_setzero_ps(), _CMP_NLE_UQ); }

void add_into_avx2(const float* a, int64_t n, float* y) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_add_ps(_mm256_loadu_ps(y + i), _mm256_loadu_ps(a + i)));
  scalar_ops().add_into(a + i, n - i, y + i);
}

void bias_relu_row_avx2(float* y, int64_t n, const float* bias, bool relu) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m256 v = _mm256_loadu_ps(y + i);
    if (bias != nullptr) v = _mm256_add_ps(v, _mm256_loadu_ps(bias + i));
    if (relu) v = _mm256_and_ps(v, relu_on(v));
    _mm256_storeu_ps(y + i, v);
  }
  scalar_ops().bias_relu_row(y + i, n - i, bias != nullptr ? bias + i : nullptr, relu);
}

void relu_forward_avx2(const float* x, int64_t n, float* y, uint8_t* bits) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 v = _mm256_loadu_ps(x + i);
    const __m256 on = relu_on(v);
    _mm256_storeu_ps(y + i, _mm256_and_ps(v, on));
    if (bits != nullptr) bits[i >> 3] = static_cast<uint8_t>(_mm256_movemask_ps(on));
  }
  scalar_ops().relu_forward(x + i, n - i, y + i, bits != nullptr ? bits + (i >> 3) : nullptr);
}

void relu_backward_avx2(const float* dy, const float* y, int64_t n, float* dx) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 on = relu_on(_mm256_loadu_ps(y + i));
    _mm256_storeu_ps(dx + i, _mm256_and_ps(_mm256_loadu_ps(dy + i), on));
  }
  scalar_ops().relu_backward(dy + i, y + i, n - i, dx + i);
}

void relu_backward_bits_avx2(const float* dy, const uint8_t* bits, int64_t n, float* dx) {
  const __m256i lane_bit = _mm256_setr_epi32(1, 2, 4, 8, 16, 32, 64, 128);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256i b = _mm256_and_si256(_mm256_set1_epi32(bits[i >> 3]), lane_bit);
    const __m256i on = _mm256_cmpeq_epi32(b, lane_bit);
    _mm256_storeu_ps(dx + i, _mm256_and_ps(_mm256_loadu_ps(dy + i), _mm256_castsi256_ps(on)));
  }
  for (; i < n; ++i) dx[i] = (bits[i >> 3] >> (i & 7)) & 1 ? dy[i] : 0.0f;
}

void column_sums_into_avx2(const float* row, int64_t n, double* acc) {
  int64_t j = 0;
  for (; j + 4 <= n; j += 4) {
    _mm256_storeu_pd(acc + j, _mm256_add_pd(_mm256_loadu_pd(acc + j), _mm256_cvtps_pd(_mm_loadu_ps(row + j))));
  }
  scalar_ops().column_sums_into(row + j, n - j, acc + j);
}

void apply_mask_avx2(float* dx, const uint8_t* mask, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256i m = _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(mask + i)));
    const __m256i off = _mm256_cmpeq_epi32(m, _mm256_setzero_si256());
    _mm256_storeu_ps(dx + i, _mm256_andnot_ps(_mm256_castsi256_ps(off), _mm256_loadu_ps(dx + i)));
  }
  scalar_ops().apply_mask(dx + i, mask + i, n - i);
}

// Eight int32 lanes, each in 0..255, as eight bytes.
inline void store8_bytes(uint8_t* out, __m256i x) {
  const __m128i words = _mm_packs_epi32(_mm256_castsi256_si128(x), _mm256_extracti128_si256(x, 1));
  _mm_storel_epi64(reinterpret_cast<__m128i*>(out), _mm_packus_epi16(words, words));
}

// Clamping x/scale to [lo - 1, hi + 1] (lo, hi: the range minus the zero
// point) before rounding keeps every in-range decision of the scalar code's
// +-2^40 clamp, and the integers stay exact in float32.
void fake_quantize_affine_avx2(const float* x, int64_t n, float scale, int32_t zero_point, int32_t qmin, int32_t qmax,
                               float* y, uint8_t* mask, uint8_t* codes) {
  const __m256 s = _mm256_set1_ps(scale);
  const __m256 zp = _mm256_set1_ps(static_cast<float>(zero_point));
  const __m256 lo = _mm256_set1_ps(static_cast<float>(qmin - zero_point));
  const __m256 hi = _mm256_set1_ps(static_cast<float>(qmax - zero_point));
  const __m256 one = _mm256_set1_ps(1.0f);
  const __m256 nan_value = _mm256_set1_ps(static_cast<float>(0 - zero_point) * scale);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 v = _mm256_div_ps(_mm256_loadu_ps(x + i), s);
    const __m256 nan = _mm256_cmp_ps(v, v, _CMP_UNORD_Q);
    __m256 r = _mm256_min_ps(_mm256_max_ps(v, _mm256_sub_ps(lo, one)), _mm256_add_ps(hi, one));
    r = _mm256_round_ps(r, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    const __m256 inside = _mm256_andnot_ps(nan, _mm256_and_ps(_mm256_cmp_ps(r, lo, _CMP_GE_OQ), _mm256_cmp_ps(r, hi, _CMP_LE_OQ)));
    // + 0.0f turns a -0 from rounding into +0: the scalar code goes through an integer.
    const __m256 level = _mm256_add_ps(_mm256_min_ps(_mm256_max_ps(r, lo), hi), _mm256_setzero_ps());
    const __m256 yq = _mm256_mul_ps(level, s);
    _mm256_storeu_ps(y + i, _mm256_blendv_ps(yq, nan_value, nan));
    store8_bytes(mask + i, _mm256_and_si256(_mm256_castps_si256(inside), _mm256_set1_epi32(1)));
    if (codes != nullptr) {  // level + zero point (0..255), 0 for NaN; exact integers in float32
      store8_bytes(codes + i, _mm256_cvtps_epi32(_mm256_andnot_ps(nan, _mm256_add_ps(level, zp))));
    }
  }
  scalar_ops().fake_quantize_affine(x + i, n - i, scale, zero_point, qmin, qmax, y + i, mask + i,
                                    codes != nullptr ? codes + i : nullptr);
}

void dequantize_row_avx2(const int8_t* q, int64_t n, float scale, float* x) {
  const __m256 s = _mm256_set1_ps(scale);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256i v = _mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(q + i)));
    _mm256_storeu_ps(x + i, _mm256_mul_ps(_mm256_cvtepi32_ps(v), s));
  }
  scalar_ops().dequantize_row(q + i, n - i, scale, x + i);
}

}  // namespace

const Ops& avx2_ops() {
  static const Ops ops{add_into_avx2,      bias_relu_row_avx2,        relu_forward_avx2,
                       relu_backward_avx2, relu_backward_bits_avx2,   column_sums_into_avx2,
                       apply_mask_avx2,    fake_quantize_affine_avx2, dequantize_row_avx2};
  return ops;
}

}  // namespace elementwise_detail
}  // namespace qgemm
