// A training step's int8 weights in one pass: W (out x in, float32)
// quantized symmetric int8 (quant/symmetric.h) straight into the packed
// layouts of the step's two int8 GEMMs, with their column sums:
//   rows   B = W^T (k = in, n = out), one scale per row of W    (the forward)
//   cols   B = W   (k = out, n = in), one scale per column of W (dX = dY W)
// Blocks of rows are quantized into a cache-resident scratch and packed from
// there by the layout's own pack function, so the bytes equal quantizing W
// whole and packing it (PackedB::create): no int8 copy of W goes through
// memory. Threaded over row blocks on the compute pool.
#pragma once

#include <cstdint>
#include <memory>

#include "gemm/packed_b.h"
#include "gemm/types.h"

namespace qgemm {

// row_scales: out values; col_scales: in values, or null (no cols pack: the
// layer's input gradient is not wanted). Packs are created or re-used in
// place (PackedB::prepare_int8).
Status quantize_pack_weights(const float* w, int64_t out, int64_t in, float* row_scales,
                             std::unique_ptr<PackedB>* rows_pack, float* col_scales,
                             std::unique_ptr<PackedB>* cols_pack);

}  // namespace qgemm
