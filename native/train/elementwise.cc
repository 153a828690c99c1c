#include "train/elementwise.h"

#include <cmath>
#include <vector>

#include "quant/isa_ops.h"

namespace qgemm {

namespace elementwise_detail {

#ifdef QGEMM_X86_KERNELS
const Ops& avx2_ops();
#endif

namespace {

void add_into_scalar(const float* a, int64_t n, float* y) {
  for (int64_t i = 0; i < n; ++i) y[i] += a[i];
}

void bias_relu_row_scalar(float* y, int64_t n, const float* bias, bool relu) {
  if (bias != nullptr) {
    for (int64_t j = 0; j < n; ++j) y[j] += bias[j];
  }
  if (relu) {
    for (int64_t j = 0; j < n; ++j) y[j] = y[j] <= 0.0f ? 0.0f : y[j];
  }
}

void relu_forward_scalar(const float* x, int64_t n, float* y, uint8_t* bits) {
  for (int64_t i = 0; i < n; ++i) {
    const bool on = !(x[i] <= 0.0f);  // NaN passes through, as torch.relu
    y[i] = on ? x[i] : 0.0f;
    if (bits != nullptr) {
      const uint8_t bit = static_cast<uint8_t>(1u << (i & 7));
      bits[i >> 3] = on ? bits[i >> 3] | bit : bits[i >> 3] & static_cast<uint8_t>(~bit);
    }
  }
}

void relu_backward_scalar(const float* dy, const float* y, int64_t n, float* dx) {
  for (int64_t i = 0; i < n; ++i) dx[i] = y[i] <= 0.0f ? 0.0f : dy[i];
}

void relu_backward_bits_scalar(const float* dy, const uint8_t* bits, int64_t n, float* dx) {
  for (int64_t i = 0; i < n; ++i) dx[i] = (bits[i >> 3] >> (i & 7)) & 1 ? dy[i] : 0.0f;
}

void column_sums_into_scalar(const float* row, int64_t n, double* acc) {
  for (int64_t j = 0; j < n; ++j) acc[j] += row[j];
}

void apply_mask_scalar(float* dx, const uint8_t* mask, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    if (!mask[i]) dx[i] = 0.0f;
  }
}

void fake_quantize_affine_scalar(const float* x, int64_t n, float scale, int32_t zero_point, int32_t qmin,
                                 int32_t qmax, float* y, uint8_t* mask, uint8_t* codes) {
  for (int64_t i = 0; i < n; ++i) {
    float v = x[i] / scale;
    if (std::isnan(v)) {
      y[i] = static_cast<float>(0 - zero_point) * scale;
      mask[i] = 0;
      if (codes != nullptr) codes[i] = 0;
      continue;
    }
    v = v > 0x1p40f ? 0x1p40f : v < -0x1p40f ? -0x1p40f : v;
    int64_t q = static_cast<int64_t>(std::nearbyint(v)) + zero_point;
    mask[i] = q >= qmin && q <= qmax;
    q = q < qmin ? qmin : q > qmax ? qmax : q;
    y[i] = static_cast<float>(q - zero_point) * scale;
    if (codes != nullptr) codes[i] = static_cast<uint8_t>(q);
  }
}

void dequantize_row_scalar(const int8_t* q, int64_t n, float scale, float* x) {
  for (int64_t i = 0; i < n; ++i) x[i] = static_cast<float>(q[i]) * scale;
}

}  // namespace

const Ops& scalar_ops() {
  static const Ops ops{add_into_scalar,      bias_relu_row_scalar,        relu_forward_scalar,
                       relu_backward_scalar, relu_backward_bits_scalar,   column_sums_into_scalar,
                       apply_mask_scalar,    fake_quantize_affine_scalar, dequantize_row_scalar};
  return ops;
}

const Ops& active_ops() { return ops_for_active_isa(scalar_ops(), QGEMM_AVX2_OPS(avx2_ops)); }

}  // namespace elementwise_detail

using elementwise_detail::active_ops;

void add_into(const float* a, int64_t n, float* y) { active_ops().add_into(a, n, y); }

void bias_relu(float* y, int64_t rows, int64_t cols, const float* bias, bool relu) {
  const auto& ops = active_ops();
  for (int64_t r = 0; r < rows; ++r) ops.bias_relu_row(y + r * cols, cols, bias, relu);
}

void relu_forward(const float* x, int64_t n, float* y, uint8_t* bits) {
  const auto& ops = active_ops();
  const int64_t head = bits != nullptr ? n / 8 * 8 : n;  // the vector code writes whole bytes of bits
  ops.relu_forward(x, head, y, bits);
  elementwise_detail::scalar_ops().relu_forward(x + head, n - head, y + head, bits != nullptr ? bits + head / 8 : nullptr);
}

void relu_backward(const float* dy, const float* y, int64_t n, float* dx) { active_ops().relu_backward(dy, y, n, dx); }

void relu_backward_bits(const float* dy, const uint8_t* bits, int64_t n, float* dx) {
  active_ops().relu_backward_bits(dy, bits, n, dx);
}

void column_sums(const float* a, int64_t rows, int64_t cols, float* out) {
  const auto& ops = active_ops();
  std::vector<double> acc(static_cast<size_t>(cols), 0.0);
  for (int64_t r = 0; r < rows; ++r) ops.column_sums_into(a + r * cols, cols, acc.data());
  for (int64_t j = 0; j < cols; ++j) out[j] = static_cast<float>(acc[j]);
}

void apply_mask(float* dx, const uint8_t* mask, int64_t n) { active_ops().apply_mask(dx, mask, n); }

void fake_quantize_affine(const float* x, int64_t n, float scale, int32_t zero_point, int32_t qmin, int32_t qmax,
                          float* y, uint8_t* mask, uint8_t* codes) {
  active_ops().fake_quantize_affine(x, n, scale, zero_point, qmin, qmax, y, mask, codes);
}

void dequantize_rows(const int8_t* q, const float* scales, int64_t rows, int64_t cols, float* x) {
  const auto& ops = active_ops();
  for (int64_t r = 0; r < rows; ++r) ops.dequantize_row(q + r * cols, cols, scales[r], x + r * cols);
}

}  // namespace qgemm
