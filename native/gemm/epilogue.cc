#include "gemm/epilogue.h"

#include "quant/quantize.h"

#include <cmath>
#include <cstring>
#include <vector>

namespace qgemm {

namespace {

inline uint32_t u32(int32_t x) { return static_cast<uint32_t>(x); }

// Per-column values of one block, laid out flat so the row loops vectorize.
struct ColumnTables {
  std::vector<uint32_t> zb, col_sum;
  std::vector<float> sb, bias;
  void fill(const EpilogueContext& c, int64_t n0, int64_t n1) {
    const Epilogue& e = *c.e;
    const size_t cols = static_cast<size_t>(n1 - n0);
    zb.resize(cols);
    col_sum.resize(cols);
    sb.resize(cols);
    bias.resize(cols);
    for (int64_t j = n0; j < n1; ++j) {
      const size_t t = static_cast<size_t>(j - n0);
      zb[t] = e.b_zero_point ? u32(e.b_zero_point[e.b_zero_point_per_column ? j : 0]) : 0;
      col_sum[t] = e.a_zero_point && c.col_sums ? u32(c.col_sums[j]) : 0;
      sb[t] = e.b_scale ? e.b_scale[e.b_scale_per_column ? j : 0] : 1.0f;
      bias[t] = e.bias ? e.bias[j] : 0.0f;
    }
  }
};

// acc'[j] = acc - za * colsum[j] - zb[j] * rowsum + K * za * zb[j]
//         = acc - za * colsum[j] + zb[j] * (K * za - rowsum)      (mod 2^32)
inline void compensate_row(const int32_t* acc, const ColumnTables& t, uint32_t za, uint32_t k_za_minus_rowsum,
                           int64_t cols, int32_t* out) {
  for (int64_t j = 0; j < cols; ++j) {
    out[j] = static_cast<int32_t>(u32(acc[j]) - za * t.col_sum[j] + t.zb[j] * k_za_minus_rowsum);
  }
}

// f = float(acc') * (sa * sb[j]); f + bias[j] (only with a bias: -0 + 0 is +0); relu.
template <bool kBias, bool kRelu>
void to_float_row(const int32_t* v, const ColumnTables& t, float sa, int64_t cols, float* out) {
  for (int64_t j = 0; j < cols; ++j) {
    float f = static_cast<float>(v[j]) * (sa * t.sb[j]);
    if (kBias) f = f + t.bias[j];
    if (kRelu) f = f < 0.0f ? 0.0f : f;
    out[j] = f;
  }
}

void to_float_row(const Epilogue& e, const int32_t* v, const ColumnTables& t, float sa, int64_t cols, float* out) {
  if (e.bias != nullptr) {
    e.relu ? to_float_row<true, true>(v, t, sa, cols, out) : to_float_row<true, false>(v, t, sa, cols, out);
  } else {
    e.relu ? to_float_row<false, true>(v, t, sa, cols, out) : to_float_row<false, false>(v, t, sa, cols, out);
  }
}

}  // namespace

void apply_epilogue(const EpilogueContext& c, const int32_t* acc, int64_t ld_acc, void* out, int64_t ld_out,
                    int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
  const Epilogue& e = *c.e;
  const int64_t cols = n1 - n0;
  thread_local ColumnTables tables;
  thread_local std::vector<int32_t> ints;
  thread_local std::vector<float> floats;
  tables.fill(c, n0, n1);
  ints.resize(static_cast<size_t>(cols));
  floats.resize(static_cast<size_t>(cols));
  const uint32_t k = u32(static_cast<int32_t>(c.k));
  for (int64_t i = m0; i < m1; ++i) {
    const uint32_t za = e.a_zero_point ? u32(e.a_zero_point[e.a_zero_point_per_row ? c.row_offset + i : 0]) : 0;
    const uint32_t rowsum = e.b_zero_point && c.row_sums ? u32(c.row_sums[i]) : 0;
    const float sa = e.a_scale ? e.a_scale[e.a_scale_per_row ? c.row_offset + i : 0] : 1.0f;
    // Rows are staged in thread-local buffers: acc and out may be the same memory.
    compensate_row(acc + (i - m0) * ld_acc, tables, za, k * za - rowsum, cols, ints.data());
    uint8_t* orow = static_cast<uint8_t*>(out) + (i * ld_out + n0) * static_cast<int64_t>(dtype_size(e.out_type));
    if (e.out_type == DType::kInt32) {
      std::memcpy(orow, ints.data(), static_cast<size_t>(cols) * 4);
      continue;
    }
    to_float_row(e, ints.data(), tables, sa, cols, floats.data());
    if (e.out_type == DType::kFloat32) {
      std::memcpy(orow, floats.data(), static_cast<size_t>(cols) * 4);
    } else {
      // quantize_value's semantics, vectorized where the ISA allows.
      quantize_linear(floats.data(), cols, e.y_scale, e.y_zero_point, e.out_type, orow);
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
