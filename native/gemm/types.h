// Element types and status codes shared by the whole core.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace qgemm {

enum class DType : int { kInt8 = 0, kUInt8 = 1, kInt32 = 2, kFloat32 = 3 };

inline size_t dtype_size(DType t) { return t == DType::kInt8 || t == DType::kUInt8 ? 1 : 4; }
const char* dtype_name(DType t);

enum class StatusCode : int {
  kOk = 0,
  kInvalidArgument,  // a descriptor that cannot be run (caller bug)
  kOutOfBounds,      // a descriptor that would read or write past a buffer
  kUnsupported,      // valid, but not on this backend or build
  kOutOfMemory,
  kBackendError,     // the backend library failed
  kInexact,          // the backend cannot give the exact answer on this CPU
  kNotFinite,        // NaN or infinity where a finite value is needed
};

// One operand of a GEMM as stored: row-major, or its transpose.
struct Operand {
  const void* data = nullptr;
  DType type = DType::kInt8;
  bool transposed = false;
  int64_t batch_stride = 0;  // elements between consecutive batch items
};

struct Status {
  StatusCode code = StatusCode::kOk;
  std::string message;
  bool ok() const { return code == StatusCode::kOk; }
  static Status Ok() { return {}; }
  static Status Error(StatusCode code, std::string message) { return {code, std::move(message)}; }
};

}  // namespace qgemm
