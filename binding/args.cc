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

namespace {

// One napi_get_typedarray_info call: node-addon-api's accessors make one each
// (type, length, buffer, offset), which was a fifth of a small call's cost.
bool typed_array_info(Napi::Env env, napi_value v, napi_typedarray_type* type, size_t* length, void** data) {
  bool is_typed = false;
  if (napi_is_typedarray(env, v, &is_typed) != napi_ok || !is_typed) return false;
  napi_value buffer;
  size_t offset;
  return napi_get_typedarray_info(env, v, type, length, data, &buffer, &offset) == napi_ok;
}

}  // namespace

ArrayView read_array(Napi::Env env, Napi::Value v, const std::string& name) {
  napi_typedarray_type type;
  size_t length = 0;
  void* data = nullptr;
  if (!typed_array_info(env, v, &type, &length, &data)) {
    throw_type_error(env, "ERR_QGEMM_ARG_TYPE", name + " must be a TypedArray");
  }
  ArrayView view{data, static_cast<int64_t>(length), qgemm::DType::kInt8};
  switch (type) {
    case napi_int8_array: view.type = qgemm::DType::kInt8; break;
    case napi_uint8_array: view.type = qgemm::DType::kUInt8; break;
    case napi_int32_array: view.type = qgemm::DType::kInt32; break;
    case napi_float32_array: view.type = qgemm::DType::kFloat32; break;
    default:
      throw_type_error(env, "ERR_QGEMM_DTYPE", name + " must be an Int8Array, Uint8Array, Int32Array or Float32Array");
  }
  if (data == nullptr) view.length = 0;  // detached (or empty)
  return view;
}

Napi::Object FieldNames::strings(Napi::Env env) {
  if (strings_.IsEmpty()) {
    Napi::Array names = Napi::Array::New(env, kFieldCount);
    for (uint32_t i = 0; i < kFieldCount; ++i) names.Set(i, Napi::String::New(env, kFieldNames[i]));
    strings_ = Napi::Persistent(names.As<Napi::Object>());
  }
  return strings_.Value();
}

Descriptor::Descriptor(const Napi::CallbackInfo& info, const char* call, FieldNames& names)
    : env_(info.Env()), call_(call), names_(names.strings(info.Env())) {
  // Arrays and functions are objects too, but never a descriptor.
  if (info.Length() != 1 || !info[0].IsObject() || info[0].IsArray() || info[0].IsFunction() || info[0].IsTypedArray()) {
    throw_type_error(env_, "ERR_QGEMM_ARG_TYPE", std::string(call_) + " expects one descriptor object");
  }
  object_ = info[0].As<Napi::Object>();
}

Napi::Value Descriptor::get(Field field) const {
  napi_value key, value;
  if (napi_get_element(env_, names_, field, &key) != napi_ok || napi_get_property(env_, object_, key, &value) != napi_ok) {
    throw Napi::Error::New(env_);
  }
  return Napi::Value(env_, value);
}

Napi::Value Descriptor::optional(Field field) const { return get(field); }

Napi::Value Descriptor::required(Field field) const {
  Napi::Value v = get(field);
  if (v.IsUndefined()) {
    throw_type_error(env_, "ERR_QGEMM_ARG_TYPE", std::string(call_) + " descriptor: " + kFieldNames[field] + " is missing");
  }
  return v;
}

Dims::Dims(const Descriptor& desc, const char* const* names, size_t count) : env_(desc.env()), names_(names) {
  const Napi::Value v = desc.required(kFieldDims);
  napi_typedarray_type type;
  size_t length = 0;
  void* data = nullptr;
  if (!typed_array_info(env_, v, &type, &length, &data) || type != napi_float64_array || length != count ||
      data == nullptr) {
    std::string list;
    for (size_t i = 0; i < count; ++i) list += (i > 0 ? ", " : "") + std::string(names[i]);
    throw_type_error(env_, "ERR_QGEMM_ARG_TYPE", "dims must be a Float64Array of " + std::to_string(count) + " values (" +
                                                     list + ")");
  }
  values_ = static_cast<const double*>(data);
}

int64_t Dims::size(size_t i) const {
  const double d = values_[i];
  if (!(d >= 0 && d <= kMaxSafeInteger) || std::floor(d) != d) {
    throw_range_error(env_, "ERR_QGEMM_SHAPE", std::string("dims.") + names_[i] + " must be a non-negative integer");
  }
  return static_cast<int64_t>(d);
}

bool Dims::flag(size_t i) const {
  const double d = values_[i];
  if (d != 0 && d != 1) throw_type_error(env_, "ERR_QGEMM_ARG_TYPE", std::string("dims.") + names_[i] + " must be 0 or 1");
  return d == 1;
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
