// The hot loops of HistogramObserver.observe, matching lib/quant/torch_ops.ts
// (torch 1.13's min/max and histc in float32) bit for bit.
#pragma once

#include <cstdint>

namespace qgemm {

// The minimum and maximum of x; both NaN if any element is NaN. n > 0.
void min_max(const float* x, int64_t n, float* lo, float* hi);

// For each x in [left, right]: pos = trunc(float32(float32(x - left) * bins) / (right - left)),
// the top edge in the last bin; out[pos] += 1 in float32. right > left.
void histc_accumulate(const float* x, int64_t n, int64_t bins, float left, float right, float* out);

}  // namespace qgemm
