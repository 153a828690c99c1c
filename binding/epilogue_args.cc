#include "epilogue_args.h"

#include <cmath>
#include <string>

#include "errors.h"

namespace qgemm_binding {

namespace {

template <typename T, napi_typedarray_type kType>
std::vector<T> read_array(Napi::Env env, Napi::Object o, const char* name, int64_t full_length, bool allow_one) {
  const Napi::Value v = o.Get(name);
  if (v.IsUndefined() || v.IsNull()) return {};
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != kType) {
    throw_type_error(env, "ERR_QGEMM_ARG_TYPE",
                     std::string("epilogue.") + name + (kType == napi_int32_array ? " must be an Int32Array" : " must be a Float32Array"));
  }
  Napi::TypedArrayOf<T> array = v.As<Napi::TypedArrayOf<T>>();
  const int64_t length = static_cast<int64_t>(array.ElementLength());
  if (!(length == full_length || (allow_one && length == 1)) || (length > 0 && array.Data() == nullptr)) {
    throw_range_error(env, "ERR_QGEMM_SHAPE",
                      std::string("epilogue.") + name + " must hold " + (allow_one ? "1 or " : "") +
                          std::to_string(full_length) + " values, got " + std::to_string(length));
  }
  return std::vector<T>(array.Data(), array.Data() + length);
}

}  // namespace

void OwnedEpilogue::bind() {
  e.a_zero_point = a_zero_point.empty() ? nullptr : a_zero_point.data();
  e.b_zero_point = b_zero_point.empty() ? nullptr : b_zero_point.data();
  e.a_scale = a_scale.empty() ? nullptr : a_scale.data();
  e.b_scale = b_scale.empty() ? nullptr : b_scale.data();
  e.bias = bias.empty() ? nullptr : bias.data();
}

OwnedEpilogue parse_epilogue(Napi::Env env, Napi::Value value, qgemm::DType out_type, int64_t rows, int64_t n) {
  if (!value.IsObject()) throw_type_error(env, "ERR_QGEMM_ARG_TYPE", "epilogue must be an object");
  Napi::Object o = value.As<Napi::Object>();
  OwnedEpilogue r;
  r.e.out_type = out_type;
  r.a_zero_point = read_array<int32_t, napi_int32_array>(env, o, "aZeroPoint", rows, true);
  r.b_zero_point = read_array<int32_t, napi_int32_array>(env, o, "bZeroPoint", n, true);
  r.a_scale = read_array<float, napi_float32_array>(env, o, "aScale", rows, true);
  r.b_scale = read_array<float, napi_float32_array>(env, o, "bScale", n, true);
  r.bias = read_array<float, napi_float32_array>(env, o, "bias", n, false);
  r.e.a_zero_point_per_row = r.a_zero_point.size() > 1 || (rows == 1 && !r.a_zero_point.empty());
  r.e.b_zero_point_per_column = r.b_zero_point.size() > 1 || (n == 1 && !r.b_zero_point.empty());
  r.e.a_scale_per_row = r.a_scale.size() > 1 || (rows == 1 && !r.a_scale.empty());
  r.e.b_scale_per_column = r.b_scale.size() > 1 || (n == 1 && !r.b_scale.empty());
  const Napi::Value relu = o.Get("relu");
  r.e.relu = relu.IsBoolean() && relu.As<Napi::Boolean>().Value();
  const Napi::Value y_scale = o.Get("yScale"), y_zero_point = o.Get("yZeroPoint");
  if (y_scale.IsNumber()) r.e.y_scale = y_scale.As<Napi::Number>().FloatValue();
  if (y_zero_point.IsNumber()) {
    const double zp = y_zero_point.As<Napi::Number>().DoubleValue();
    const double lo = out_type == qgemm::DType::kInt8 ? -128 : 0, hi = out_type == qgemm::DType::kInt8 ? 127 : 255;
    if (!(zp >= lo && zp <= hi) || std::floor(zp) != zp) {
      throw_range_error(env, "ERR_QGEMM_ZERO_POINT", "epilogue.yZeroPoint is outside the output type's range");
    }
    r.e.y_zero_point = static_cast<int32_t>(zp);
  }
  if (!(r.e.y_scale > 0) || !std::isfinite(r.e.y_scale)) {
    throw_range_error(env, "ERR_QGEMM_SCALE", "epilogue.yScale must be a positive finite number");
  }
  r.bind();
  return r;
}

}  // namespace qgemm_binding
