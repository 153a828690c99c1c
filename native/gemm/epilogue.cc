#include "gemm/epilogue.h"

#include "quant/quantize.h"

#include <cmath>
#include <cstring>

namespace qgemm {

namespace {

inline uint32_t u32(int32_t x) { return static_cast<uint32_t>(x); }

// acc' with zero-point compensation, in wrapping int32 arithmetic.
inline int32_t compensated(const EpilogueContext& c, int32_t acc, int64_t m, int64_t n) {
  const Epilogue& e = *c.e;
  uint32_t v = u32(acc);
  const int32_t za = e.a_zero_point ? e.a_zero_point[e.a_zero_point_per_row ? c.row_offset + m : 0] : 0;
  const int32_t zb = e.b_zero_point ? e.b_zero_point[e.b_zero_point_per_column ? n : 0] : 0;
  if (za != 0) v -= u32(za) * u32(c.col_sums[n]);
  if (zb != 0) v -= u32(zb) * u32(c.row_sums[m]);
  if (za != 0 && zb != 0) v += u32(static_cast<int32_t>(c.k)) * u32(za) * u32(zb);
  return static_cast<int32_t>(v);
}

inline float to_float(const EpilogueContext& c, int32_t acc, int64_t m, int64_t n) {
  const Epilogue& e = *c.e;
  const float sa = e.a_scale ? e.a_scale[e.a_scale_per_row ? c.row_offset + m : 0] : 1.0f;
  const float sb = e.b_scale ? e.b_scale[e.b_scale_per_column ? n : 0] : 1.0f;
  const float s = sa * sb;
  float f = static_cast<float>(acc) * s;
  if (e.bias) f = f + e.bias[n];
  if (e.relu && f < 0.0f) f = 0.0f;
  return f;
}

template <typename T>
inline T quantize(float f, float y_scale, int32_t y_zero_point, int32_t lo, int32_t hi) {
  return static_cast<T>(quantize_value(f, y_scale, y_zero_point, lo, hi));
}

}  // namespace

void apply_epilogue(const EpilogueContext& c, const int32_t* acc, int64_t ld_acc, void* out, int64_t ld_out,
                    int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
  const Epilogue& e = *c.e;
  for (int64_t i = m0; i < m1; ++i) {
    const int32_t* arow = acc + (i - m0) * ld_acc;
    for (int64_t j = n0; j < n1; ++j) {
      const int32_t v = compensated(c, arow[j - n0], i, j);
      const int64_t o = i * ld_out + j;
      switch (e.out_type) {
        case DType::kInt32:
          static_cast<int32_t*>(out)[o] = v;
          break;
        case DType::kFloat32: {
          const float f = to_float(c, v, i, j);
          std::memcpy(static_cast<uint8_t*>(out) + o * 4, &f, 4);  // may alias acc: no typed store
          break;
        }
        case DType::kInt8:
          static_cast<int8_t*>(out)[o] = quantize<int8_t>(to_float(c, v, i, j), e.y_scale, e.y_zero_point, -128, 127);
          break;
        case DType::kUInt8:
          static_cast<uint8_t*>(out)[o] = quantize<uint8_t>(to_float(c, v, i, j), e.y_scale, e.y_zero_point, 0, 255);
          break;
      }
    }
  }
}

void row_sums(const uint8_t* a, bool a_unsigned, int64_t m, int64_t k, int32_t* out) {
  for (int64_t i = 0; i < m; ++i) {
    uint32_t s = 0;  // wraps like the accumulators it compensates
    const uint8_t* row = a + i * k;
    if (a_unsigned) {
      for (int64_t p = 0; p < k; ++p) s += row[p];
    } else {
      for (int64_t p = 0; p < k; ++p) s += u32(static_cast<int8_t>(row[p]));
    }
    out[i] = static_cast<int32_t>(s);
  }
}

}  // namespace qgemm
