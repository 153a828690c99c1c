// weight_pack.cc's block for the quads16 layout (both packs), AVX-512: each
// 16 x 16 tile of W is quantized once in registers (its rows' scales) and
// stored straight into both packs, with their column sums, so no int8 copy
// of W goes through a scratch and no generic pack runs after. The levels are
// those of symmetric_avx512.cc's quantize (the same correctly rounded
// division and rounding).
//
// Four rows of a tile are narrowed together (packs_epi32, packs_epi16): lane
// j of the result holds the four rows' 4-byte units at columns 4j..4j+3,
// which is already the rows pack's quad at depth c0 + 4j (B = W^T, panel =
// 16 rows of W, a quad = [16 rows][4 bytes]); a 4x4 byte transpose per lane
// (one shuffle) makes it the cols pack's (B = W, panel = 16 columns, a quad =
// [16 columns][4 rows' bytes]). Sums of four bytes come from maddubs + madd.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#include <immintrin.h>

#include "train/weight_pack_block.h"

namespace qgemm {
namespace weight_pack_detail {

namespace {

// x / scale as int32 before narrowing: NaN -> 0, above 127 -> 127, rounded
// half to even. Below -127 is left to the narrowing's saturation and the
// int8 clamp in narrow4 (a large negative quotient converts to INT32_MIN),
// so the level equals symmetric_level's.
inline __m512i level32(__m512 x, __m512 scale) {
  const __m512 v = _mm512_div_ps(x, scale);
  const __mmask16 ordered = _mm512_cmp_ps_mask(v, v, _CMP_ORD_Q);
  return _mm512_maskz_cvt_roundps_epi32(ordered, _mm512_min_ps(v, _mm512_set1_ps(127.0f)),
                                        _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
}

// Four rows' levels (int32) -> lane j = [row 0 cols 4j..4j+3][row 1 ..][row 2 ..][row 3 ..].
inline __m512i narrow4(__m512i r0, __m512i r1, __m512i r2, __m512i r3) {
  const __m512i b = _mm512_packs_epi16(_mm512_packs_epi32(r0, r1), _mm512_packs_epi32(r2, r3));
  return _mm512_max_epi8(b, _mm512_set1_epi8(-127));
}

// Per 32-bit unit, the sum of its four signed bytes.
inline __m512i quad_sums(__m512i b) {
  return _mm512_madd_epi16(_mm512_maddubs_epi16(_mm512_set1_epi8(1), b), _mm512_set1_epi16(1));
}

template <bool kCols>
void quads16_tiles(const FusedBlock& b) {
  // Within each lane, [4 rows][4 columns] bytes -> [4 columns][4 rows].
  const __m512i transpose4x4 = _mm512_broadcast_i32x4(_mm_setr_epi8(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15));
  for (int64_t r0 = 0; r0 < b.rows; r0 += 16) {
    int8_t* rows_panel = b.rows_dst + (r0 / 16) * b.rows_panel_bytes;
    const float* w = b.w + r0 * b.in;
    // Per group of four rows, dword (lane j, k) sums row 4g + k's bytes.
    __m512i row_acc[4] = {_mm512_setzero_si512(), _mm512_setzero_si512(), _mm512_setzero_si512(),
                          _mm512_setzero_si512()};
    for (int64_t c0 = 0; c0 < b.in; c0 += 16) {
      int8_t* cols_quads = kCols ? b.cols_dst + (c0 / 16) * b.cols_panel_bytes + r0 * 16 : nullptr;
      __m512i col_acc = _mm512_setzero_si512();
      __m512i quads[4];
      for (int g = 0; g < 4; ++g) {
        __m512 x[4];
        for (int t = 0; t < 4; ++t) x[t] = _mm512_loadu_ps(w + (4 * g + t) * b.in + c0);
        const float* rs = b.row_scales + r0 + 4 * g;  // broadcast from memory by the division itself
        quads[g] = narrow4(level32(x[0], _mm512_set1_ps(rs[0])), level32(x[1], _mm512_set1_ps(rs[1])),
                           level32(x[2], _mm512_set1_ps(rs[2])), level32(x[3], _mm512_set1_ps(rs[3])));
        row_acc[g] = _mm512_add_epi32(row_acc[g], quad_sums(quads[g]));
        if (!kCols) continue;
        const __m512i c = _mm512_shuffle_epi8(quads[g], transpose4x4);
        _mm512_storeu_si512(cols_quads + g * 64, c);
        col_acc = _mm512_add_epi32(col_acc, quad_sums(c));
      }
      // Rows pack: depth c0 + 4j is 64 bytes, groups g = 0..3 in order: lane j of each group.
      const __m512i t01 = _mm512_shuffle_i64x2(quads[0], quads[1], 0x44), t23 = _mm512_shuffle_i64x2(quads[2], quads[3], 0x44);
      const __m512i u01 = _mm512_shuffle_i64x2(quads[0], quads[1], 0xEE), u23 = _mm512_shuffle_i64x2(quads[2], quads[3], 0xEE);
      int8_t* rq = rows_panel + c0 * 16;
      _mm512_storeu_si512(rq, _mm512_shuffle_i64x2(t01, t23, 0x88));
      _mm512_storeu_si512(rq + 64, _mm512_shuffle_i64x2(t01, t23, 0xDD));
      _mm512_storeu_si512(rq + 128, _mm512_shuffle_i64x2(u01, u23, 0x88));
      _mm512_storeu_si512(rq + 192, _mm512_shuffle_i64x2(u01, u23, 0xDD));
      if (kCols) {
        int32_t* sums = b.col_sums + c0;
        _mm512_storeu_si512(sums, _mm512_add_epi32(_mm512_loadu_si512(sums), col_acc));
      }
    }
    for (int g = 0; g < 4; ++g) {
      const __m256i h = _mm256_add_epi32(_mm512_castsi512_si256(row_acc[g]), _mm512_extracti64x4_epi64(row_acc[g], 1));
      const __m128i q = _mm_add_epi32(_mm256_castsi256_si128(h), _mm256_extracti128_si256(h, 1));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(b.row_sums + r0 + 4 * g), q);
    }
  }
}

void quads16_block_avx512(const FusedBlock& b) {
  if (b.cols_dst != nullptr) {
    quads16_tiles<true>(b);
  } else {
    quads16_tiles<false>(b);
  }
}

}  // namespace

FusedBlockFn quads16_block_avx512_fn() { return quads16_block_avx512; }

}  // namespace weight_pack_detail
}  // namespace qgemm
