#include "gemm/bounds.h"

namespace qgemm {

bool checked_mul(int64_t a, int64_t b, int64_t* out) {
  return !__builtin_mul_overflow(a, b, out);
}

bool required_elements(int64_t batch, int64_t rows, int64_t cols, int64_t batch_stride,
                       int64_t* out) {
  if (batch < 0 || rows < 0 || cols < 0 || batch_stride < 0) return false;
  int64_t one = 0;
  if (!checked_mul(rows, cols, &one)) return false;
  if (batch == 0 || one == 0) {
    *out = 0;
    return true;
  }
  int64_t last_offset = 0;
  if (!checked_mul(batch - 1, batch_stride, &last_offset)) return false;
  return !__builtin_add_overflow(last_offset, one, out);
}

}  // namespace qgemm
