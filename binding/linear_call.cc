#include "linear_call.h"

#include <cmath>
#include <cstring>
#include <string>

#include "args.h"
#include "errors.h"
#include "packed_weights.h"

namespace qgemm_binding {

namespace {

std::vector<float> float_array(Napi::Env env, Napi::Value v, const char* name, int64_t n, bool allow_one) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
    throw_type_error(env, "ERR_QGEMM_ARG_TYPE", std::string(name) + " must be a Float32Array");
  }
  Napi::Float32Array a = v.As<Napi::Float32Array>();
  const int64_t length = static_cast<int64_t>(a.ElementLength());
  if (!(length == n || (allow_one && length == 1)) || (length > 0 && a.Data() == nullptr)) {
    throw_range_error(env, "ERR_QGEMM_SHAPE", std::string(name) + " must hold " + std::to_string(n) + " values");
  }
  return std::vector<float>(a.Data(), a.Data() + length);
}

float finite_positive(const Dims& dims, size_t i) {
  const float v = static_cast<float>(dims.number(i));
  if (!(v > 0) || !std::isfinite(v)) {
    throw_range_error(dims.env(), "ERR_QGEMM_SCALE", std::string("dims.") + dims.name(i) + " must be positive and finite");
  }
  return v;
}

int32_t zero_point(const Dims& dims, size_t i, qgemm::DType t) {
  const double v = dims.number(i);
  const double lo = t == qgemm::DType::kInt8 ? -128 : 0, hi = t == qgemm::DType::kInt8 ? 127 : 255;
  if (!(v >= lo && v <= hi) || std::floor(v) != v) {
    throw_range_error(dims.env(), "ERR_QGEMM_ZERO_POINT",
                      std::string("dims.") + dims.name(i) + " is outside the range of its type");
  }
  return static_cast<int32_t>(v);
}

}  // namespace

std::unique_ptr<LinearCall> LinearCall::parse(const Napi::CallbackInfo& info, const Napi::FunctionReference& packed_class, FieldNames& names,
                                              bool native_out) {
  const Descriptor desc(info, "quantizedLinear", names);
  const Dims dims(desc, kLinearDimNames, kLinearDims);
  Napi::Env env = desc.env();
  auto call = std::make_unique<LinearCall>();
  qgemm::QuantizedLinearDesc& d = call->desc;
  const Napi::Value weights = desc.required(kFieldWeights);
  if (!weights.IsObject() || !weights.As<Napi::Object>().InstanceOf(packed_class.Value())) {
    throw_type_error(env, "ERR_QGEMM_ARG_TYPE", "weights must be PackedWeights");
  }
  call->weights = PackedWeights::Unwrap(weights.As<Napi::Object>())->get(env);
  if (call->weights->type() != qgemm::DType::kInt8) throw_type_error(env, "ERR_QGEMM_DTYPE", "weights must be int8");
  d.weights = call->weights.get();
  const int64_t in = d.weights->k(), n = d.weights->n();
  d.rows = dims.size(kLinearRows);
  call->w_scales = float_array(env, desc.required(kFieldWScales), "wScales", n, true);
  d.w_per_channel = call->w_scales.size() > 1 || n == 1;
  const Napi::Value bias = desc.optional(kFieldBias);
  if (!bias.IsUndefined()) call->bias = float_array(env, bias, "bias", n, false);
  d.relu = dims.flag(kLinearRelu);
  // mode: 0 dynamic per row, 1 dynamic per tensor, 2 static uint8, 3 static int8
  const int64_t mode = dims.size(kLinearMode);
  if (mode > 3) throw_range_error(env, "ERR_QGEMM_OPTION", "mode out of range");
  d.mode = static_cast<qgemm::ActivationQuant>(mode > 2 ? 2 : mode);
  d.propagate_non_finite = dims.flag(kLinearPropagateNonFinite);

  const ArrayView x = desc.array(kFieldX);
  check_fits(env, x, 1, d.rows, in, 0, "x");
  if (x.type == qgemm::DType::kFloat32) {
    d.x = static_cast<const float*>(x.data);
    d.x_type = mode == 3 ? qgemm::DType::kInt8 : qgemm::DType::kUInt8;
  } else if (x.type == qgemm::DType::kInt8 || x.type == qgemm::DType::kUInt8) {
    if (d.mode != qgemm::ActivationQuant::kStatic) throw_type_error(env, "ERR_QGEMM_DTYPE", "quantized x needs static mode");
    d.x_quantized = static_cast<const uint8_t*>(x.data);
    d.x_type = x.type;
  } else {
    throw_type_error(env, "ERR_QGEMM_DTYPE", "x must be float32, int8 or uint8");
  }
  call->x_bytes = d.rows * in * static_cast<int64_t>(qgemm::dtype_size(x.type));
  if (d.mode == qgemm::ActivationQuant::kStatic) {
    d.x_scale = finite_positive(dims, kLinearXScale);
    d.x_zero_point = zero_point(dims, kLinearXZeroPoint, d.x_type);
  }

  const ArrayView out = desc.array(kFieldOut);
  if (out.type == qgemm::DType::kInt32) throw_type_error(env, "ERR_QGEMM_DTYPE", "out must be float32, int8 or uint8");
  if (d.propagate_non_finite && out.type != qgemm::DType::kFloat32) {
    throw_type_error(env, "ERR_QGEMM_OPTION", "propagateNonFinite needs a float32 out (int8/uint8 have no NaN)");
  }
  ArrayView sized = out;
  if (native_out) sized.length = INT64_MAX;  // the job allocates it: check only for overflow
  check_fits(env, sized, 1, d.rows, n, 0, "out");
  d.out = out.data;
  d.out_type = out.type;
  call->out_bytes = d.rows * n * static_cast<int64_t>(qgemm::dtype_size(out.type));
  if (out.type != qgemm::DType::kFloat32) {
    d.y_scale = finite_positive(dims, kLinearYScale);
    d.y_zero_point = zero_point(dims, kLinearYZeroPoint, out.type);
  }
  d.w_scales = call->w_scales.data();
  d.bias = call->bias.empty() ? nullptr : call->bias.data();
  return call;
}

void LinearCall::own_input() {
  const void* src = desc.x != nullptr ? static_cast<const void*>(desc.x) : desc.x_quantized;
  x_copy.resize(static_cast<size_t>(x_bytes));
  if (x_bytes > 0) std::memcpy(x_copy.data(), src, x_copy.size());
  if (desc.x != nullptr) {
    desc.x = reinterpret_cast<const float*>(x_copy.data());
  } else {
    desc.x_quantized = x_copy.data();
  }
}

bool LinearCall::own_output() {
  out_owned.reset(static_cast<uint8_t*>(std::malloc(static_cast<size_t>(out_bytes) + 1)));
  desc.out = out_owned.get();
  return out_owned != nullptr;
}

Napi::ArrayBuffer LinearCall::take_output(Napi::Env env) {
  return Napi::ArrayBuffer::New(env, out_owned.release(), static_cast<size_t>(out_bytes),
                                [](Napi::Env, void* p) { std::free(p); });
}

}  // namespace qgemm_binding
