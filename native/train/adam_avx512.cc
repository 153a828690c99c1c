// AVX-512 forms of the Adam steps, bit-identical to the scalar code (same
// float64 or float32 operations lane by lane, in the same order, correctly
// rounded vsqrt/vdiv), 16 float32 lanes; the float8 codes' arithmetic as in
// float8_code.h.
//
// The 8-bit step has no gathers: a code byte's value is looked up among the
// 256 values with in-register permutes (vpermt2ps over 32-value pairs, then
// blends on the index's high bits), and the nearest code is an 8-level binary
// search over the 255 midpoints whose level-L table (2^L midpoints) is again
// looked up by permutes. Both give exactly what the scalar code gives:
// values[q], and #{ j < 255 : x > mids[j] } (NaN compares false: 0).
// GCC 12 warns that the unmasked intrinsics' _mm512_undefined_* operands are
// uninitialized (GCC bug 105593): a false positive, silenced for this file.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#include <immintrin.h>

#include <cmath>

#include "train/adam.h"
#include "train/adam8bit_block.h"
#include "train/dynamic_code.h"

namespace qgemm {
namespace adam_detail {

namespace {

void adam_avx512(float* p, const float* grad, float* m, float* v, int64_t n, const AdamParams& a) {
  const __m512d b1 = _mm512_set1_pd(a.beta1), b2 = _mm512_set1_pd(a.beta2);
  const __m512d omb1 = _mm512_set1_pd(a.one_minus_beta1), omb2 = _mm512_set1_pd(a.one_minus_beta2);
  const __m512d wd = _mm512_set1_pd(a.weight_decay), eps = _mm512_set1_pd(a.eps);
  const __m512d step = _mm512_set1_pd(a.step_size), c2 = _mm512_set1_pd(a.c2);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m512d pd = _mm512_cvtps_pd(_mm256_loadu_ps(p + i));
    const __m512d g = _mm512_add_pd(_mm512_cvtps_pd(_mm256_loadu_ps(grad + i)), _mm512_mul_pd(wd, pd));
    const __m512d mi = _mm512_add_pd(_mm512_mul_pd(b1, _mm512_cvtps_pd(_mm256_loadu_ps(m + i))), _mm512_mul_pd(omb1, g));
    const __m512d vi = _mm512_add_pd(_mm512_mul_pd(b2, _mm512_cvtps_pd(_mm256_loadu_ps(v + i))),
                                     _mm512_mul_pd(_mm512_mul_pd(omb2, g), g));
    _mm256_storeu_ps(m + i, _mm512_cvtpd_ps(mi));
    _mm256_storeu_ps(v + i, _mm512_cvtpd_ps(vi));
    const __m512d denom = _mm512_add_pd(_mm512_div_pd(_mm512_sqrt_pd(vi), c2), eps);
    _mm256_storeu_ps(p + i, _mm512_cvtpd_ps(_mm512_sub_pd(pd, _mm512_div_pd(_mm512_mul_pd(step, mi), denom))));
  }
  scalar_ops().adam(p + i, grad + i, m + i, v + i, n - i, a);
}

// One code's tables in the order the permutes read them.
struct PermuteCode {
  alignas(64) float values[256];
  // level[L] holds mids[j * 2s + s - 1] for s = 128 >> L, j < 2^L (the
  // midpoint a search that has fixed the index's top L bits compares with).
  alignas(64) float level[8][128];
};

PermuteCode make_permute_code(const DynamicCode& c) {
  PermuteCode t{};
  for (int k = 0; k < 256; ++k) t.values[k] = c.values[k];
  for (int L = 0; L < 8; ++L) {
    const int s = 128 >> L;
    for (int j = 0; j < (1 << L); ++j) t.level[L][j] = c.mids[j * 2 * s + s - 1];
  }
  return t;
}

const PermuteCode& permute_code(bool is_signed) {
  static const PermuteCode kSigned = make_permute_code(dynamic_code(true));
  static const PermuteCode kUnsigned = make_permute_code(dynamic_code(false));
  return is_signed ? kSigned : kUnsigned;
}

// table[idx] for idx < 32 << kLog2Pairs: one vpermt2ps per 32 entries, then
// blends on bits 5, 6, 7 of idx (written out as recursion so that nothing
// is left to a loop the compiler might keep, with its values on the stack).
template <int kLog2Pairs>
inline __m512 lookup(const float* table, __m512i idx) {
  if constexpr (kLog2Pairs == 0) {
    return _mm512_permutex2var_ps(_mm512_load_ps(table), idx, _mm512_load_ps(table + 16));
  } else {
    constexpr int kHalf = 16 << kLog2Pairs;  // entries in each half
    const __m512 lo = lookup<kLog2Pairs - 1>(table, idx), hi = lookup<kLog2Pairs - 1>(table + kHalf, idx);
    return _mm512_mask_blend_ps(_mm512_test_epi32_mask(idx, _mm512_set1_epi32(kHalf)), lo, hi);
  }
}

inline __m512 code_values(const PermuteCode& c, const uint8_t* q) {
  const __m512i idx = _mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(q)));
  return lookup<3>(c.values, idx);
}

// One level of the search: index bit `s` set where x > level[L][idx / 2s].
template <int L>
inline __m512i search_level(const PermuteCode& c, __m512 x, __m512i idx) {
  constexpr int s = 128 >> L;
  const __m512i j = _mm512_srli_epi32(idx, 8 - L);
  __m512 mid;
  if constexpr (L == 0) {
    mid = _mm512_set1_ps(c.level[0][0]);
  } else if constexpr (L <= 4) {
    mid = _mm512_permutexvar_ps(j, _mm512_load_ps(c.level[L]));
  } else {
    mid = lookup<L - 5>(c.level[L], j);
  }
  return _mm512_mask_or_epi32(idx, _mm512_cmp_ps_mask(x, mid, _CMP_GT_OQ), idx, _mm512_set1_epi32(s));
}

// DynamicCode::nearest for 16 lanes (with second_moment_index's floor of 1
// for positive values when `positive_floor`); stores 16 indices.
inline void nearest16(const PermuteCode& c, __m512 x, bool positive_floor, uint8_t* out) {
  __m512i idx = _mm512_setzero_si512();
  idx = search_level<0>(c, x, idx);
  idx = search_level<1>(c, x, idx);
  idx = search_level<2>(c, x, idx);
  idx = search_level<3>(c, x, idx);
  idx = search_level<4>(c, x, idx);
  idx = search_level<5>(c, x, idx);
  idx = search_level<6>(c, x, idx);
  idx = search_level<7>(c, x, idx);
  if (positive_floor) {
    const __mmask16 zero_positive =
        _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_GT_OQ) & _mm512_cmpeq_epi32_mask(idx, _mm512_setzero_si512());
    idx = _mm512_mask_mov_epi32(idx, zero_positive, _mm512_set1_epi32(1));
  }
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out), _mm512_cvtepi32_epi8(idx));
}

// 16 float32 lanes for adam8bit_block.h.
struct Avx512 {
  using T = __m512;
  static constexpr int64_t kLanes = 16;
  static T set1(float x) { return _mm512_set1_ps(x); }
  static T zero() { return _mm512_setzero_ps(); }
  static T load(const float* p) { return _mm512_loadu_ps(p); }
  static void store(float* p, T x) { _mm512_storeu_ps(p, x); }
  static void store_aligned(float* p, T x) { _mm512_store_ps(p, x); }
  static T add(T a, T b) { return _mm512_add_ps(a, b); }
  static T sub(T a, T b) { return _mm512_sub_ps(a, b); }
  static T mul(T a, T b) { return _mm512_mul_ps(a, b); }
  static T div(T a, T b) { return _mm512_div_ps(a, b); }
  static T sqrt(T x) { return _mm512_sqrt_ps(x); }
  static T abs(T x) { return _mm512_abs_ps(x); }
  static T max(T x, T cur) { return _mm512_max_ps(x, cur); }  // cur where x is NaN
  // saturate(): the operand of smaller magnitude, with x's sign (vrangeps
  // imm 0x02); a NaN x comes back as itself (already quiet: an arithmetic result).
  static T saturate(T x) { return _mm512_range_ps(x, _mm512_set1_ps(3.40282347e38f), 0x02); }
  static float max_lane(T v) {
    alignas(64) float lanes[16];
    _mm512_store_ps(lanes, v);
    float r = lanes[0];
    for (int k = 1; k < 16; ++k) r = lanes[k] > r ? lanes[k] : r;
    return r;
  }
};

// The dynamic tree codes, by permutes (above).
struct TreeAvx512 {
  const PermuteCode& cm = permute_code(true);
  const PermuteCode& cv = permute_code(false);
  TreeDecoder scalar;
  __m512 m(const uint8_t* q) const { return code_values(cm, q); }
  __m512 v(const uint8_t* q) const { return code_values(cv, q); }
  void quantize(const float* tm, const float* tv, float am, float av, int64_t n, uint8_t* qm, uint8_t* qv) const {
    const __m512 vm = _mm512_set1_ps(am), vv = _mm512_set1_ps(av);
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
      nearest16(cm, am > 0.0f ? _mm512_div_ps(_mm512_load_ps(tm + i), vm) : _mm512_setzero_ps(), false, qm + i);
      nearest16(cv, av > 0.0f ? _mm512_div_ps(_mm512_load_ps(tv + i), vv) : _mm512_setzero_ps(), true, qv + i);
    }
    adam8bit_quantize(tm, tv, am, av, i, n, qm, qv);
  }
};

// float8_code.h's magnitude_code for 16 lanes of magnitude bits, before
// its clamps: (bits rounded to 3 mantissa bits, ties to even) >> 20, - bias.
// No upper clamp is needed: a normalized |y| is at most 1 + 2^-23 (|x| <= max,
// r = RN(1 / max)), which rounds to the largest code; the callers' masks
// take the lower clamp and the floor rules.
// The bias is taken before the shift, which is then arithmetic (the same
// value: bias << 20 is a whole multiple of 2^20).
inline __m512i unclamped_code16(__m512i mag, int32_t bias) {
  const __m512i odd = _mm512_and_si512(_mm512_srli_epi32(mag, 20), _mm512_set1_epi32(1));
  const __m512i rounded = _mm512_add_epi32(_mm512_add_epi32(mag, _mm512_set1_epi32(0x7FFFF - (bias << 20))), odd);
  return _mm512_srai_epi32(rounded, 20);
}

// Ternary-logic truth tables (vpternlogd; A, B, C = 0xF0, 0xCC, 0xAA).
constexpr int kAandBorC = 0xEA;  // (A & B) | C
constexpr int kAorBandC = 0xF8;  // A | (B & C)

// The float8 codes: arithmetic on the bits, as float8_code.h.
struct Float8Avx512 {
  Float8Decoder scalar;
  static __m512i bytes(const uint8_t* q) { return _mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(q))); }
  // Bits (c & 127) + bias << 20 (an OR: the magnitude never carries into
  // the bias's bits), the sign bit c >> 7 at 31, and 0 where c & 127 is 0.
  __m512 m(const uint8_t* q) const {
    static_assert((float8::kSignedBias & 127) == 0, "the bias is an OR");
    const __m512i c = bytes(q);
    const __m512i e = _mm512_ternarylogic_epi32(_mm512_slli_epi32(c, 20), _mm512_set1_epi32(127 << 20),
                                                _mm512_set1_epi32(float8::kSignedBias << 20), kAandBorC);
    const __m512i b = _mm512_maskz_ternarylogic_epi32(_mm512_test_epi32_mask(c, _mm512_set1_epi32(127)), e,
                                                      _mm512_slli_epi32(c, 24),
                                                      _mm512_set1_epi32(static_cast<int>(0x80000000u)), kAorBandC);
    return _mm512_castsi512_ps(b);
  }
  __m512 v(const uint8_t* q) const {
    const __m512i c = bytes(q);
    const __m512i b = _mm512_slli_epi32(_mm512_add_epi32(c, _mm512_set1_epi32(float8::kUnsignedBias)), 20);
    return _mm512_castsi512_ps(_mm512_maskz_mov_epi32(_mm512_test_epi32_mask(c, c), b));
  }
  // y = (x * s) * r, or x * r when s is 1 (the same bits: x * 1 is x).
  template <bool kScaled>
  static __m512 normalize(const float* x, __m512 s, __m512 r) {
    const __m512 v = _mm512_load_ps(x);
    return _mm512_mul_ps(kScaled ? _mm512_mul_ps(v, s) : v, r);
  }
  template <bool kScaled>
  static void quantize_lanes(const float* tm, const float* tv, int64_t n, __m512 sm, __m512 rm, __m512 sv, __m512 rv,
                             uint8_t* qm, uint8_t* qv) {
    const __m512i abs_mask = _mm512_set1_epi32(0x7FFFFFFF);
    for (int64_t i = 0; i + 16 <= n; i += 16) {
      // m: code c > 0 (below the smallest code: 0), y not NaN, then c | sign << 7.
      const __m512 ym = normalize<kScaled>(tm + i, sm, rm);
      const __m512i bm = _mm512_castps_si512(ym);
      const __m512i cm = unclamped_code16(_mm512_and_si512(bm, abs_mask), float8::kSignedBias);
      const __mmask16 keep = _mm512_mask_cmp_ps_mask(_mm512_cmpgt_epi32_mask(cm, _mm512_setzero_si512()), ym, ym, _CMP_ORD_Q);
      const __m512i qm16 = _mm512_maskz_ternarylogic_epi32(keep, cm, _mm512_srli_epi32(bm, 24), _mm512_set1_epi32(0x80),
                                                           kAorBandC);
      _mm_storeu_si128(reinterpret_cast<__m128i*>(qm + i), _mm512_cvtepi32_epi8(qm16));
      // v: y > 0 gives max(c, 1) (the floor), NaN and y <= 0 give 0; v >= 0, so its bits are its magnitude.
      const __m512 yv = normalize<kScaled>(tv + i, sv, rv);
      const __m512i cv = unclamped_code16(_mm512_castps_si512(yv), float8::kUnsignedBias);
      const __m512i qv16 = _mm512_maskz_max_epi32(_mm512_cmp_ps_mask(yv, _mm512_setzero_ps(), _CMP_GT_OQ), cv, _mm512_set1_epi32(1));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(qv + i), _mm512_cvtepi32_epi8(qv16));
    }
  }
  void quantize(const float* tm, const float* tv, float am, float av, int64_t n, uint8_t* qm, uint8_t* qv) const {
    const float8::Normalizer nm = float8::normalizer(am), nv = float8::normalizer(av);
    const __m512 sm = _mm512_set1_ps(nm.s), rm = _mm512_set1_ps(nm.r), sv = _mm512_set1_ps(nv.s), rv = _mm512_set1_ps(nv.r);
    if (nm.s == 1.0f && nv.s == 1.0f) {
      quantize_lanes<false>(tm, tv, n, sm, rm, sv, rv, qm, qv);
    } else {
      quantize_lanes<true>(tm, tv, n, sm, rm, sv, rv, qm, qv);
    }
    adam8bit_quantize_float8(tm, tv, am, av, n - n % 16, n, qm, qv);
  }
};

}  // namespace

const Ops& avx512_ops() {
  static const Ops ops{adam_avx512, adam8bit_block_simd<Avx512, TreeAvx512>, adam8bit_block_simd<Avx512, Float8Avx512>};
  return ops;
}

}  // namespace adam_detail
}  // namespace qgemm
