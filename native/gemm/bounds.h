// Buffer sizes a descriptor touches, so a caller can prove every access is in
// bounds before running it. All arithmetic is overflow-checked.
#pragma once

#include <cstdint>

namespace qgemm {

// Elements needed for `batch` matrices of rows x cols each, batch_stride apart.
// Returns false if any size is negative or the count overflows int64.
bool required_elements(int64_t batch, int64_t rows, int64_t cols, int64_t batch_stride,
                       int64_t* out);

// a * b with overflow detection.
bool checked_mul(int64_t a, int64_t b, int64_t* out);

}  // namespace qgemm
