// Symmetric narrow-range int8 ([-127, 127]) for the training hot path,
// bit-identical to lib/train/symmetric.ts (the scheme of quantizeWeights):
//   scale = float32(amax / 127), or 1 when amax is 0 (amax ignores NaN);
//   q = clamp(roundHalfEven(float32(x / scale)), -127, 127), NaN -> 0.
// Stochastic rounding (full int8 training's dY) replaces roundHalfEven(v) by
// floor(float32(v + u)) with u in [0, 1) from a counter-based hash of
// (seed, element index), so results do not depend on the thread count.
// Every function runs AVX2 code when the active ISA allows, with the same
// results as the scalar code, and splits large inputs over the thread pool.
#pragma once

#include <cmath>
#include <cstdint>

namespace qgemm {

inline float symmetric_scale(float amax) { return amax > 0.0f ? amax / 127.0f : 1.0f; }

inline int8_t symmetric_level(float x, float scale) {
  float v = x / scale;
  if (std::isnan(v)) return 0;
  v = v > 127.0f ? 127.0f : v < -127.0f ? -127.0f : v;
  return static_cast<int8_t>(static_cast<int32_t>(std::nearbyint(v)));  // half to even
}

// murmur3's fmix32 of the element index spread by the golden ratio, plus the seed.
inline uint32_t stochastic_hash(uint32_t seed, uint32_t index) {
  uint32_t h = index * 0x9E3779B9u + seed;
  h ^= h >> 16;
  h *= 0x85EBCA6Bu;
  h ^= h >> 13;
  h *= 0xC2B2AE35u;
  h ^= h >> 16;
  return h;
}

// u = (h >> 8) * 2^-24: 24 random bits, exact in float32, in [0, 1).
inline float stochastic_uniform(uint32_t h) { return static_cast<float>(h >> 8) * 0x1p-24f; }

inline int8_t symmetric_level_stochastic(float x, float scale, float u) {
  float v = x / scale;
  if (std::isnan(v)) return 0;
  v = std::floor(v + u);
  return static_cast<int8_t>(v > 127.0f ? 127 : v < -127.0f ? -127 : static_cast<int32_t>(v));
}

// One scale per row of a row-major rows x cols matrix (scales: rows values).
void symmetric_quantize_rows(const float* x, int64_t rows, int64_t cols, int8_t* q, float* scales);
// Rows of x whose column j is first multiplied by col_mult[j] (one float32
// product each), then quantized as symmetric_quantize_rows does. For dX = dY W
// with W = diag(s) Q (W's row levels): dY diag(s) is the operand to quantize.
void symmetric_quantize_rows_scaled(const float* x, int64_t rows, int64_t cols, const float* col_mult, int8_t* q,
                                    float* scales);
// One scale per column (scales: cols values).
void symmetric_quantize_columns(const float* x, int64_t rows, int64_t cols, int8_t* q, float* scales);
// Both at once, the row and column ranges from a single read of x.
void symmetric_quantize_rows_columns(const float* x, int64_t rows, int64_t cols, int8_t* q_rows, float* row_scales,
                                     int8_t* q_cols, float* col_scales);
// The scales of both (row_scales: rows values, col_scales: cols) from a single read of x.
void symmetric_row_column_scales(const float* x, int64_t rows, int64_t cols, float* row_scales, float* col_scales);
// One scale per column of each block of `block` rows (scales: ceil(rows / block)
// x cols, block-major); `stochastic` rounds as described above with `seed`.
void symmetric_quantize_column_blocks(const float* x, int64_t rows, int64_t cols, int64_t block, bool stochastic,
                                      uint32_t seed, int8_t* q, float* scales);
// Quantize-dequantize per row: y = float32(q * scale) (QAT's weights); with
// q, the int8 levels too (symmetric_quantize_rows' output, from the same read).
void symmetric_fake_quantize_rows(const float* x, int64_t rows, int64_t cols, float* y, float* scales,
                                  int8_t* q = nullptr);

// The scalar and AVX2 building blocks (one row of cols values each).
namespace symmetric_detail {
struct Ops {
  float (*amax)(const float* x, int64_t n);
  // amax[j] = max(amax[j], |x[j]|); returns max |x[j]| (x's own amax, as amax(x, n)).
  float (*amax_into)(const float* x, int64_t n, float* amax);
  void (*quantize)(const float* x, int64_t n, float scale, int8_t* q);
  void (*quantize_each)(const float* x, int64_t n, const float* scales, int8_t* q);
  void (*quantize_each_stochastic)(const float* x, int64_t n, const float* scales, uint32_t seed, uint32_t index0,
                                   int8_t* q);
  void (*fake_quantize)(const float* x, int64_t n, float scale, float* y);
  void (*add_to_sums)(const int8_t* q, int64_t n, int32_t* sums);  // sums[j] += q[j], wrapping (column sums)
};
const Ops& scalar_ops();
const Ops& active_ops();
}  // namespace symmetric_detail

}  // namespace qgemm
