#include "quant/histogram_search.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace qgemm {

namespace {

constexpr int kLanes = 8;   // Vectorized<float>::size() under AVX2 dispatch
constexpr int kIlp = 4;     // row_sum's ilp_factor
constexpr int kLevels = 4;  // multi_row_sum's num_levels

// utils::CeilLog2 as multi_row_sum uses it: the bit width of x - 1, at least 1.
int64_t bit_width(int64_t x) {
  if (x <= 2) return 1;
  int64_t w = 0;
  for (uint64_t v = static_cast<uint64_t>(x - 1); v != 0; v >>= 1) w++;
  return w;
}

// _compute_quantization_error: Python doubles for the widths, float32 tensors for the rest.
float quantization_error(const float* hist, int64_t bins, float min, float max, int64_t dst_bins, int64_t next_start,
                         int64_t next_end, std::vector<float>& norm) {
  const double bw = (static_cast<double>(max) - static_cast<double>(min)) / static_cast<double>(bins);
  const double dbw = bw * static_cast<double>(next_end - next_start + 1) / static_cast<double>(dst_bins);
  if (dbw == 0) return 0;
  const float fbw = static_cast<float>(bw), fdbw = static_cast<float>(dbw);
  const float half = static_cast<float>(dbw / 2), nhalf = static_cast<float>(-dbw / 2);
  const float half3 = half * half * half, nhalf3 = nhalf * nhalf * nhalf;
  const float mid_norm = (half3 - nhalf3) / 3.0f;
  const float last = static_cast<float>(dst_bins - 1);
  for (int64_t i = 0; i < bins; i++) {
    const float begin = static_cast<float>(i - next_start) * fbw;
    const float end = begin + fbw;
    float d_begin = torch_floor_div_f32(begin, fdbw);
    d_begin = d_begin < 0 ? 0.0f : d_begin > last ? last : d_begin;
    float d_end = torch_floor_div_f32(end, fdbw);
    d_end = d_end < 0 ? 0.0f : d_end > last ? last : d_end;
    const float density = hist[i] / fbw;
    const float db = begin - (d_begin + 0.5f) * fdbw;
    float n = density * ((half3 - db * db * db) / 3.0f);
    n = n + ((d_end - d_begin) - 1.0f) * (density * mid_norm);
    const float de = end - (d_end * fdbw + half);
    n = n + density * ((de * de * de - nhalf3) / 3.0f);
    norm[static_cast<size_t>(i)] = n;
  }
  return torch_sum_f32(norm.data(), bins);
}

}  // namespace

float torch_sum_f32(const float* x, int64_t n) {
  const int64_t vecs = n / kLanes;
  const int64_t size_ilp = vecs / kIlp;
  const int64_t level_power = std::max<int64_t>(4, bit_width(size_ilp) / kLevels);
  const int64_t step = int64_t{1} << level_power;
  const int64_t mask = step - 1;
  float result = 0;
  for (int64_t k = vecs * kLanes; k < n; k++) result += x[k];
  float lanes[kLanes];
  for (int l = 0; l < kLanes; l++) {
    float acc[kLevels][kIlp] = {};
    int64_t i = 0;
    while (i + step <= size_ilp) {
      for (int64_t j = 0; j < step; j++, i++) {
        for (int k = 0; k < kIlp; k++) acc[0][k] += x[(i * kIlp + k) * kLanes + l];
      }
      for (int j = 1; j < kLevels; j++) {
        for (int k = 0; k < kIlp; k++) {
          acc[j][k] += acc[j - 1][k];
          acc[j - 1][k] = 0;
        }
        if ((i & (mask << (j * level_power))) != 0) break;
      }
    }
    for (; i < size_ilp; i++) {
      for (int k = 0; k < kIlp; k++) acc[0][k] += x[(i * kIlp + k) * kLanes + l];
    }
    for (int j = 1; j < kLevels; j++) {
      for (int k = 0; k < kIlp; k++) acc[0][k] += acc[j][k];
    }
    for (int64_t v = size_ilp * kIlp; v < vecs; v++) acc[0][0] += x[v * kLanes + l];
    float s = acc[0][0];
    for (int k = 1; k < kIlp; k++) s += acc[0][k];
    lanes[l] = s;
  }
  for (int l = 0; l < kLanes; l++) result += lanes[l];
  return result;
}

float torch_floor_div_f32(float a, float b) {
  // c10's div_floor_floating, step for step.
  if (b == 0) return a / b;
  const float mod = std::fmod(a, b);
  float div = (a - mod) / b;
  if (mod != 0 && (b < 0) != (mod < 0)) div -= 1.0f;
  if (div != 0) {
    float floordiv = std::floor(div);
    if (div - floordiv > 0.5f) floordiv += 1.0f;
    return floordiv;
  }
  return std::copysign(0.0f, a / b);
}

void histogram_l2_search(const float* hist, int64_t bins, float min, float max, int64_t dst_bins, float* lo, float* hi) {
  const float bin_width = (max - min) / static_cast<float>(bins);
  const float total = torch_sum_f32(hist, bins);
  std::vector<float> c_sum(static_cast<size_t>(bins)), norm(static_cast<size_t>(bins));
  double running = 0;  // torch.cumsum of float32 on CPU accumulates in double
  for (int64_t i = 0; i < bins; i++) {
    running += hist[i];
    c_sum[static_cast<size_t>(i)] = static_cast<float>(running);
  }
  const double stepsize = 1e-5;
  double alpha = 0, beta = 1;
  int64_t start_bin = 0, end_bin = bins - 1;
  float norm_min = std::numeric_limits<float>::infinity();
  while (alpha < beta) {
    const double next_alpha = alpha + stepsize, next_beta = beta - stepsize;
    // torch compares a float32 tensor with a Python float: the float is rounded to float32.
    const float low = static_cast<float>(next_alpha * total), high = static_cast<float>(next_beta * total);
    int64_t l = start_bin, r = end_bin;
    while (l < end_bin && c_sum[static_cast<size_t>(l)] < low) l++;
    while (r > start_bin && c_sum[static_cast<size_t>(r)] > high) r--;
    int64_t next_start = start_bin, next_end = end_bin;
    if (l - start_bin > end_bin - r) {
      next_start = l;
      alpha = next_alpha;
    } else {
      next_end = r;
      beta = next_beta;
    }
    if (next_start == start_bin && next_end == end_bin) continue;
    const float n = quantization_error(hist, bins, min, max, dst_bins, next_start, next_end, norm);
    if (n > norm_min) break;
    norm_min = n;
    start_bin = next_start;
    end_bin = next_end;
  }
  *lo = min + bin_width * static_cast<float>(start_bin);
  *hi = min + bin_width * static_cast<float>(end_bin + 1);
}

}  // namespace qgemm
