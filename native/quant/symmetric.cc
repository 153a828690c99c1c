#include "quant/symmetric.h"

#include <algorithm>
#include <vector>

#include "quant/isa_ops.h"
#include "threads/thread_pool.h"

namespace qgemm {

namespace symmetric_detail {

#ifdef QGEMM_X86_KERNELS
const Ops& avx2_ops();
#endif
#ifdef QGEMM_KERNEL_QUANT_AVX512
const Ops& avx512_ops();
#endif

namespace {

float amax_scalar(const float* x, int64_t n) {
  float m = 0.0f;
  for (int64_t i = 0; i < n; ++i) {
    const float a = std::fabs(x[i]);
    if (a > m) m = a;  // NaN compares false: ignored, as the TypeScript loop
  }
  return m;
}

float amax_into_scalar(const float* x, int64_t n, float* amax) {
  float m = 0.0f;
  for (int64_t i = 0; i < n; ++i) {
    const float a = std::fabs(x[i]);
    if (a > amax[i]) amax[i] = a;
    if (a > m) m = a;
  }
  return m;
}

void quantize_scalar(const float* x, int64_t n, float scale, int8_t* q) {
  for (int64_t i = 0; i < n; ++i) q[i] = symmetric_level(x[i], scale);
}

void quantize_each_scalar(const float* x, int64_t n, const float* scales, int8_t* q) {
  for (int64_t i = 0; i < n; ++i) q[i] = symmetric_level(x[i], scales[i]);
}

void quantize_each_stochastic_scalar(const float* x, int64_t n, const float* scales, uint32_t seed, uint32_t index0,
                                     int8_t* q) {
  for (int64_t i = 0; i < n; ++i) {
    const float u = stochastic_uniform(stochastic_hash(seed, index0 + static_cast<uint32_t>(i)));
    q[i] = symmetric_level_stochastic(x[i], scales[i], u);
  }
}

void fake_quantize_scalar(const float* x, int64_t n, float scale, float* y) {
  for (int64_t i = 0; i < n; ++i) y[i] = static_cast<float>(symmetric_level(x[i], scale)) * scale;
}

void add_to_sums_scalar(const int8_t* q, int64_t n, int32_t* sums) {
  for (int64_t i = 0; i < n; ++i) sums[i] = static_cast<int32_t>(static_cast<uint32_t>(sums[i]) + static_cast<uint32_t>(q[i]));
}

}  // namespace

const Ops& scalar_ops() {
  static const Ops ops{amax_scalar, amax_into_scalar, quantize_scalar, quantize_each_scalar,
                       quantize_each_stochastic_scalar, fake_quantize_scalar, add_to_sums_scalar};
  return ops;
}

const Ops& active_ops() {
  return ops_for_active_isa(scalar_ops(), QGEMM_AVX2_OPS(avx2_ops), QGEMM_AVX512_OPS(avx512_ops));
}

}  // namespace symmetric_detail

namespace {

using symmetric_detail::active_ops;
using symmetric_detail::Ops;

// Below this many elements per task a second thread costs more than it saves.
constexpr int64_t kMinElementsPerTask = 1 << 15;

// Runs fn(r0, r1) over [0, rows) in contiguous ranges, on the pool when large.
template <typename Fn>
void for_row_ranges(int64_t rows, int64_t cols, Fn fn) {
  const int64_t by_size = rows * std::max<int64_t>(cols, 1) / kMinElementsPerTask;
  const int64_t tasks = std::max<int64_t>(1, std::min<int64_t>({rows, by_size, ThreadPool::global().num_threads() * 2}));
  if (tasks <= 1) {
    fn(int64_t{0}, rows);
    return;
  }
  const int64_t step = (rows + tasks - 1) / tasks;
  ThreadPool::global().parallel_for(tasks, [&](int64_t t) {
    const int64_t r0 = t * step, r1 = std::min(rows, r0 + step);
    if (r0 < r1) fn(r0, r1);
  });
}

// Column ranges of a multiple of 64 columns.
template <typename Fn>
void for_column_ranges(int64_t rows, int64_t cols, Fn fn) {
  const int64_t by_size = rows * cols / kMinElementsPerTask;
  const int64_t tasks = std::max<int64_t>(1, std::min<int64_t>({cols / 64, by_size, ThreadPool::global().num_threads() * 2}));
  if (tasks <= 1) {
    fn(int64_t{0}, cols);
    return;
  }
  const int64_t step = ((cols + tasks - 1) / tasks + 63) / 64 * 64;
  ThreadPool::global().parallel_for(tasks, [&](int64_t t) {
    const int64_t c0 = t * step, c1 = std::min(cols, c0 + step);
    if (c0 < c1) fn(c0, c1);
  });
}

// Column amax over rows [r0, r1) into amax (cols values, overwritten).
void column_amax(const Ops& ops, const float* x, int64_t r0, int64_t r1, int64_t cols, float* amax) {
  for_column_ranges(r1 - r0, cols, [&](int64_t c0, int64_t c1) {
    std::fill(amax + c0, amax + c1, 0.0f);
    for (int64_t r = r0; r < r1; ++r) ops.amax_into(x + r * cols + c0, c1 - c0, amax + c0);
  });
}

}  // namespace

void symmetric_quantize_rows(const float* x, int64_t rows, int64_t cols, int8_t* q, float* scales) {
  const Ops& ops = active_ops();
  for_row_ranges(rows, cols, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const float s = scales[r] = symmetric_scale(ops.amax(x + r * cols, cols));
      ops.quantize(x + r * cols, cols, s, q + r * cols);
    }
  });
}

void symmetric_quantize_rows_scaled(const float* x, int64_t rows, int64_t cols, const float* col_mult, int8_t* q,
                                    float* scales) {
  const Ops& ops = active_ops();
  for_row_ranges(rows, cols, [&](int64_t r0, int64_t r1) {
    thread_local std::vector<float> row;  // one row of products, in L1 (kept: a step allocates nothing)
    row.resize(static_cast<size_t>(cols));
    for (int64_t r = r0; r < r1; ++r) {
      const float* xr = x + r * cols;
      for (int64_t c = 0; c < cols; ++c) row[static_cast<size_t>(c)] = xr[c] * col_mult[c];
      const float s = scales[r] = symmetric_scale(ops.amax(row.data(), cols));
      ops.quantize(row.data(), cols, s, q + r * cols);
    }
  });
}

void symmetric_quantize_columns(const float* x, int64_t rows, int64_t cols, int8_t* q, float* scales) {
  const Ops& ops = active_ops();
  column_amax(ops, x, 0, rows, cols, scales);
  for (int64_t c = 0; c < cols; ++c) scales[c] = symmetric_scale(scales[c]);
  for_row_ranges(rows, cols, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) ops.quantize_each(x + r * cols, cols, scales, q + r * cols);
  });
}

void symmetric_row_column_scales(const float* x, int64_t rows, int64_t cols, float* row_scales, float* col_scales) {
  const Ops& ops = active_ops();
  // The single read of x: each task keeps its own column maxima, merged after.
  const int64_t threads = ThreadPool::global().num_threads();
  const int64_t tasks = std::max<int64_t>(1, std::min<int64_t>({rows, rows * cols / kMinElementsPerTask, threads}));
  const int64_t step = (rows + tasks - 1) / tasks;
  std::vector<float> partial(static_cast<size_t>(tasks * cols), 0.0f);
  auto pass = [&](int64_t t) {
    float* amax = partial.data() + t * cols;
    for (int64_t r = t * step; r < std::min(rows, (t + 1) * step); ++r) {
      const float* row = x + r * cols;
      row_scales[r] = symmetric_scale(ops.amax_into(row, cols, amax));
    }
  };
  if (tasks == 1) pass(0);
  else ThreadPool::global().parallel_for(tasks, pass);
  for (int64_t c = 0; c < cols; ++c) {
    float m = partial[c];
    for (int64_t t = 1; t < tasks; ++t) m = std::max(m, partial[t * cols + c]);
    col_scales[c] = symmetric_scale(m);
  }
}

void symmetric_quantize_rows_columns(const float* x, int64_t rows, int64_t cols, int8_t* q_rows, float* row_scales,
                                     int8_t* q_cols, float* col_scales) {
  const Ops& ops = active_ops();
  symmetric_row_column_scales(x, rows, cols, row_scales, col_scales);
  for_row_ranges(rows, cols, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      ops.quantize(x + r * cols, cols, row_scales[r], q_rows + r * cols);
      ops.quantize_each(x + r * cols, cols, col_scales, q_cols + r * cols);
    }
  });
}

void symmetric_quantize_column_blocks(const float* x, int64_t rows, int64_t cols, int64_t block, bool stochastic,
                                      uint32_t seed, int8_t* q, float* scales) {
  const Ops& ops = active_ops();
  if (block < 1) block = rows;
  for (int64_t b0 = 0, b = 0; b0 < rows; b0 += block, ++b) {
    float* s = scales + b * cols;
    column_amax(ops, x, b0, std::min(rows, b0 + block), cols, s);
    for (int64_t c = 0; c < cols; ++c) s[c] = symmetric_scale(s[c]);
  }
  for_row_ranges(rows, cols, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const float* s = scales + (r / block) * cols;
      if (stochastic) {
        ops.quantize_each_stochastic(x + r * cols, cols, s, seed, static_cast<uint32_t>(r * cols), q + r * cols);
      } else {
        ops.quantize_each(x + r * cols, cols, s, q + r * cols);
      }
    }
  });
}

void symmetric_fake_quantize_rows(const float* x, int64_t rows, int64_t cols, float* y, float* scales, int8_t* q) {
  const Ops& ops = active_ops();
  for_row_ranges(rows, cols, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const float s = scales[r] = symmetric_scale(ops.amax(x + r * cols, cols));
      ops.fake_quantize(x + r * cols, cols, s, y + r * cols);
      if (q != nullptr) ops.quantize(x + r * cols, cols, s, q + r * cols);  // the row is still in L1
    }
  });
}

}  // namespace qgemm
