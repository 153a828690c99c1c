// Reading arguments from JS without trusting them: every number is checked to
// be a non-negative safe integer, every buffer's type and length is checked.
#pragma once

#include <napi.h>

#include <cstdint>

#include "gemm/types.h"

namespace qgemm_binding {

struct ArrayView {
  void* data;
  int64_t length;  // elements
  qgemm::DType type;
};

// A dimension or stride: a non-negative integer up to 2^53 - 1.
int64_t arg_size(const Napi::CallbackInfo& info, size_t index, const char* name);
bool arg_bool(const Napi::CallbackInfo& info, size_t index, const char* name);
// An Int8Array, Uint8Array, Int32Array or Float32Array.
ArrayView arg_array(const Napi::CallbackInfo& info, size_t index, const char* name);

// Throws ERR_QGEMM_OUT_OF_BOUNDS unless `view` holds `batch` matrices of
// rows x cols, batch_stride elements apart.
void check_fits(Napi::Env env, const ArrayView& view, int64_t batch, int64_t rows, int64_t cols,
                int64_t batch_stride, const char* name);

}  // namespace qgemm_binding
