// HistogramObserver's L2 range search (torch 1.13 _non_linear_param_search)
// natively, matching lib/quant/histogram.ts bit for bit: the JS version is the
// reference (checked against torch's fixtures); this one makes a first call,
// before the JIT has warmed up, cost well under a millisecond.
// Compiled without FMA contraction: every float operation rounds as torch's.
#pragma once

#include <cstdint>

namespace qgemm {

// torch.sum of a contiguous float32 vector (ATen's cascade_sum under AVX2
// dispatch: 8 lanes, 4 interleaved rows, 4-level cascade, rows, tail, lanes).
float torch_sum_f32(const float* x, int64_t n);

// torch.div(a, b, rounding_mode='floor') in float32.
float torch_floor_div_f32(float a, float b);

// The clipping range [*lo, *hi] the L2 search picks for a histogram of `bins`
// counts over [min, max] quantized to dst_bins levels. bins > 0, min <= max.
void histogram_l2_search(const float* hist, int64_t bins, float min, float max, int64_t dst_bins, float* lo, float* hi);

}  // namespace qgemm
