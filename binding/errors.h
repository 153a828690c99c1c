// JS errors with a stable `code`, thrown as C++ exceptions that node-addon-api
// turns into JS exceptions (NODE_ADDON_API_CPP_EXCEPTIONS_ALL: nothing escapes).
#pragma once

#include <napi.h>

#include <string>

#include "gemm/types.h"

namespace qgemm_binding {

[[noreturn]] void throw_type_error(Napi::Env env, const char* code, const std::string& message);
[[noreturn]] void throw_range_error(Napi::Env env, const char* code, const std::string& message);
[[noreturn]] void throw_error(Napi::Env env, const char* code, const std::string& message);

// Throws the JS error that matches a failed core Status.
[[noreturn]] void throw_status(Napi::Env env, const qgemm::Status& status);

}  // namespace qgemm_binding
