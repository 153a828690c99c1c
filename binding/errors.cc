#include "errors.h"

namespace qgemm_binding {

namespace {
template <typename E>
[[noreturn]] void throw_coded(Napi::Env env, const char* code, const std::string& message) {
  E error = E::New(env, message);
  error.Set("code", Napi::String::New(env, code));
  throw error;
}
}  // namespace

void throw_type_error(Napi::Env env, const char* code, const std::string& message) {
  throw_coded<Napi::TypeError>(env, code, message);
}

void throw_range_error(Napi::Env env, const char* code, const std::string& message) {
  throw_coded<Napi::RangeError>(env, code, message);
}

void throw_error(Napi::Env env, const char* code, const std::string& message) {
  throw_coded<Napi::Error>(env, code, message);
}

void throw_status(Napi::Env env, const qgemm::Status& status) {
  using qgemm::StatusCode;
  switch (status.code) {
    case StatusCode::kInvalidArgument: throw_range_error(env, "ERR_QGEMM_INVALID", status.message);
    case StatusCode::kOutOfBounds: throw_range_error(env, "ERR_QGEMM_OUT_OF_BOUNDS", status.message);
    case StatusCode::kUnsupported: throw_error(env, "ERR_QGEMM_UNSUPPORTED", status.message);
    case StatusCode::kOutOfMemory: throw_range_error(env, "ERR_QGEMM_OUT_OF_MEMORY", status.message);
    case StatusCode::kNotFinite: throw_range_error(env, "ERR_QGEMM_NOT_FINITE", status.message);
    case StatusCode::kInexact: throw_error(env, "ERR_QGEMM_INEXACT_BACKEND", status.message);
    default: throw_error(env, "ERR_QGEMM_BACKEND", status.message);
  }
}

}  // namespace qgemm_binding
