// Finding the rows of a float32 matrix that hold NaN or +-Infinity, the check
// a float-in layer makes before quantizing: dynamic quantization would skip a
// NaN (and a static one would map it to 0), turning a bug upstream into
// plausible numbers.
#pragma once

#include <cstdint>
#include <vector>

namespace qgemm {

// True when every value of x[0..n) is finite.
bool all_finite(const float* x, int64_t n);
// The same, split over the compute pool when large (an optimizer's check of
// every gradient before a step). Not for use inside a pool task.
bool all_finite_parallel(const float* x, int64_t n);

struct NonFiniteRows {
  std::vector<int64_t> rows;  // every row holding a non-finite value, ascending
  int64_t first_column = -1;  // where rows[0] has its first one
  float first_value = 0;      // that value (NaN, Infinity or -Infinity)
};

// Scans a rows x cols row-major matrix; result.rows is empty when all is finite.
NonFiniteRows find_non_finite_rows(const float* x, int64_t rows, int64_t cols);

}  // namespace qgemm
