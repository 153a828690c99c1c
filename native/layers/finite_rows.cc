#include "layers/finite_rows.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>

#include "threads/thread_pool.h"

namespace qgemm {

bool all_finite(const float* x, int64_t n) {
  // Integer-only so that it vectorizes at the baseline ISA: an all-ones
  // exponent (NaN or Inf) plus one exponent step carries into the sign bit.
  uint32_t any = 0;
  for (int64_t i = 0; i < n; i++) {
    uint32_t bits;
    std::memcpy(&bits, x + i, sizeof bits);
    any |= (bits & 0x7f800000u) + 0x00800000u;
  }
  return (any & 0x80000000u) == 0;
}

bool all_finite_parallel(const float* x, int64_t n) {
  constexpr int64_t kChunk = 1 << 18;  // 1 MiB of float32 a task
  const int64_t tasks = (n + kChunk - 1) / kChunk;
  if (tasks <= 1 || ThreadPool::global().num_threads() <= 1) return all_finite(x, n);
  std::atomic<bool> finite{true};
  ThreadPool::global().parallel_for(tasks, [&](int64_t t) {
    const int64_t i0 = t * kChunk;
    if (finite.load(std::memory_order_relaxed) && !all_finite(x + i0, std::min(kChunk, n - i0))) {
      finite.store(false, std::memory_order_relaxed);
    }
  });
  return finite.load();
}

NonFiniteRows find_non_finite_rows(const float* x, int64_t rows, int64_t cols) {
  NonFiniteRows result;
  for (int64_t r = 0; r < rows; r++) {
    const float* row = x + r * cols;
    if (all_finite(row, cols)) continue;
    if (result.rows.empty()) {
      int64_t c = 0;
      while (std::isfinite(row[c])) c++;
      result.first_column = c;
      result.first_value = row[c];
    }
    result.rows.push_back(r);
  }
  return result;
}

}  // namespace qgemm
