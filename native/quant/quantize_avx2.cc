// AVX2 QuantizeLinear / DequantizeLinear, bit-identical to the scalar code:
// vdivps and vsubps/vmulps are correctly rounded like their scalar forms,
// vroundps rounds half to even, and the two saturating packs clamp exactly
// like the scalar clamp (int32 -> int16 -> int8/uint8 keeps order).
#include <immintrin.h>

#include "quant/quantize.h"

namespace qgemm {

void quantize_linear_avx2(const float* x, int64_t n, float scale, int32_t zero_point, DType out_type, void* out) {
  const __m256 vscale = _mm256_set1_ps(scale);
  const __m256 lo = _mm256_set1_ps(-1024.0f), hi = _mm256_set1_ps(1024.0f);
  const __m256i vzp = _mm256_set1_epi32(zero_point);
  const bool is_signed = out_type == DType::kInt8;
  uint8_t* o = static_cast<uint8_t*>(out);
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    __m256i q[4];
    for (int r = 0; r < 4; ++r) {
      __m256 v = _mm256_div_ps(_mm256_loadu_ps(x + i + 8 * r), vscale);
      const __m256 nan = _mm256_cmp_ps(v, v, _CMP_UNORD_Q);
      v = _mm256_min_ps(_mm256_max_ps(v, lo), hi);  // max/min pass the non-NaN operand: NaN lanes fixed below
      v = _mm256_round_ps(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
      __m256i qi = _mm256_add_epi32(_mm256_cvtps_epi32(v), vzp);
      q[r] = _mm256_andnot_si256(_mm256_castps_si256(nan), qi);  // NaN -> 0 before saturation... 
    }
    // packs work within 128-bit lanes: fix the order with a permute at the end.
    const __m256i w01 = _mm256_packs_epi32(q[0], q[1]);
    const __m256i w23 = _mm256_packs_epi32(q[2], q[3]);
    __m256i b = is_signed ? _mm256_packs_epi16(w01, w23) : _mm256_packus_epi16(w01, w23);
    b = _mm256_permutevar8x32_epi32(b, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(o + i), b);
  }
  quantize_linear_scalar(x + i, n - i, scale, zero_point, out_type, o + i);
}

void dequantize_linear_avx2(const void* q, DType type, int64_t n, float scale, int32_t zero_point, float* out) {
  const __m256 vscale = _mm256_set1_ps(scale);
  const __m256 vzp = _mm256_set1_ps(static_cast<float>(zero_point));
  const uint8_t* p = static_cast<const uint8_t*>(q);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m128i bytes = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(p + i));
    const __m256i wide = type == DType::kInt8 ? _mm256_cvtepi8_epi32(bytes) : _mm256_cvtepu8_epi32(bytes);
    const __m256 v = _mm256_sub_ps(_mm256_cvtepi32_ps(wide), vzp);
    _mm256_storeu_ps(out + i, _mm256_mul_ps(v, vscale));
  }
  dequantize_linear_scalar(p + i, type, n - i, scale, zero_point, out + i);
}

}  // namespace qgemm

namespace qgemm {

// min/max with vminps/vmaxps (they return the second operand on NaN, so NaN
// is tracked separately, as the scalar loop does).
void min_max_avx2(const float* x, int64_t n, float* lo, float* hi) {
  __m256 vlo = _mm256_set1_ps(INFINITY), vhi = _mm256_set1_ps(-INFINITY);
  __m256 nan = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 v = _mm256_loadu_ps(x + i);
    vlo = _mm256_min_ps(v, vlo);
    vhi = _mm256_max_ps(v, vhi);
    nan = _mm256_or_ps(nan, _mm256_cmp_ps(v, v, _CMP_UNORD_Q));
  }
  alignas(32) float l[8], h[8];
  _mm256_store_ps(l, vlo);
  _mm256_store_ps(h, vhi);
  float a = INFINITY, b = -INFINITY;
  for (int k = 0; k < 8; ++k) {
    a = l[k] < a ? l[k] : a;
    b = h[k] > b ? h[k] : b;
  }
  bool any_nan = _mm256_movemask_ps(nan) != 0;
  for (; i < n; ++i) {
    const float v = x[i];
    a = v < a ? v : a;
    b = v > b ? v : b;
    any_nan |= v != v;
  }
  *lo = any_nan ? NAN : a;
  *hi = any_nan ? NAN : b;
}

// Bin indices of 8 values at a time (the same float32 operations as the
// scalar bin_of); out-of-range and NaN lanes get -1.
int64_t histc_indices_avx2(const float* x, int64_t n, int64_t bins, float left, float right, int32_t* idx) {
  const __m256 vleft = _mm256_set1_ps(left), vright = _mm256_set1_ps(right);
  const __m256 vbins = _mm256_set1_ps(static_cast<float>(bins)), vwidth = _mm256_set1_ps(right - left);
  const __m256i top = _mm256_set1_epi32(static_cast<int32_t>(bins)), one = _mm256_set1_epi32(1);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 v = _mm256_loadu_ps(x + i);
    const __m256 inside = _mm256_and_ps(_mm256_cmp_ps(v, vleft, _CMP_GE_OQ), _mm256_cmp_ps(v, vright, _CMP_LE_OQ));
    const __m256 pos_f = _mm256_div_ps(_mm256_mul_ps(_mm256_sub_ps(v, vleft), vbins), vwidth);
    __m256i pos = _mm256_cvttps_epi32(pos_f);
    pos = _mm256_sub_epi32(pos, _mm256_and_si256(_mm256_cmpeq_epi32(pos, top), one));  // top edge -> last bin
    pos = _mm256_or_si256(_mm256_andnot_si256(_mm256_castps_si256(inside), _mm256_set1_epi32(-1)),
                          _mm256_and_si256(_mm256_castps_si256(inside), pos));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(idx + i), pos);
  }
  return i;  // the caller handles x[i..n) with the scalar code
}

}  // namespace qgemm
