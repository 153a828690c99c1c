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
class Descriptor {
 public:
  // Throws ERR_QGEMM_ARG_TYPE unless the call got exactly one object.
  Descriptor(const Napi::CallbackInfo& info, const char* call);

  Napi::Env env() const { return env_; }
  // The field's value; throws if it is missing (undefined).
  Napi::Value required(const char* field) const;
  // The field's value, undefined when absent.
  Napi::Value optional(const char* field) const;
  int64_t size(const char* field) const { return read_size(env_, required(field), field); }
  bool boolean(const char* field) const { return read_bool(env_, required(field), field); }
  ArrayView array(const char* field) const { return read_array(env_, required(field), field); }
  // Any JS number (NaN and infinities included: the caller range-checks it).
  double number(const char* field) const;

 private:
  Napi::Env env_;
  Napi::Object object_;
  std::string call_;
};

// Throws ERR_QGEMM_OUT_OF_BOUNDS unless `view` holds `batch` matrices of
// rows x cols, batch_stride elements apart.
void check_fits(Napi::Env env, const ArrayView& view, int64_t batch, int64_t rows, int64_t cols,
                int64_t batch_stride, const char* name);

}  // namespace qgemm_binding
