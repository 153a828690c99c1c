// Reads a JS epilogue object into a qgemm::Epilogue that owns copies of its
// arrays (so async jobs never read JS memory). Fields, all optional:
//   aZeroPoint: Int32Array (1 or batch*M)   bZeroPoint: Int32Array (1 or N)
//   aScale: Float32Array (1 or batch*M)     bScale: Float32Array (1 or N)
//   bias: Float32Array (N)   relu: boolean   yScale: number   yZeroPoint: number
// A length of 1 means per tensor; per row / per column otherwise.
#pragma once

#include <napi.h>

#include <vector>

#include "gemm/epilogue.h"

namespace qgemm_binding {

struct OwnedEpilogue {
  qgemm::Epilogue e;
  std::vector<int32_t> a_zero_point, b_zero_point;
  std::vector<float> a_scale, b_scale, bias;

  // Points e's pointers at the owned vectors (call after any move).
  void bind();
};

// out_type is the type of the output array.
OwnedEpilogue parse_epilogue(Napi::Env env, Napi::Value value, qgemm::DType out_type, int64_t rows, int64_t n);

}  // namespace qgemm_binding
