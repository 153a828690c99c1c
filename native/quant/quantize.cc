#include "quant/quantize.h"

#include "cpu/cpu_features.h"

namespace qgemm {

#ifdef QGEMM_X86_KERNELS
void quantize_linear_avx2(const float* x, int64_t n, float scale, int32_t zero_point, DType out_type, void* out);
void dequantize_linear_avx2(const void* q, DType type, int64_t n, float scale, int32_t zero_point, float* out);
#endif

#ifdef QGEMM_X86_KERNELS
namespace {
bool use_avx2() { return features_allowed(kFeatAvx2); }
}  // namespace
#endif

void quantize_linear(const float* x, int64_t n, float scale, int32_t zero_point, DType out_type, void* out) {
#ifdef QGEMM_X86_KERNELS
  if (use_avx2()) return quantize_linear_avx2(x, n, scale, zero_point, out_type, out);
#endif
  quantize_linear_scalar(x, n, scale, zero_point, out_type, out);
}

void dequantize_linear(const void* q, DType type, int64_t n, float scale, int32_t zero_point, float* out) {
#ifdef QGEMM_X86_KERNELS
  if (use_avx2()) return dequantize_linear_avx2(q, type, n, scale, zero_point, out);
#endif
  dequantize_linear_scalar(q, type, n, scale, zero_point, out);
}

void dequantize_linear_scalar(const void* q, DType type, int64_t n, float scale, int32_t zero_point, float* out) {
  const float zp = static_cast<float>(zero_point);
  if (type == DType::kInt8) {
    const int8_t* p = static_cast<const int8_t*>(q);
    for (int64_t i = 0; i < n; ++i) out[i] = (static_cast<float>(p[i]) - zp) * scale;
  } else {
    const uint8_t* p = static_cast<const uint8_t*>(q);
    for (int64_t i = 0; i < n; ++i) out[i] = (static_cast<float>(p[i]) - zp) * scale;
  }
}

void quantize_linear_scalar(const float* x, int64_t n, float scale, int32_t zero_point, DType out_type, void* out) {
  if (out_type == DType::kInt8) {
    int8_t* o = static_cast<int8_t*>(out);
    for (int64_t i = 0; i < n; ++i) o[i] = static_cast<int8_t>(quantize_value(x[i], scale, zero_point, -128, 127));
  } else {
    uint8_t* o = static_cast<uint8_t*>(out);
    for (int64_t i = 0; i < n; ++i) o[i] = static_cast<uint8_t>(quantize_value(x[i], scale, zero_point, 0, 255));
  }
}

namespace {

// The ONNX function body in float32: the range is widened to include 0.
Status dynamic_params(const float* x, int64_t n, float* scale, int32_t* zero_point) {
  float lo = 0.0f, hi = 0.0f;
  for (int64_t i = 0; i < n; ++i) {
    const float v = x[i];
    if (v < lo) lo = v;
    else if (v > hi) hi = v;
  }
  if (std::isinf(lo) || std::isinf(hi)) {
    return Status::Error(StatusCode::kNotFinite, "dynamic quantization needs finite values in x");
  }
  float s = (hi - lo) / 255.0f;
  if (s == 0.0f) {
    *scale = 1.0f;
    *zero_point = 0;
    return Status::Ok();
  }
  float zp = 0.0f - lo / s;
  zp = zp < 0.0f ? 0.0f : zp > 255.0f ? 255.0f : zp;
  *scale = s;
  *zero_point = static_cast<int32_t>(std::nearbyint(zp));
  return Status::Ok();
}

}  // namespace

Status dynamic_quantize_u8(const float* x, int64_t rows, int64_t cols, bool per_row, uint8_t* q, float* scales,
                           int32_t* zero_points) {
  if (!per_row) {
    Status s = dynamic_params(x, rows * cols, &scales[0], &zero_points[0]);
    if (!s.ok()) return s;
    quantize_linear(x, rows * cols, scales[0], zero_points[0], DType::kUInt8, q);
    return Status::Ok();
  }
  for (int64_t r = 0; r < rows; ++r) {
    Status s = dynamic_params(x + r * cols, cols, &scales[r], &zero_points[r]);
    if (!s.ok()) return s;
    quantize_linear(x + r * cols, cols, scales[r], zero_points[r], DType::kUInt8, q + r * cols);
  }
  return Status::Ok();
}

}  // namespace qgemm
