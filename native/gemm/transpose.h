// Out-of-place transpose of a row-major matrix, in cache tiles on the pool:
// how the GEMMs read a transposed A (dW = dy^T x in training).
#pragma once

#include <cstdint>

namespace qgemm {

// dst[c * rows + r] = src[r * cols + c]: src is rows x cols, dst cols x rows.
void transpose(const float* src, int64_t rows, int64_t cols, float* dst);
void transpose(const uint8_t* src, int64_t rows, int64_t cols, uint8_t* dst);

}  // namespace qgemm
