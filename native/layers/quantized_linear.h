// A linear layer y = x W^T + b with int8 weights, in one native call:
// quantize x (dynamically per row / per tensor, or with calibrated static
// parameters), run the int8 GEMM against the packed weights, and convert the
// accumulators in the fused epilogue (float32 out, or int8/uint8 for the next
// static layer).
#pragma once

#include <cstdint>

#include "gemm/gemm.h"
#include "gemm/packed_b.h"

namespace qgemm {

enum class ActivationQuant : int {
  kDynamicPerRow = 0,     // ONNX DynamicQuantizeLinear on each row of x (uint8)
  kDynamicPerTensor = 1,  // ... on the whole batch
  kStatic = 2,            // x_scale / x_zero_point given (uint8 or int8 x)
};

struct QuantizedLinearDesc {
  int64_t rows = 0;  // batch
  const float* x = nullptr;          // rows x in, float32 (dynamic or static)
  const uint8_t* x_quantized = nullptr;  // or already-quantized x (static only)
  DType x_type = DType::kUInt8;      // uint8 or int8 activations
  ActivationQuant mode = ActivationQuant::kDynamicPerRow;
  float x_scale = 1.0f;  // static
  int32_t x_zero_point = 0;
  const PackedB* weights = nullptr;  // int8, K = in, N = out (packed from W^T)
  const float* w_scales = nullptr;   // N (per channel) or 1
  bool w_per_channel = true;
  const float* bias = nullptr;  // N or null
  bool relu = false;
  DType out_type = DType::kFloat32;  // float32, or int8 / uint8 with y_scale / y_zero_point
  float y_scale = 1.0f;
  int32_t y_zero_point = 0;
  void* out = nullptr;  // rows x N
  // A float x row holding NaN or +-Infinity: fail with kNotFinite naming the
  // row (default), or, with float32 out, write NaN across that output row.
  bool propagate_non_finite = false;
};

Status quantized_linear(const QuantizedLinearDesc& d);

}  // namespace qgemm
