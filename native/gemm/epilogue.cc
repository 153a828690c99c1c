#include "gemm/epilogue.h"

#include "gemm/epilogue_row.h"
#include "quant/isa_ops.h"
#include "quant/quantize.h"

#include <cmath>
#include <cstring>
#include <vector>

namespace qgemm {

namespace epilogue_detail {

#ifdef QGEMM_X86_KERNELS
const Ops& avx2_ops();
#endif
#ifdef QGEMM_KERNEL_QUANT_AVX512
const Ops& avx512_ops();
#endif

const Ops& scalar_ops() {
  static const Ops ops{to_float_row_simd<Scalar>};
  return ops;
}

const Ops& active_ops() {
  return ops_for_active_isa(scalar_ops(), QGEMM_AVX2_OPS(avx2_ops), QGEMM_AVX512_OPS(avx512_ops));
}

}  // namespace epilogue_detail

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
  const epilogue_detail::ToFloatRow to_float_row = epilogue_detail::active_ops().to_float_row;
  const float* bias = e.bias != nullptr ? tables.bias.data() : nullptr;
  // Without zero points acc' = acc: float32 rows convert straight from acc.
  const bool compensate = e.a_zero_point != nullptr || e.b_zero_point != nullptr;
  for (int64_t i = m0; i < m1; ++i) {
    const uint32_t za = e.a_zero_point ? u32(e.a_zero_point[e.a_zero_point_per_row ? c.row_offset + i : 0]) : 0;
    const uint32_t rowsum = e.b_zero_point && c.row_sums ? u32(c.row_sums[i]) : 0;
    const float sa = e.a_scale ? e.a_scale[e.a_scale_per_row ? c.row_offset + i : 0] : 1.0f;
    const int32_t* row = acc + (i - m0) * ld_acc;
    uint8_t* orow = static_cast<uint8_t*>(out) + (i * ld_out + n0) * static_cast<int64_t>(dtype_size(e.out_type));
    if (!compensate && e.out_type == DType::kFloat32) {
      to_float_row(row, sa, tables.sb.data(), bias, e.relu, cols, reinterpret_cast<float*>(orow));
      continue;
    }
    // Rows are staged in thread-local buffers: acc and out may be the same memory.
    compensate_row(row, tables, za, k * za - rowsum, cols, ints.data());
    if (e.out_type == DType::kInt32) {
      std::memcpy(orow, ints.data(), static_cast<size_t>(cols) * 4);
      continue;
    }
    to_float_row(ints.data(), sa, tables.sb.data(), bias, e.relu, cols, floats.data());
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
