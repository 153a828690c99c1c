// weight_pack.cc's blocks for AVX2 CPUs: the quads16 layout (AVX-VNNI
// kernel) and the pairs16 layout (AVX2 kernel). Each 16 x 16 tile of W is
// quantized once in registers (its rows' scales), eight columns at a time,
// and stored straight into both packs with their column sums. The levels are
// symmetric_avx2.cc's (the same correctly rounded division, rounding half to
// even by vroundps, not by MXCSR).
//
// Four rows of eight columns are narrowed together (packs_epi32,
// packs_epi16): 128-bit lane j holds the four rows' 4-byte units at columns
// 4j..4j+3 of the eight, which byte shuffles within the lane turn into each
// layout's groups:
//   quads16 rows pack (B = W^T): the lane is rows 4g..4g+3 of the quad at depth c + 4j, as is;
//   quads16 cols pack (B = W):   a 4x4 byte transpose: columns' 4 rows' bytes;
//   pairs16 rows pack:           [rows][2 bytes] of depth pairs c/2 + 2j, 2j + 1;
//   pairs16 cols pack:           [columns][2 rows' bytes] of the row pairs (4g, 4g+1), (4g+2, 4g+3).
#include <immintrin.h>

#include "train/weight_pack_block.h"

namespace qgemm {
namespace weight_pack_detail {

namespace {

// x / scale as int32 before narrowing: NaN -> 0, above 127 -> 127, rounded
// half to even. Below -127 is left to the narrowing's saturation and the
// int8 clamp in narrow4 (cvttps gives INT32_MIN for a large negative value).
inline __m256i level32(__m256 x, float scale) {
  const __m256 v = _mm256_div_ps(x, _mm256_set1_ps(scale));
  const __m256 ordered = _mm256_cmp_ps(v, v, _CMP_ORD_Q);
  const __m256 r = _mm256_round_ps(_mm256_min_ps(v, _mm256_set1_ps(127.0f)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  return _mm256_and_si256(_mm256_cvttps_epi32(r), _mm256_castps_si256(ordered));
}

// Rows 4g..4g+3 of a tile, columns c..c+7: lane j = [row 0 cols 4j..4j+3][row 1 ..][row 2 ..][row 3 ..].
inline __m256i narrow4(const float* w, int64_t in, const float* scales) {
  const __m256i r0 = level32(_mm256_loadu_ps(w), scales[0]), r1 = level32(_mm256_loadu_ps(w + in), scales[1]);
  const __m256i r2 = level32(_mm256_loadu_ps(w + 2 * in), scales[2]), r3 = level32(_mm256_loadu_ps(w + 3 * in), scales[3]);
  const __m256i b = _mm256_packs_epi16(_mm256_packs_epi32(r0, r1), _mm256_packs_epi32(r2, r3));
  return _mm256_max_epi8(b, _mm256_set1_epi8(-127));
}

// Per 32-bit unit, the sum of its four signed bytes.
inline __m256i quad_sums(__m256i b) {
  return _mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_set1_epi8(1), b), _mm256_set1_epi16(1));
}

inline __m256i lane_shuffle(__m256i v, char a0, char a1, char a2, char a3, char a4, char a5, char a6, char a7, char a8,
                            char a9, char a10, char a11, char a12, char a13, char a14, char a15) {
  const __m128i m = _mm_setr_epi8(a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15);
  return _mm256_shuffle_epi8(v, _mm256_broadcastsi128_si256(m));
}

inline void store16(int8_t* p, __m128i v) { _mm_storeu_si128(reinterpret_cast<__m128i*>(p), v); }
inline void store32(int8_t* p, __m256i v) { _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), v); }
inline void add_sums8(int32_t* s, __m256i v) {
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(s), _mm256_add_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(s)), v));
}

// Row sums of the 16-row panel: acc[g] dword (lane j, k) summed over lanes = row 4g + k.
inline void store_row_sums(const __m256i acc[4], int32_t* row_sums) {
  for (int g = 0; g < 4; ++g) {
    store16(reinterpret_cast<int8_t*>(row_sums + 4 * g),
            _mm_add_epi32(_mm256_castsi256_si128(acc[g]), _mm256_extracti128_si256(acc[g], 1)));
  }
}

template <bool kCols>
void quads16_tiles(const FusedBlock& b) {
  for (int64_t r0 = 0; r0 < b.rows; r0 += 16) {
    int8_t* rows_panel = b.rows_dst + (r0 / 16) * b.rows_panel_bytes;
    const float* w = b.w + r0 * b.in;
    __m256i row_acc[4] = {_mm256_setzero_si256(), _mm256_setzero_si256(), _mm256_setzero_si256(), _mm256_setzero_si256()};
    for (int64_t c0 = 0; c0 < b.in; c0 += 16) {
      int8_t* cols_quads = kCols ? b.cols_dst + (c0 / 16) * b.cols_panel_bytes + r0 * 16 : nullptr;
      for (int h = 0; h < 2; ++h) {  // columns c0 + 8h .. c0 + 8h + 7
        __m256i col_acc = _mm256_setzero_si256();
        for (int g = 0; g < 4; ++g) {
          const __m256i q = narrow4(w + 4 * g * b.in + c0 + 8 * h, b.in, b.row_scales + r0 + 4 * g);
          row_acc[g] = _mm256_add_epi32(row_acc[g], quad_sums(q));
          // Rows pack: lane j is rows 4g..4g+3 of depth c0 + 8h + 4j's 64 bytes.
          int8_t* rq = rows_panel + (c0 + 8 * h) * 16 + 16 * g;
          store16(rq, _mm256_castsi256_si128(q));
          store16(rq + 64, _mm256_extracti128_si256(q, 1));
          if (!kCols) continue;
          // Cols pack: columns c0 + 8h.. of the quad of rows 4g..4g+3.
          const __m256i c = lane_shuffle(q, 0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
          store32(cols_quads + g * 64 + 32 * h, c);
          col_acc = _mm256_add_epi32(col_acc, quad_sums(c));
        }
        if (kCols) add_sums8(b.col_sums + c0 + 8 * h, col_acc);
      }
    }
    store_row_sums(row_acc, b.row_sums + r0);
  }
}

template <bool kCols>
void pairs16_tiles(const FusedBlock& b) {
  for (int64_t r0 = 0; r0 < b.rows; r0 += 16) {
    int8_t* rows_panel = b.rows_dst + (r0 / 16) * b.rows_panel_bytes;
    const float* w = b.w + r0 * b.in;
    __m256i row_acc[4] = {_mm256_setzero_si256(), _mm256_setzero_si256(), _mm256_setzero_si256(), _mm256_setzero_si256()};
    for (int64_t c0 = 0; c0 < b.in; c0 += 16) {
      // Cols pack: depth pair p of panel c0 / 16 is 32 bytes, [16 columns][rows 2p, 2p + 1].
      int8_t* cols_pairs = kCols ? b.cols_dst + (c0 / 16) * b.cols_panel_bytes + r0 * 16 : nullptr;
      __m256i by_pair[2][4];  // [half][group]: lane j lo = rows (4g, 4g+1), hi = (4g+2, 4g+3), cols 4j..4j+3
      for (int h = 0; h < 2; ++h) {
        __m256i q[4];
        for (int g = 0; g < 4; ++g) {
          q[g] = narrow4(w + 4 * g * b.in + c0 + 8 * h, b.in, b.row_scales + r0 + 4 * g);
          row_acc[g] = _mm256_add_epi32(row_acc[g], quad_sums(q[g]));
          if (kCols) by_pair[h][g] = lane_shuffle(q[g], 0, 4, 1, 5, 2, 6, 3, 7, 8, 12, 9, 13, 10, 14, 11, 15);
          // Rows pack: lane j lo = depth pair 2j's rows 4g..4g+3, hi = pair 2j + 1's.
          q[g] = lane_shuffle(q[g], 0, 1, 4, 5, 8, 9, 12, 13, 2, 3, 6, 7, 10, 11, 14, 15);
        }
        // Depth pairs (c0 + 8h) / 2 + m, m = 0..3: 16 rows x 2 bytes each, groups in order.
        const __m256i lo01 = _mm256_unpacklo_epi64(q[0], q[1]), lo23 = _mm256_unpacklo_epi64(q[2], q[3]);
        const __m256i hi01 = _mm256_unpackhi_epi64(q[0], q[1]), hi23 = _mm256_unpackhi_epi64(q[2], q[3]);
        int8_t* rp = rows_panel + (c0 + 8 * h) * 16;
        store32(rp, _mm256_permute2x128_si256(lo01, lo23, 0x20));
        store32(rp + 32, _mm256_permute2x128_si256(hi01, hi23, 0x20));
        store32(rp + 64, _mm256_permute2x128_si256(lo01, lo23, 0x31));
        store32(rp + 96, _mm256_permute2x128_si256(hi01, hi23, 0x31));
      }
      if (!kCols) continue;
      // Column sums in int16 (16 rows of at most 127: no overflow): word (lane j, m) is
      // column 4j + m % 4 of rows (4g, 4g+1) for m < 4, of (4g+2, 4g+3) after.
      __m256i sums16[2] = {_mm256_setzero_si256(), _mm256_setzero_si256()};
      for (int g = 0; g < 4; ++g) {
        // [lane0 lo, lane1 lo, lane0 hi, lane1 hi]: one row pair's 8 columns per half.
        const __m256i a = _mm256_permute4x64_epi64(by_pair[0][g], 0xD8), c = _mm256_permute4x64_epi64(by_pair[1][g], 0xD8);
        store32(cols_pairs + (4 * g) * 16, _mm256_permute2x128_si256(a, c, 0x20));      // rows 4g, 4g+1
        store32(cols_pairs + (4 * g + 2) * 16, _mm256_permute2x128_si256(a, c, 0x31));  // rows 4g+2, 4g+3
        for (int h = 0; h < 2; ++h) {
          sums16[h] = _mm256_add_epi16(sums16[h], _mm256_maddubs_epi16(_mm256_set1_epi8(1), by_pair[h][g]));
        }
      }
      for (int h = 0; h < 2; ++h) {
        const __m256i s = _mm256_add_epi16(sums16[h], _mm256_srli_si256(sums16[h], 8));  // words 0..3 of each lane
        const __m128i cols8 = _mm256_castsi256_si128(_mm256_permute4x64_epi64(s, 0x08));
        add_sums8(b.col_sums + c0 + 8 * h, _mm256_cvtepi16_epi32(cols8));
      }
    }
    store_row_sums(row_acc, b.row_sums + r0);
  }
}

void quads16_block_avx2(const FusedBlock& b) {
  if (b.cols_dst != nullptr) {
    quads16_tiles<true>(b);
  } else {
    quads16_tiles<false>(b);
  }
}

void pairs16_block_avx2(const FusedBlock& b) {
  if (b.cols_dst != nullptr) {
    pairs16_tiles<true>(b);
  } else {
    pairs16_tiles<false>(b);
  }
}

}  // namespace

FusedBlockFn quads16_block_avx2_fn() { return quads16_block_avx2; }
FusedBlockFn pairs16_block_avx2_fn() { return pairs16_block_avx2; }

}  // namespace weight_pack_detail
}  // namespace qgemm
