// The largest K for which an int8 GEMM's int32 result is exact for every input.
//   s8 x s8: |a*b| <= 128*128 = 16384, so K <= floor((2^31 - 1) / 16384) = 131071
//   u8 x s8: |a*b| <= 255*128 = 32640, so K <= floor(2^31 / 32640)       = 65793
// Past these, every built-in kernel wraps modulo 2^32 (two's complement),
// identically on every ISA.
#pragma once

#include <cstdint>

namespace qgemm {

constexpr int64_t kMaxExactKS8S8 = 131071;
constexpr int64_t kMaxExactKU8S8 = 65793;

}  // namespace qgemm
