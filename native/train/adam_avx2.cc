// AVX2 forms of the Adam steps, bit-identical to the scalar code: the same
// float64 (adam) or float32 (adam8bit) operations lane by lane, in the same
// order, with correctly rounded vsqrt/vdiv; code values and bucket entries
// are gathered, and the nearest-code search does the scalar search's steps.
#include <immintrin.h>

#include <cmath>
#include <cstring>

#include "train/adam.h"
#include "train/adam8bit_block.h"
#include "train/dynamic_code.h"

namespace qgemm {
namespace adam_detail {

namespace {

void adam_avx2(float* p, const float* grad, float* m, float* v, int64_t n, const AdamParams& a) {
  const __m256d b1 = _mm256_set1_pd(a.beta1), b2 = _mm256_set1_pd(a.beta2);
  const __m256d omb1 = _mm256_set1_pd(a.one_minus_beta1), omb2 = _mm256_set1_pd(a.one_minus_beta2);
  const __m256d wd = _mm256_set1_pd(a.weight_decay), eps = _mm256_set1_pd(a.eps);
  const __m256d step = _mm256_set1_pd(a.step_size), c2 = _mm256_set1_pd(a.c2);
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const __m256d pd = _mm256_cvtps_pd(_mm_loadu_ps(p + i));
    const __m256d g = _mm256_add_pd(_mm256_cvtps_pd(_mm_loadu_ps(grad + i)), _mm256_mul_pd(wd, pd));
    const __m256d mi = _mm256_add_pd(_mm256_mul_pd(b1, _mm256_cvtps_pd(_mm_loadu_ps(m + i))), _mm256_mul_pd(omb1, g));
    const __m256d vi = _mm256_add_pd(_mm256_mul_pd(b2, _mm256_cvtps_pd(_mm_loadu_ps(v + i))),
                                     _mm256_mul_pd(_mm256_mul_pd(omb2, g), g));
    _mm_storeu_ps(m + i, _mm256_cvtpd_ps(mi));
    _mm_storeu_ps(v + i, _mm256_cvtpd_ps(vi));
    const __m256d denom = _mm256_add_pd(_mm256_div_pd(_mm256_sqrt_pd(vi), c2), eps);
    _mm_storeu_ps(p + i, _mm256_cvtpd_ps(_mm256_sub_pd(pd, _mm256_div_pd(_mm256_mul_pd(step, mi), denom))));
  }
  scalar_ops().adam(p + i, grad + i, m + i, v + i, n - i, a);
}

// 8 float32 lanes for adam8bit_block.h.
struct Avx2 {
  using T = __m256;
  static constexpr int64_t kLanes = 8;
  static T set1(float x) { return _mm256_set1_ps(x); }
  static T zero() { return _mm256_setzero_ps(); }
  static T load(const float* p) { return _mm256_loadu_ps(p); }
  static void store(float* p, T x) { _mm256_storeu_ps(p, x); }
  static void store_aligned(float* p, T x) { _mm256_store_ps(p, x); }
  static T add(T a, T b) { return _mm256_add_ps(a, b); }
  static T sub(T a, T b) { return _mm256_sub_ps(a, b); }
  static T mul(T a, T b) { return _mm256_mul_ps(a, b); }
  static T div(T a, T b) { return _mm256_div_ps(a, b); }
  static T sqrt(T x) { return _mm256_sqrt_ps(x); }
  static T abs(T x) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), x); }
  static T max(T x, T cur) { return _mm256_max_ps(x, cur); }  // cur where x is NaN
  // saturate(): max_ps / min_ps return their second operand when it is NaN.
  static T saturate(T x) {
    const T hi = _mm256_set1_ps(3.40282347e38f);
    return _mm256_min_ps(hi, _mm256_max_ps(_mm256_sub_ps(_mm256_setzero_ps(), hi), x));
  }
  static float max_lane(T v) {
    alignas(32) float lanes[8];
    _mm256_store_ps(lanes, v);
    float r = lanes[0];
    for (int k = 1; k < 8; ++k) r = lanes[k] > r ? lanes[k] : r;
    return r;
  }
};

inline __m256 code_values(const DynamicCode& c, const uint8_t* q) {
  const __m256i idx = _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(q)));
  return _mm256_i32gather_ps(c.values, idx, 4);
}

// 8 int32 lanes (each 0..255) to 8 bytes.
inline void store_bytes8(__m256i idx, uint8_t* out) {
  const __m256i w = _mm256_packus_epi16(_mm256_packus_epi32(idx, idx), _mm256_setzero_si256());
  const int lo4 = _mm_cvtsi128_si32(_mm256_castsi256_si128(w)), hi4 = _mm_cvtsi128_si32(_mm256_extracti128_si256(w, 1));
  std::memcpy(out, &lo4, 4);
  std::memcpy(out + 4, &hi4, 4);
}

// DynamicCode::nearest for 8 lanes (and second_moment_index's floor of 1
// for positive values when `positive_floor`); stores 8 indices.
inline void nearest8(const DynamicCode& c, __m256 x, bool positive_floor, uint8_t* out) {
  const __m256i bits = _mm256_castps_si256(x);
  const __m256i flip = _mm256_or_si256(_mm256_srai_epi32(bits, 31), _mm256_set1_epi32(static_cast<int>(0x80000000u)));
  __m256i key = _mm256_xor_si256(bits, flip);
  const __m256i lo = _mm256_set1_epi32(static_cast<int>(c.key_lo));
  key = _mm256_min_epu32(_mm256_max_epu32(key, lo), _mm256_set1_epi32(static_cast<int>(c.key_hi)));
  const __m256i bucket = _mm256_srl_epi32(_mm256_sub_epi32(key, lo), _mm_cvtsi32_si128(c.shift));
  __m256i idx = _mm256_and_si256(_mm256_i32gather_epi32(reinterpret_cast<const int*>(c.buckets.data()), bucket, 1),
                                 _mm256_set1_epi32(0xFF));
  for (int k = 0; k < c.corrections; ++k) {
    const __m256 mid = _mm256_i32gather_ps(c.mids, idx, 4);
    idx = _mm256_sub_epi32(idx, _mm256_castps_si256(_mm256_cmp_ps(x, mid, _CMP_GT_OQ)));
  }
  idx = _mm256_andnot_si256(_mm256_castps_si256(_mm256_cmp_ps(x, x, _CMP_UNORD_Q)), idx);
  if (positive_floor) {
    const __m256i positive = _mm256_castps_si256(_mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_GT_OQ));
    idx = _mm256_max_epi32(idx, _mm256_and_si256(positive, _mm256_set1_epi32(1)));
  }
  store_bytes8(idx, out);
}

// The dynamic tree codes: gathered code values, the bucket-table search.
struct TreeAvx2 {
  const DynamicCode& cm = dynamic_code(true);
  const DynamicCode& cv = dynamic_code(false);
  TreeDecoder scalar;
  __m256 m(const uint8_t* q) const { return code_values(cm, q); }
  __m256 v(const uint8_t* q) const { return code_values(cv, q); }
  // Codes of elements [0, n) of a block against its new maxima.
  void quantize(const float* tm, const float* tv, float am, float av, int64_t n, uint8_t* qm, uint8_t* qv) const {
    const __m256 vm = _mm256_set1_ps(am), vv = _mm256_set1_ps(av);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
      nearest8(cm, am > 0.0f ? _mm256_div_ps(_mm256_load_ps(tm + i), vm) : _mm256_setzero_ps(), false, qm + i);
      nearest8(cv, av > 0.0f ? _mm256_div_ps(_mm256_load_ps(tv + i), vv) : _mm256_setzero_ps(), true, qv + i);
    }
    adam8bit_quantize(tm, tv, am, av, i, n, qm, qv);
  }
};

// float8_code.h's magnitude_code for 8 lanes of magnitude bits, before its
// clamps: (bits rounded to 3 mantissa bits, ties to even) >> 20, - bias, the
// bias taken before an arithmetic shift (the same value: bias << 20 is a
// whole multiple of 2^20). No upper clamp is needed: a normalized |y| is at
// most 1 + 2^-23 (|x| <= max, r = RN(1 / max)), which rounds to the largest
// code; the callers take the lower clamp and the floor rules.
inline __m256i unclamped_code8(__m256i mag, int32_t bias) {
  const __m256i odd = _mm256_and_si256(_mm256_srli_epi32(mag, 20), _mm256_set1_epi32(1));
  const __m256i rounded = _mm256_add_epi32(_mm256_add_epi32(mag, _mm256_set1_epi32(0x7FFFF - (bias << 20))), odd);
  return _mm256_srai_epi32(rounded, 20);
}

// The float8 codes: arithmetic on the bits, as float8_code.h.
struct Float8Avx2 {
  Float8Decoder scalar;
  static __m256i bytes(const uint8_t* q) { return _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(q))); }
  __m256 m(const uint8_t* q) const {
    const __m256i c = bytes(q), mag = _mm256_and_si256(c, _mm256_set1_epi32(127));
    const __m256i b = _mm256_or_si256(_mm256_slli_epi32(_mm256_add_epi32(mag, _mm256_set1_epi32(float8::kSignedBias)), 20),
                                      _mm256_slli_epi32(_mm256_srli_epi32(c, 7), 31));
    return _mm256_castsi256_ps(_mm256_andnot_si256(_mm256_cmpeq_epi32(mag, _mm256_setzero_si256()), b));
  }
  __m256 v(const uint8_t* q) const {
    const __m256i c = bytes(q);
    const __m256i b = _mm256_slli_epi32(_mm256_add_epi32(c, _mm256_set1_epi32(float8::kUnsignedBias)), 20);
    return _mm256_castsi256_ps(_mm256_andnot_si256(_mm256_cmpeq_epi32(c, _mm256_setzero_si256()), b));
  }
  // y = (x * s) * r, or x * r when s is 1 (the same bits: x * 1 is x).
  template <bool kScaled>
  static __m256 normalize(const float* x, __m256 s, __m256 r) {
    const __m256 v = _mm256_load_ps(x);
    return _mm256_mul_ps(kScaled ? _mm256_mul_ps(v, s) : v, r);
  }
  template <bool kScaled>
  static void quantize_lanes(const float* tm, const float* tv, int64_t n, __m256 sm, __m256 rm, __m256 sv, __m256 rv,
                             uint8_t* qm, uint8_t* qv) {
    const __m256i abs_mask = _mm256_set1_epi32(0x7FFFFFFF);
    for (int64_t i = 0; i + 8 <= n; i += 8) {
      // m: (c | sign << 7) where c > 0 (below the smallest code: 0) and y is not NaN.
      const __m256 ym = normalize<kScaled>(tm + i, sm, rm);
      const __m256i bm = _mm256_castps_si256(ym);
      const __m256i cm = unclamped_code8(_mm256_and_si256(bm, abs_mask), float8::kSignedBias);
      const __m256i keep = _mm256_and_si256(_mm256_cmpgt_epi32(cm, _mm256_setzero_si256()),
                                            _mm256_castps_si256(_mm256_cmp_ps(ym, ym, _CMP_ORD_Q)));
      const __m256i sign = _mm256_slli_epi32(_mm256_srli_epi32(bm, 31), 7);
      store_bytes8(_mm256_and_si256(_mm256_or_si256(cm, sign), keep), qm + i);
      // v: y > 0 gives max(c, 1) (the floor), NaN and y <= 0 give 0; v >= 0, so its bits are its magnitude.
      const __m256 yv = normalize<kScaled>(tv + i, sv, rv);
      const __m256i cv = _mm256_max_epi32(unclamped_code8(_mm256_castps_si256(yv), float8::kUnsignedBias), _mm256_set1_epi32(1));
      store_bytes8(_mm256_and_si256(cv, _mm256_castps_si256(_mm256_cmp_ps(yv, _mm256_setzero_ps(), _CMP_GT_OQ))), qv + i);
    }
  }
  void quantize(const float* tm, const float* tv, float am, float av, int64_t n, uint8_t* qm, uint8_t* qv) const {
    const float8::Normalizer nm = float8::normalizer(am), nv = float8::normalizer(av);
    const __m256 sm = _mm256_set1_ps(nm.s), rm = _mm256_set1_ps(nm.r), sv = _mm256_set1_ps(nv.s), rv = _mm256_set1_ps(nv.r);
    if (nm.s == 1.0f && nv.s == 1.0f) {
      quantize_lanes<false>(tm, tv, n, sm, rm, sv, rv, qm, qv);
    } else {
      quantize_lanes<true>(tm, tv, n, sm, rm, sv, rv, qm, qv);
    }
    adam8bit_quantize_float8(tm, tv, am, av, n - n % 8, n, qm, qv);
  }
};

}  // namespace

const Ops& avx2_ops() {
  static const Ops ops{adam_avx2, adam8bit_block_simd<Avx2, TreeAvx2>, adam8bit_block_simd<Avx2, Float8Avx2>};
  return ops;
}

}  // namespace adam_detail
}  // namespace qgemm
