#include "args.h"

#include <cmath>
#include <string>

#include "errors.h"
#include "gemm/bounds.h"

namespace qgemm_binding {

namespace {
constexpr double kMaxSafeInteger = 9007199254740991.0;
}

int64_t read_size(Napi::Env env, Napi::Value v, const std::string& name) {
  if (!v.IsNumber()) throw_type_error(env, "ERR_QGEMM_ARG_TYPE", name + " must be a number");
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= 0 && d <= kMaxSafeInteger) || std::floor(d) != d) {
    throw_range_error(env, "ERR_QGEMM_SHAPE", name + " must be a non-negative integer");
  }
  return static_cast<int64_t>(d);
}

bool read_bool(Napi::Env env, Napi::Value v, const std::string& name) {
  if (!v.IsBoolean()) throw_type_error(env, "ERR_QGEMM_ARG_TYPE", name + " must be a boolean");
  return v.As<Napi::Boolean>().Value();
}

ArrayView read_array(Napi::Env env, Napi::Value v, const std::string& name) {
  if (!v.IsTypedArray()) throw_type_error(env, "ERR_QGEMM_ARG_TYPE", name + " must be a TypedArray");
  const Napi::TypedArray array = v.As<Napi::TypedArray>();
  ArrayView view{nullptr, static_cast<int64_t>(array.ElementLength()), qgemm::DType::kInt8};
  switch (array.TypedArrayType()) {
    case napi_int8_array: view.type = qgemm::DType::kInt8; break;
    case napi_uint8_array: view.type = qgemm::DType::kUInt8; break;
    case napi_int32_array: view.type = qgemm::DType::kInt32; break;
    case napi_float32_array: view.type = qgemm::DType::kFloat32; break;
    default:
      throw_type_error(env, "ERR_QGEMM_DTYPE", name + " must be an Int8Array, Uint8Array, Int32Array or Float32Array");
  }
  if (view.length > 0) {
    Napi::ArrayBuffer buffer = array.ArrayBuffer();
    view.data = static_cast<uint8_t*>(buffer.Data()) + array.ByteOffset();
    if (buffer.Data() == nullptr) view.length = 0;  // detached
  }
  return view;
}

Descriptor::Descriptor(const Napi::CallbackInfo& info, const char* call) : env_(info.Env()), call_(call) {
  // Arrays and functions are objects too, but never a descriptor.
  if (info.Length() != 1 || !info[0].IsObject() || info[0].IsArray() || info[0].IsFunction() || info[0].IsTypedArray()) {
    throw_type_error(env_, "ERR_QGEMM_ARG_TYPE", call_ + " expects one descriptor object");
  }
  object_ = info[0].As<Napi::Object>();
}

Napi::Value Descriptor::optional(const char* field) const { return object_.Get(field); }

Napi::Value Descriptor::required(const char* field) const {
  Napi::Value v = object_.Get(field);
  if (v.IsUndefined()) throw_type_error(env_, "ERR_QGEMM_ARG_TYPE", call_ + " descriptor: " + field + " is missing");
  return v;
}

double Descriptor::number(const char* field) const {
  const Napi::Value v = required(field);
  if (!v.IsNumber()) throw_type_error(env_, "ERR_QGEMM_ARG_TYPE", std::string(field) + " must be a number");
  return v.As<Napi::Number>().DoubleValue();
}

void check_fits(Napi::Env env, const ArrayView& view, int64_t batch, int64_t rows, int64_t cols,
                int64_t batch_stride, const char* name) {
  int64_t needed = 0;
  if (!qgemm::required_elements(batch, rows, cols, batch_stride, &needed)) {
    throw_range_error(env, "ERR_QGEMM_TOO_LARGE", std::string(name) + ": size overflows");
  }
  if (needed > view.length) {
    throw_range_error(env, "ERR_QGEMM_OUT_OF_BOUNDS",
                      std::string(name) + " holds " + std::to_string(view.length) + " elements, " +
                          std::to_string(needed) + " needed");
  }
}

}  // namespace qgemm_binding
