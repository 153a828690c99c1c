// The element-wise passes of a training step, bit-identical to the
// TypeScript loops they replace (lib/train: linear.ts addBias / columnSums,
// activations.ts ReLU, qat_linear.ts's STE mask, quant/fake_quantize.ts per
// tensor). AVX2 when the active ISA allows, same results as the scalar code.
#pragma once

#include <cstdint>

namespace qgemm {

// y += a (float32).
void add_into(const float* a, int64_t n, float* y);
// y[r][j] += bias[j] for a row-major rows x cols y, then y = y <= 0 ? 0 : y
// when relu (NaN stays NaN as in torch.relu and onnxruntime; -0 becomes +0).
void bias_relu(float* y, int64_t rows, int64_t cols, const float* bias, bool relu);
// y = x <= 0 ? 0 : x (NaN stays NaN, as torch.relu); when bits is set, bit i
// of bits (LSB first) = !(x[i] <= 0).
void relu_forward(const float* x, int64_t n, float* y, uint8_t* bits);
// dx = y <= 0 ? 0 : dy (y: the forward's output; torch's threshold_backward).
void relu_backward(const float* dy, const float* y, int64_t n, float* dx);
// dx = bit i set ? dy : 0 (bits from relu_forward).
void relu_backward_bits(const float* dy, const uint8_t* bits, int64_t n, float* dx);
// out[j] = float32(sum over rows of a[r][j]) with the sum in float64, row order.
void column_sums(const float* a, int64_t rows, int64_t cols, float* out);
// dx[i] = mask[i] ? dx[i] : 0.
void apply_mask(float* dx, const uint8_t* mask, int64_t n);
// Per-tensor fake quantization with the straight-through mask, as
// lib/quant/fake_quantize.ts: q = roundHalfEven(float32(x / scale)) + zero_point,
// mask = q in [qmin, qmax], y = float32((clamp(q) - zero_point) * scale); NaN: q = 0, mask 0.
// With codes (0 <= qmin <= qmax <= 255), codes[i] = clamp(q) too: the uint8
// input an int8 GEMM takes (QAT's forward).
void fake_quantize_affine(const float* x, int64_t n, float scale, int32_t zero_point, int32_t qmin, int32_t qmax,
                          float* y, uint8_t* mask, uint8_t* codes = nullptr);
// x[r][j] = float32(q[r][j] * scales[r]): int8 rows back to float32.
void dequantize_rows(const int8_t* q, const float* scales, int64_t rows, int64_t cols, float* x);

namespace elementwise_detail {
struct Ops {
  void (*add_into)(const float* a, int64_t n, float* y);
  void (*bias_relu_row)(float* y, int64_t n, const float* bias, bool relu);
  void (*relu_forward)(const float* x, int64_t n, float* y, uint8_t* bits);  // n a multiple of 8 when bits
  void (*relu_backward)(const float* dy, const float* y, int64_t n, float* dx);
  void (*relu_backward_bits)(const float* dy, const uint8_t* bits, int64_t n, float* dx);
  void (*column_sums_into)(const float* row, int64_t n, double* acc);
  void (*apply_mask)(float* dx, const uint8_t* mask, int64_t n);
  void (*fake_quantize_affine)(const float* x, int64_t n, float scale, int32_t zero_point, int32_t qmin, int32_t qmax,
                               float* y, uint8_t* mask, uint8_t* codes);  // codes may be null
  void (*dequantize_row)(const int8_t* q, int64_t n, float scale, float* x);
};
const Ops& scalar_ops();
const Ops& active_ops();
}  // namespace elementwise_detail

}  // namespace qgemm
