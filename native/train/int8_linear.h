// The int8 GEMMs of a training step, each one native call that quantizes its
// operands (native/quant/symmetric.h) and runs the int8 GEMM with the scales
// (and bias) applied in the fused float32 epilogue. Every buffer is the
// caller's (allocated once per layer), so a step allocates nothing large.
//
//   forward      Y  = X W^T    X per row, W per row (output channel s: W = diag(s) Q)
//   input grad   dX = dY W     the same levels Q; dY diag(s) per row (0 in
//                              place of s for a row of Q all 0), so W needs
//                              no column scales and one read a step
//   weight grad  dW = dY^T X   per column within blocks of `block` batch rows,
//                              dY stochastically rounded; each block is one
//                              int8 GEMM and the blocks are summed in float32
// W is [out, in] (torch.nn.Linear), X [rows, in], dY [rows, out].
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "gemm/packed_b.h"
#include "gemm/types.h"
#include "train/adam.h"

namespace qgemm {

// A layer's int8 weights for the step, in the selected kernel's packed layout,
// re-packed in place each step (no allocation, no per-call packing): W's row
// levels as B = W^T for the forward and as B = W for the input gradient.
struct Int8WeightPacks {
  std::unique_ptr<PackedB> rows, cols;
  std::vector<float> dx_mults;  // with cols: dY's column multipliers for dX (weight_pack.h)
  size_t bytes() const {
    return (rows ? rows->bytes() : 0) + (cols ? cols->bytes() : 0) + dx_mults.capacity() * sizeof(float);
  }
};

// W quantized per row into packs (quantize_pack_weights): the forward's pack,
// and with `columns` dX's pack and multipliers; without, dX's pack is dropped
// (a stale one must not serve a later dX). What int8_linear_forward runs.
Status int8_pack_weights(const float* w, int64_t out, int64_t in, float* row_scales, bool columns,
                         Int8WeightPacks* packs);

struct Int8ForwardDesc {
  int64_t rows = 0, in = 0, out = 0;
  const float* x = nullptr;        // rows x in
  const float* w = nullptr;        // out x in
  const float* bias = nullptr;     // out, or null
  int8_t* x_q = nullptr;           // rows x in   (X per row; kept by the caller for int8-saved activations)
  float* x_scales = nullptr;       // rows
  int8_t* w_q_rows = nullptr;      // out x in    (W per row); unused (may be null) with packs
  float* w_row_scales = nullptr;   // out
  bool columns = false;            // with packs: also pack the levels as B = W (the input gradient is wanted)
  float* y = nullptr;              // rows x out
  Int8WeightPacks* packs = nullptr;  // when set: W is quantized straight into these packs (train/weight_pack.h)
};

// Quantizes X and W (per row) and computes Y = X W^T + bias. With packs, W
// goes straight into the packed layouts (both with `columns`) and the GEMM
// runs on them; without, into w_q_rows and the GEMM packs per call.
Status int8_linear_forward(const Int8ForwardDesc& d);

struct Int8InputGradDesc {
  int64_t rows = 0, in = 0, out = 0;
  const float* dy = nullptr;          // rows x out
  int8_t* dy_q = nullptr;             // rows x out (scratch)
  float* dy_scales = nullptr;         // rows (scratch)
  const int8_t* w_q_rows = nullptr;   // out x in: W's row levels Q (unused with packs)
  const float* w_row_scales = nullptr;  // out: s, W = diag(s) Q (unused with packs)
  float* dx = nullptr;                // rows x in
  const Int8WeightPacks* packs = nullptr;  // Q and its multipliers from int8_linear_forward (columns); else w_q_rows is packed per call
};

// dX = (dY diag(m)) Q: dY diag(m) quantized per row (symmetric_quantize_rows_scaled),
// Q as the forward quantized it, m = s except 0 for a row of Q that is all 0.
Status int8_linear_input_grad(const Int8InputGradDesc& d);

// Adam's step for W (out x in) applied where dW is made (adam.h's update,
// element for element): dW is never written to memory nor read back.
struct FusedAdam {
  float* p = nullptr;
  float* m = nullptr;
  float* v = nullptr;
  AdamParams params;
};

struct Int8WeightGradDesc {
  int64_t rows = 0, in = 0, out = 0;
  int64_t block = 0;                // batch rows per scale block (0: all rows)
  uint32_t seed = 0;                // stochastic rounding of dY
  const float* dy = nullptr;        // rows x out
  const float* x = nullptr;         // rows x in
  int8_t* dy_q = nullptr;           // rows x out (scratch)
  float* dy_scales = nullptr;       // blocks x out (scratch)
  int8_t* x_q = nullptr;            // rows x in (scratch)
  float* x_scales = nullptr;        // blocks x in (scratch)
  float* partial = nullptr;         // out x in (scratch; only read when there are 2+ blocks)
  float* dw = nullptr;              // out x in
  // When set, and the batch is one scale block, and dW is provably finite
  // (|dW| <= 127^2 * rows * max dY scale * max X scale < FLT_MAX), Adam is
  // applied to each block of dW as the GEMM makes it, dw is left untouched
  // and *fused is set; otherwise dw is computed and *fused cleared.
  const FusedAdam* adam = nullptr;
  bool* fused = nullptr;
};

// dW = sum over blocks of (dY_b^T X_b) in int8, each block's scales applied
// in its GEMM's epilogue; blocks after the first are added in float32, in order.
Status int8_linear_weight_grad(const Int8WeightGradDesc& d);

inline int64_t scale_blocks(int64_t rows, int64_t block) {
  return block < 1 || block >= rows ? (rows > 0 ? 1 : 0) : (rows + block - 1) / block;
}

}  // namespace qgemm
