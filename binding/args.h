// Reading arguments from JS without trusting them: every number is checked to
// be a non-negative safe integer, every buffer's type and length is checked.
// Calls with many parameters take one descriptor object read by field name
// (Descriptor); the short ones take positional arguments (arg_*).
#pragma once

#include <napi.h>

#include <cstdint>
#include <string>

#include "gemm/types.h"

namespace qgemm_binding {

struct ArrayView {
  void* data;
  int64_t length;  // elements
  qgemm::DType type;
};

// A dimension or stride: a non-negative integer up to 2^53 - 1.
int64_t read_size(Napi::Env env, Napi::Value v, const std::string& name);
bool read_bool(Napi::Env env, Napi::Value v, const std::string& name);
// An Int8Array, Uint8Array, Int32Array or Float32Array.
ArrayView read_array(Napi::Env env, Napi::Value v, const std::string& name);

inline int64_t arg_size(const Napi::CallbackInfo& info, size_t index, const char* name) {
  return read_size(info.Env(), info[index], name);
}
inline bool arg_bool(const Napi::CallbackInfo& info, size_t index, const char* name) {
  return read_bool(info.Env(), info[index], name);
}
inline ArrayView arg_array(const Napi::CallbackInfo& info, size_t index, const char* name) {
  return read_array(info.Env(), info[index], name);
}

// A descriptor object read by field name. A missing field, or one of the
// wrong type, throws a coded error naming the call and the field
// (ERR_QGEMM_ARG_TYPE; ERR_QGEMM_SHAPE for a bad size, as arg_size).
// The descriptors' fields (buffers and objects; numbers travel in dims).
enum Field : uint32_t { kFieldA, kFieldB, kFieldC, kFieldDims, kFieldEpilogue, kFieldX, kFieldWeights,
                        kFieldWScales, kFieldBias, kFieldOut, kFieldCount };
inline constexpr const char* kFieldNames[kFieldCount] = {"a",       "b", "c",       "dims", "epilogue",
                                                         "x",       "weights", "wScales", "bias", "out"};

// Their names as JS strings, made once per environment (the addon instance
// holds one): a lookup by C string makes and hashes a new JS string on every
// call, which was most of a 16^3 GEMM's call overhead. The strings live in a
// JS array, since Node-API 8 references only objects.
class FieldNames {
 public:
  // The array of kFieldNames as JS strings (valid in the caller's scope).
  Napi::Object strings(Napi::Env env);

 private:
  Napi::ObjectReference strings_;
};

class Descriptor {
 public:
  // Throws ERR_QGEMM_ARG_TYPE unless the call got exactly one object.
  Descriptor(const Napi::CallbackInfo& info, const char* call, FieldNames& names);

  Napi::Env env() const { return env_; }
  // The field's value; throws if it is missing (undefined).
  Napi::Value required(Field field) const;
  // The field's value, undefined when absent.
  Napi::Value optional(Field field) const;
  ArrayView array(Field field) const { return read_array(env_, required(field), kFieldNames[field]); }

 private:
  Napi::Value get(Field field) const;

  Napi::Env env_;
  Napi::Object object_;
  const char* call_;
  Napi::Object names_;
};

// A descriptor's numeric fields: one Float64Array, `dims`, at indices named on
// both sides (the enums of gemm_call.h and linear_call.h; lib/native.ts
// GEMM_DIMS and LINEAR_DIMS, checked against the addon's gemmDimNames and
// linearDimNames by test/binding_dims.test.ts). Reading a dozen properties
// through Node-API cost ~1.5 us a call; one typed array costs one lookup.
class Dims {
 public:
  // Throws ERR_QGEMM_ARG_TYPE unless desc.dims is a Float64Array of `count` values.
  Dims(const Descriptor& desc, const char* const* names, size_t count);
  // A non-negative safe integer (ERR_QGEMM_SHAPE otherwise).
  int64_t size(size_t i) const;
  // 0 or 1 (ERR_QGEMM_ARG_TYPE otherwise).
  bool flag(size_t i) const;
  // Any value, NaN and infinities included (the caller range-checks it).
  double number(size_t i) const { return values_[i]; }
  const char* name(size_t i) const { return names_[i]; }
  Napi::Env env() const { return env_; }

 private:
  Napi::Env env_;
  const double* values_ = nullptr;
  const char* const* names_;
};

// Throws ERR_QGEMM_OUT_OF_BOUNDS unless `view` holds `batch` matrices of
// rows x cols, batch_stride elements apart.
void check_fits(Napi::Env env, const ArrayView& view, int64_t batch, int64_t rows, int64_t cols,
                int64_t batch_stride, const char* name);

}  // namespace qgemm_binding
