// A training step's int8 weights in one pass: W (out x in, float32)
// quantized symmetric int8 per row (quant/symmetric.h: one scale per output
// channel) straight into the packed layouts of the step's two int8 GEMMs,
// with their column sums:
//   rows   B = W^T (k = in, n = out)   the forward, Y = X W^T
//   cols   B = W   (k = out, n = in)   the input gradient, dX = dY W
// Both packs hold the same levels Q (W = diag(s) Q): dX's GEMM takes s folded
// into dY (symmetric_quantize_rows_scaled), so W needs no column scales and
// is read once. Blocks of rows are quantized in cache and packed from there,
// so the bytes equal quantizing W whole and packing it (PackedB::create): no
// int8 copy of W goes through memory. Threaded over row blocks.
#pragma once

#include <cstdint>
#include <memory>

#include "gemm/packed_b.h"
#include "gemm/types.h"

namespace qgemm {

// row_scales: out values; cols_pack null: no cols pack (the layer's input
// gradient is not wanted). dx_mults (out values, or null): what dX multiplies
// dY's columns by, the row scale, or 0 for a row whose levels are all 0 (its
// amax 0, or infinite: finite / inf is 0), so such a row (zero-initialised,
// pruned) cannot set dY's row scales (symmetric_scale gives it 1). Packs are
// created or re-used in place (PackedB::prepare_int8).
Status quantize_pack_weights(const float* w, int64_t out, int64_t in, float* row_scales,
                             std::unique_ptr<PackedB>* rows_pack, std::unique_ptr<PackedB>* cols_pack,
                             float* dx_mults = nullptr);

// dx_mults from W's levels and row scales (the same values quantize_pack_weights gives).
void input_grad_multipliers(const int8_t* q, int64_t out, int64_t in, const float* row_scales, float* dx_mults);

}  // namespace qgemm
