#include "quant/histogram.h"

#include <algorithm>

#include "cpu/cpu_features.h"

#include <cmath>
#include <limits>
#include <vector>

namespace qgemm {

#ifdef QGEMM_X86_KERNELS
void min_max_avx2(const float* x, int64_t n, float* lo, float* hi);
int64_t histc_indices_avx2(const float* x, int64_t n, int64_t bins, float left, float right, int32_t* idx);

namespace {
bool use_avx2() { return features_allowed(kFeatAvx2); }
}  // namespace
#endif

void min_max(const float* x, int64_t n, float* lo, float* hi) {
#ifdef QGEMM_X86_KERNELS
  if (use_avx2()) return min_max_avx2(x, n, lo, hi);
#endif
  float a = std::numeric_limits<float>::infinity(), b = -a;
  bool nan = false;
  for (int64_t i = 0; i < n; ++i) {
    const float v = x[i];
    a = v < a ? v : a;
    b = v > b ? v : b;
    nan |= v != v;
  }
  *lo = nan ? NAN : a;
  *hi = nan ? NAN : b;
}

namespace {

inline int64_t bin_of(float v, float left, float fbins, float width, int64_t bins) {
  const int64_t pos = static_cast<int64_t>((v - left) * fbins / width);  // truncation, as torch
  return pos == bins ? bins - 1 : pos;
}

}  // namespace

void histc_accumulate(const float* x, int64_t n, int64_t bins, float left, float right, float* out) {
  const float width = right - left;
  const float fbins = static_cast<float>(bins);
  // Adding 1.0f one element at a time is exact integer counting until a bin
  // reaches 2^24 (then float addition stops counting). Below that, four
  // integer sub-histograms (no store-to-load chains on repeated bins) added
  // once at the end give the same floats.
  float top = 0.0f;
  for (int64_t b = 0; b < bins; ++b) top = out[b] > top ? out[b] : top;
  const bool exact_counts = top + static_cast<float>(n) <= 16777216.0f && top == std::floor(top);
  if (!exact_counts) {
    for (int64_t i = 0; i < n; ++i) {
      const float v = x[i];
      if (v >= left && v <= right) out[bin_of(v, left, fbins, width, bins)] += 1.0f;  // skips NaN
    }
    return;
  }
  std::vector<int32_t> counts(static_cast<size_t>(4 * bins), 0);
  int32_t* c[4] = {counts.data(), counts.data() + bins, counts.data() + 2 * bins, counts.data() + 3 * bins};
  int64_t i = 0;
#ifdef QGEMM_X86_KERNELS
  if (use_avx2()) {
    // Indices in chunks (8 per vdivps), then the increments.
    constexpr int64_t kChunk = 1024;
    int32_t idx[kChunk];
    while (i + 8 <= n) {
      const int64_t len = std::min<int64_t>(kChunk, (n - i) / 8 * 8);
      histc_indices_avx2(x + i, len, bins, left, right, idx);
      for (int64_t k = 0; k < len; ++k) {
        if (idx[k] >= 0) ++c[k & 3][idx[k]];
      }
      i += len;
    }
  }
#endif
  for (; i + 4 <= n; i += 4) {
    for (int lane = 0; lane < 4; ++lane) {
      const float v = x[i + lane];
      if (v >= left && v <= right) ++c[lane][bin_of(v, left, fbins, width, bins)];
    }
  }
  for (; i < n; ++i) {
    const float v = x[i];
    if (v >= left && v <= right) ++c[0][bin_of(v, left, fbins, width, bins)];
  }
  for (int64_t b = 0; b < bins; ++b) out[b] += static_cast<float>(c[0][b] + c[1][b] + c[2][b] + c[3][b]);
}

}  // namespace qgemm
