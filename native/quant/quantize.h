// Quantization with ONNX operator semantics, bit-identical to lib/quant/onnx.ts:
//   q = saturate(roundHalfEven(float32(x / scale)) + zero_point), NaN -> 0.
#pragma once

#include <cmath>
#include <cstdint>

#include "gemm/types.h"

namespace qgemm {

// One value. Clamping to +-1024 before rounding changes nothing after
// saturation but keeps the conversion defined for huge values.
inline int32_t quantize_value(float x, float scale, int32_t zero_point, int32_t lo, int32_t hi) {
  float v = x / scale;
  if (std::isnan(v)) return 0;
  v = v > 1024.0f ? 1024.0f : v < -1024.0f ? -1024.0f : v;
  const int32_t q = static_cast<int32_t>(std::nearbyint(v)) + zero_point;  // half to even
  return q < lo ? lo : q > hi ? hi : q;
}

// QuantizeLinear of n values with one scale and zero point into int8 or uint8
// (AVX2 when the active ISA allows; identical results either way).
void quantize_linear(const float* x, int64_t n, float scale, int32_t zero_point, DType out_type, void* out);
void quantize_linear_scalar(const float* x, int64_t n, float scale, int32_t zero_point, DType out_type, void* out);

// DequantizeLinear: out = float32(float32(q) - float32(zero_point)) * scale.
void dequantize_linear(const void* q, DType type, int64_t n, float scale, int32_t zero_point, float* out);
void dequantize_linear_scalar(const void* q, DType type, int64_t n, float scale, int32_t zero_point, float* out);

// ONNX DynamicQuantizeLinear (uint8) applied to each row of a rows x cols
// matrix (per_row), or to the whole matrix. Writes q, and one scale and zero
// point per row (per_row) or a single one. A range of zero gives scale 1 and
// zero point 0. Fails on infinite input (ONNX leaves it undefined).
Status dynamic_quantize_u8(const float* x, int64_t rows, int64_t cols, bool per_row, uint8_t* q, float* scales,
                           int32_t* zero_points);

}  // namespace qgemm
