// What happens to the int32 accumulators of an int8 GEMM on their way out,
// fused into the GEMM: each output block is converted while still in cache.
//
// With zero points za (of A) and zb (of B), the exact product of the
// dequantization-shifted operands is
//   acc'[m][n] = sum_k (a[m][k] - za) * (b[k][n] - zb)
//              = acc - za * colsum_b[n] - zb * rowsum_a[m] + K * za * zb
// (int32, wrapping), so the kernels stay raw and compensation costs O(M + N).
//
// Output types, with every float operation in float32, in this order and
// without fused multiply-add:
//   int32:        acc'
//   float32:      f = float(acc') * (a_scale[m] * b_scale[n]);  f = f + bias[n];  f = relu(f)
//   int8 / uint8: q = saturate(roundHalfEven(f / y_scale) + y_zero_point)
//                 (f as for float32; NaN gives 0, as quantizeLinear does)
#pragma once

#include <cstdint>

#include "gemm/types.h"

namespace qgemm {

struct Epilogue {
  DType out_type = DType::kInt32;  // kInt32, kFloat32, kInt8 or kUInt8
  // Zero points: one value, or one per row of A (batch * M, in batch order),
  // or one per column of B (N). Null means 0.
  const int32_t* a_zero_point = nullptr;
  bool a_zero_point_per_row = false;
  const int32_t* b_zero_point = nullptr;
  bool b_zero_point_per_column = false;
  // Scales (float outputs only): one value, or per row of A / column of B.
  const float* a_scale = nullptr;
  bool a_scale_per_row = false;
  const float* b_scale = nullptr;
  bool b_scale_per_column = false;
  const float* bias = nullptr;  // N values, or null
  bool relu = false;
  float y_scale = 1.0f;  // int8 / uint8 outputs
  int32_t y_zero_point = 0;

  // Training's fused consumers (int8 float32 outputs on the builtin backend
  // only): when set, C is not written; each converted block goes to
  // consume(consume_ctx, block, ld, m0, m1, n0, n1) instead, C(i, j) at
  // block[(i - m0) * ld + (j - n0)], from whichever pool thread made it. Each
  // element of C is consumed exactly once.
  void (*consume)(void* ctx, const float* block, int64_t ld, int64_t m0, int64_t m1, int64_t n0, int64_t n1) = nullptr;
  void* consume_ctx = nullptr;

  bool needs_row_sums() const { return b_zero_point != nullptr; }
  bool needs_col_sums() const { return a_zero_point != nullptr; }
};

// Everything an epilogue needs for one batch item.
struct EpilogueContext {
  const Epilogue* e;
  int64_t k;
  int64_t row_offset;        // item * M: index of this item's first row in per-row arrays
  const int32_t* row_sums;   // sum_k a[m][k] for this item (M values) when needed
  const int32_t* col_sums;   // sum_k b[k][n] (N values) when needed
};

// Converts the block [m0, m1) x [n0, n1). acc(i, j) is at acc[i * ld_acc + j]
// with i, j relative to (m0, n0); out(i, j) at out + ((m0+i) * ld_out + n0+j)
// elements of e->out_type. acc and out may be the same memory (int32 and
// float32 outputs are converted in place).
void apply_epilogue(const EpilogueContext& ctx, const int32_t* acc, int64_t ld_acc, void* out, int64_t ld_out,
                    int64_t m0, int64_t m1, int64_t n0, int64_t n1);

// Sums of each row of a row-major A (int8 or uint8), for zero-point compensation.
void row_sums(const uint8_t* a, bool a_unsigned, int64_t m, int64_t k, int32_t* out);

}  // namespace qgemm
