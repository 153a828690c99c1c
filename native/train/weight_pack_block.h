// The fused blocks of weight_pack.cc: rows of W quantized in registers
// straight into both packs, for the layouts the x86 kernels read
// (weight_pack_avx512.cc: quads16; weight_pack_avx2.cc: quads16 and pairs16).
#pragma once

#include <cstddef>
#include <cstdint>

#include "gemm/kernels/kernel.h"

namespace qgemm {
namespace weight_pack_detail {

// rows (a multiple of 16) rows of W from w, in (a multiple of 16) wide.
struct FusedBlock {
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

using FusedBlockFn = void (*)(const FusedBlock&);

// The block that writes `layout` (both packs share it), or null where this
// build or the ISA cap has none.
FusedBlockFn fused_block(const PackLayout* layout);

#ifdef QGEMM_KERNEL_QUANT_AVX512
FusedBlockFn quads16_block_avx512_fn();
#endif
#ifdef QGEMM_KERNEL_QUANT_AVX2
FusedBlockFn quads16_block_avx2_fn();
FusedBlockFn pairs16_block_avx2_fn();
#endif

}  // namespace weight_pack_detail
}  // namespace qgemm
