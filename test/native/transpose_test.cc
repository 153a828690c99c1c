// native/gemm/transpose: every element lands in its place for shapes with
// ragged 4x4 blocks and tiles, on one thread and on the pool (>= 2^16 elements).
#include <cstdint>
#include <vector>

#include "check.h"
#include "gemm/transpose.h"
#include "threads/thread_pool.h"

namespace {

template <typename T>
void check_shape(int64_t rows, int64_t cols) {
  std::vector<T> src(static_cast<size_t>(rows * cols)), dst(src.size(), T(0));
  for (int64_t i = 0; i < rows * cols; ++i) src[i] = static_cast<T>(i * 7 + 3);  // distinct mod 256 within a row
  qgemm::transpose(src.data(), rows, cols, dst.data());
  int64_t wrong = 0;
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = 0; c < cols; ++c) wrong += dst[c * rows + r] != src[r * cols + c];
  }
  if (!EXPECT(wrong == 0)) std::fprintf(stderr, "  %lld x %lld: %lld misplaced\n", (long long)rows, (long long)cols, (long long)wrong);
}

template <typename T>
void check_shapes() {
  for (int64_t rows : {1, 3, 4, 5, 16, 17, 63, 130}) {
    for (int64_t cols : {1, 2, 4, 7, 16, 33, 100}) check_shape<T>(rows, cols);
  }
  check_shape<T>(256, 512);  // the pool, power-of-two strides
  check_shape<T>(301, 259);  // the pool, ragged everywhere
  check_shape<T>(1, 70000);
  check_shape<T>(70000, 1);
}

}  // namespace

int main() {
  for (int threads : {1, 2}) {
    qgemm::ThreadPool::global().set_num_threads(threads);
    check_shapes<float>();
    check_shapes<uint8_t>();
  }
  return check::exit_code();
}
