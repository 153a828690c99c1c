// weight_pack.cc's block for the quads16 layout (both packs), AVX-512: each
// 16 x 16 tile of W is quantized twice in registers (row scale, column
// scales) and stored straight into place, with both packs' column sums, so
// no int8 copy of W goes through a scratch and no generic pack runs after.
// The bytes are those of quantize-then-pack (the same division and level16
// as symmetric_avx512.cc).
//
// Rows pack (B = W^T, panel = 16 rows of W): the quad of W's columns c..c+3
// of a panel is [16 rows][4 bytes] at depth c: a 4x4 transpose of 32-bit
// units (one unit = 4 columns of one row) per 4 rows.
// Cols pack (B = W, panel = 16 columns of W): the quad of W's rows r..r+3 of
// a panel is [16 columns][4 bytes] at depth r: the 4 rows' bytes interleaved.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#include <immintrin.h>

#include "quant/level_avx512.h"
#include "train/weight_pack_block.h"

namespace qgemm {
namespace weight_pack_detail {

namespace {

inline void store16(int8_t* p, __m128i v) { _mm_storeu_si128(reinterpret_cast<__m128i*>(p), v); }

template <bool kCols>
void quads16_tiles(const Quads16Block& b) {
  for (int64_t r0 = 0; r0 < b.rows; r0 += 16) {
    int8_t* rows_panel = b.rows_dst + (r0 / 16) * b.rows_panel_bytes;
    alignas(64) int32_t row_acc[16][16] = {};  // per row of W, 16 partial sums of its row-scaled bytes
    for (int64_t c0 = 0; c0 < b.in; c0 += 16) {
      const __m512 col_scales = kCols ? _mm512_loadu_ps(b.col_scales + c0) : _mm512_setzero_ps();
      int8_t* cols_quads = kCols ? b.cols_dst + (c0 / 16) * b.cols_panel_bytes + r0 * 16 : nullptr;
      __m512i col_acc = _mm512_setzero_si512();
      for (int g = 0; g < 4; ++g) {  // rows r0 + 4g .. r0 + 4g + 3
        __m128i qr[4], qc[4];
        for (int t = 0; t < 4; ++t) {
          const int64_t r = r0 + 4 * g + t;
          const __m512 x = _mm512_loadu_ps(b.w + r * b.in + c0);
          qr[t] = level16(_mm512_div_ps(x, _mm512_set1_ps(b.row_scales[r])));
          if (kCols) qc[t] = level16(_mm512_div_ps(x, col_scales));
          int32_t* acc = row_acc[4 * g + t];
          _mm512_store_si512(acc, _mm512_add_epi32(_mm512_load_si512(acc), _mm512_cvtepi8_epi32(qr[t])));
          if (kCols) col_acc = _mm512_add_epi32(col_acc, _mm512_cvtepi8_epi32(qc[t]));
        }
        // Rows pack: unit q of rows t = 0..3 -> depth c0 + 4q, rows 4g..4g+3.
        const __m128i a01 = _mm_unpacklo_epi32(qr[0], qr[1]), b01 = _mm_unpackhi_epi32(qr[0], qr[1]);
        const __m128i a23 = _mm_unpacklo_epi32(qr[2], qr[3]), b23 = _mm_unpackhi_epi32(qr[2], qr[3]);
        int8_t* rq = rows_panel + c0 * 16 + g * 16;
        store16(rq, _mm_unpacklo_epi64(a01, a23));
        store16(rq + 64, _mm_unpackhi_epi64(a01, a23));
        store16(rq + 128, _mm_unpacklo_epi64(b01, b23));
        store16(rq + 192, _mm_unpackhi_epi64(b01, b23));
        if (!kCols) continue;
        // Cols pack: the 4 rows' bytes interleaved, column by column.
        const __m128i lo01 = _mm_unpacklo_epi8(qc[0], qc[1]), hi01 = _mm_unpackhi_epi8(qc[0], qc[1]);
        const __m128i lo23 = _mm_unpacklo_epi8(qc[2], qc[3]), hi23 = _mm_unpackhi_epi8(qc[2], qc[3]);
        int8_t* cq = cols_quads + g * 64;
        store16(cq, _mm_unpacklo_epi16(lo01, lo23));
        store16(cq + 16, _mm_unpackhi_epi16(lo01, lo23));
        store16(cq + 32, _mm_unpacklo_epi16(hi01, hi23));
        store16(cq + 48, _mm_unpackhi_epi16(hi01, hi23));
      }
      if (kCols) {
        int32_t* cs = b.col_sums + c0;
        _mm512_storeu_si512(cs, _mm512_add_epi32(_mm512_loadu_si512(cs), col_acc));
      }
    }
    for (int i = 0; i < 16; ++i) b.row_sums[r0 + i] = _mm512_reduce_add_epi32(_mm512_load_si512(row_acc[i]));
  }
}

void quads16_block_avx512(const Quads16Block& b) {
  if (b.cols_dst != nullptr) {
    quads16_tiles<true>(b);
  } else {
    quads16_tiles<false>(b);
  }
}

}  // namespace

Quads16BlockFn quads16_block_avx512_fn() { return quads16_block_avx512; }

}  // namespace weight_pack_detail
}  // namespace qgemm
