// The fused block of weight_pack.cc for the quads16 layout: rows of W
// quantized straight into both packs (weight_pack_avx512.cc).
#pragma once

#include <cstddef>
#include <cstdint>

namespace qgemm {
namespace weight_pack_detail {

// rows (a multiple of 16) rows of W from w, in (a multiple of 16) wide.
struct Quads16Block {
  const float* w;
  int64_t rows, in;
  const float* row_scales;  // the block's rows
  int8_t* rows_dst;         // the rows pack's panel of the block's first row, depth 0
  size_t rows_panel_bytes;
  int32_t* row_sums;        // the rows pack's column sums of the block's rows (set)
  int8_t* cols_dst;         // the cols pack's first panel at the depth of the block's first row, or null
  size_t cols_panel_bytes;
  int32_t* col_sums;        // in values (added to)
};

using Quads16BlockFn = void (*)(const Quads16Block&);

// The AVX-512 block, or null where this build or the ISA cap has no AVX-512.
Quads16BlockFn quads16_block();

#ifdef QGEMM_KERNEL_QUANT_AVX512
Quads16BlockFn quads16_block_avx512_fn();
#endif

}  // namespace weight_pack_detail
}  // namespace qgemm
