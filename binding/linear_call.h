// One parsed quantizedLinear() call (sync or, after own_input(), async), from
// one descriptor object:
//   quantizedLinear({ x, weights, wScales, bias?, out, dims })
// with dims (LinearDim) = rows, relu, mode (0 dynamic per row, 1 dynamic per
// tensor, 2 static uint8, 3 static int8), xScale, xZeroPoint (static modes),
// yScale, yZeroPoint (int8/uint8 out), propagateNonFinite.
// x: Float32Array (any mode) or Int8Array/Uint8Array (static, already
// quantized); out: Float32Array, Int8Array or Uint8Array (rows x N).
// A float x row holding NaN or +-Infinity fails the call (ERR_QGEMM_NOT_FINITE)
// unless propagateNonFinite (float32 out only): then that output row is NaN.
#pragma once

#include <napi.h>

#include "args.h"

#include <cstdlib>
#include <memory>
#include <vector>

#include "layers/quantized_linear.h"

namespace qgemm_binding {

// The numeric fields of a quantizedLinear descriptor, in its dims array
// (scales and zero points NaN where the mode does not use them).
enum LinearDim : size_t {
  kLinearRows, kLinearRelu, kLinearMode, kLinearXScale, kLinearXZeroPoint, kLinearYScale, kLinearYZeroPoint,
  kLinearPropagateNonFinite, kLinearDims
};
inline constexpr const char* kLinearDimNames[kLinearDims] = {
    "rows", "relu", "mode", "xScale", "xZeroPoint", "yScale", "yZeroPoint", "propagateNonFinite"};

struct LinearCall {
  qgemm::QuantizedLinearDesc desc;
  std::shared_ptr<const qgemm::PackedB> weights;
  std::vector<float> w_scales, bias;
  std::vector<uint8_t> x_copy;
  int64_t x_bytes = 0, out_bytes = 0;
  std::unique_ptr<uint8_t, void (*)(void*)> out_owned{nullptr, std::free};

  static std::unique_ptr<LinearCall> parse(const Napi::CallbackInfo& info, const Napi::FunctionReference& packed_class,
                                           FieldNames& names, bool native_out = false);
  void own_input();
  bool own_output();
  Napi::ArrayBuffer take_output(Napi::Env env);
  qgemm::Status run() const { return qgemm::quantized_linear(desc); }
};

}  // namespace qgemm_binding
