#include "layers/quantized_linear.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "gemm/epilogue.h"
#include "layers/finite_rows.h"
#include "quant/quantize.h"

namespace qgemm {

namespace {

std::string value_text(float v) {
  return std::isnan(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity";
}

// The same call with x's non-finite rows zeroed, then NaN across their output rows.
Status run_propagating(const QuantizedLinearDesc& d, const NonFiniteRows& bad) {
  const int64_t in = d.weights->k(), n = d.weights->n();
  std::vector<float> clean(d.x, d.x + d.rows * in);
  for (const int64_t r : bad.rows) std::memset(clean.data() + r * in, 0, static_cast<size_t>(in) * sizeof(float));
  QuantizedLinearDesc copy = d;
  copy.x = clean.data();
  copy.propagate_non_finite = false;
  const Status s = quantized_linear(copy);
  if (!s.ok()) return s;
  float* out = static_cast<float*>(d.out);
  for (const int64_t r : bad.rows) {
    for (int64_t j = 0; j < n; j++) out[r * n + j] = std::numeric_limits<float>::quiet_NaN();
  }
  return s;
}

}  // namespace

Status quantized_linear(const QuantizedLinearDesc& d) {
  if (d.weights == nullptr || d.weights->type() != DType::kInt8) {
    return Status::Error(StatusCode::kInvalidArgument, "weights must be packed int8");
  }
  const int64_t in = d.weights->k();
  // Nothing to write; also keeps a raw call with rows = 2^50 and N = 0 from looping.
  if (d.rows == 0 || d.weights->n() == 0) return Status::Ok();
  if (d.x != nullptr && d.x_quantized == nullptr) {
    const NonFiniteRows bad = find_non_finite_rows(d.x, d.rows, in);
    if (!bad.rows.empty()) {
      if (d.propagate_non_finite && d.out_type == DType::kFloat32) return run_propagating(d, bad);
      const int64_t r = bad.rows[0];
      return Status::Error(StatusCode::kNotFinite,
                           "x row " + std::to_string(r) + " holds " + value_text(bad.first_value) + " (x[" +
                               std::to_string(r) + "][" + std::to_string(bad.first_column) + "])" +
                               (bad.rows.size() > 1 ? ", and " + std::to_string(bad.rows.size() - 1) + " more rows do too" : ""));
    }
  }
  std::vector<uint8_t> q;
  std::vector<float> x_scales(1, d.x_scale);
  std::vector<int32_t> x_zero_points(1, d.x_zero_point);
  const uint8_t* a = d.x_quantized;
  if (a == nullptr) {
    if (d.x == nullptr) return Status::Error(StatusCode::kInvalidArgument, "x is missing");
    q.resize(static_cast<size_t>(d.rows * in));
    if (d.mode == ActivationQuant::kStatic) {
      quantize_linear(d.x, d.rows * in, d.x_scale, d.x_zero_point, d.x_type, q.data());
    } else {
      const bool per_row = d.mode == ActivationQuant::kDynamicPerRow;
      x_scales.resize(per_row ? static_cast<size_t>(d.rows) : 1);
      x_zero_points.resize(x_scales.size());
      Status s = dynamic_quantize_u8(d.x, d.rows, in, per_row, q.data(), x_scales.data(), x_zero_points.data());
      if (!s.ok()) return s;
    }
    a = q.data();
  }
  const bool per_row = d.mode == ActivationQuant::kDynamicPerRow;
  Epilogue e;
  e.out_type = d.out_type;
  e.a_zero_point = x_zero_points.data();
  e.a_zero_point_per_row = per_row;
  e.a_scale = x_scales.data();
  e.a_scale_per_row = per_row;
  e.b_scale = d.w_scales;
  e.b_scale_per_column = d.w_per_channel;
  e.bias = d.bias;
  e.relu = d.relu;
  e.y_scale = d.y_scale;
  e.y_zero_point = d.y_zero_point;

  GemmDesc g;
  g.m = d.rows;
  g.n = d.weights->n();
  g.k = in;
  g.a = {a, d.mode == ActivationQuant::kStatic ? d.x_type : DType::kUInt8, false, 0};
  g.packed_b = d.weights;
  g.c = d.out;
  g.c_type = d.out_type;
  g.epilogue = &e;
  return gemm(g, Backend::kBuiltin);
}

}  // namespace qgemm
