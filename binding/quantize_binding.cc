#include "quantize_binding.h"

#include <cmath>
#include <string>

#include "args.h"
#include "errors.h"
#include "quant/histogram.h"
#include "quant/histogram_search.h"
#include "quant/quantize.h"

namespace qgemm_binding {

namespace {

struct Params {
  float scale;
  int32_t zero_point;
};

Params read_params(const Napi::CallbackInfo& info, qgemm::DType q_type) {
  Napi::Env env = info.Env();
  if (info.Length() != 4 || !info[1].IsNumber() || !info[2].IsNumber()) {
    throw_type_error(env, "ERR_QGEMM_ARG_TYPE", "expected (array, scale, zeroPoint, out)");
  }
  const float scale = info[1].As<Napi::Number>().FloatValue();
  if (!(scale > 0) || !std::isfinite(scale)) throw_range_error(env, "ERR_QGEMM_SCALE", "scale must be positive and finite");
  const double zp = info[2].As<Napi::Number>().DoubleValue();
  const double lo = q_type == qgemm::DType::kInt8 ? -128 : 0, hi = q_type == qgemm::DType::kInt8 ? 127 : 255;
  if (!(zp >= lo && zp <= hi) || std::floor(zp) != zp) throw_range_error(env, "ERR_QGEMM_ZERO_POINT", "zeroPoint outside its type");
  return {scale, static_cast<int32_t>(zp)};
}

void check_pair(Napi::Env env, const ArrayView& in, const ArrayView& out) {
  if (in.length != out.length) throw_range_error(env, "ERR_QGEMM_DATA_LENGTH", "input and output lengths differ");
}

}  // namespace

Napi::Value quantize_linear(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const ArrayView x = arg_array(info, 0, "x");
  const ArrayView out = arg_array(info, 3, "out");
  if (x.type != qgemm::DType::kFloat32) throw_type_error(env, "ERR_QGEMM_DTYPE", "x must be a Float32Array");
  if (out.type != qgemm::DType::kInt8 && out.type != qgemm::DType::kUInt8) {
    throw_type_error(env, "ERR_QGEMM_DTYPE", "out must be an Int8Array or Uint8Array");
  }
  check_pair(env, x, out);
  const Params p = read_params(info, out.type);
  qgemm::quantize_linear(static_cast<const float*>(x.data), x.length, p.scale, p.zero_point, out.type, out.data);
  return env.Undefined();
}

Napi::Value dequantize_linear(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const ArrayView q = arg_array(info, 0, "q");
  const ArrayView out = arg_array(info, 3, "out");
  if (q.type != qgemm::DType::kInt8 && q.type != qgemm::DType::kUInt8) {
    throw_type_error(env, "ERR_QGEMM_DTYPE", "q must be an Int8Array or Uint8Array");
  }
  if (out.type != qgemm::DType::kFloat32) throw_type_error(env, "ERR_QGEMM_DTYPE", "out must be a Float32Array");
  check_pair(env, q, out);
  const Params p = read_params(info, q.type);
  qgemm::dequantize_linear(q.data, q.type, q.length, p.scale, p.zero_point, static_cast<float*>(out.data));
  return env.Undefined();
}

Napi::Value min_max(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const ArrayView x = arg_array(info, 0, "x");
  if (x.type != qgemm::DType::kFloat32 || x.length == 0) {
    throw_type_error(env, "ERR_QGEMM_DTYPE", "x must be a non-empty Float32Array");
  }
  float lo, hi;
  qgemm::min_max(static_cast<const float*>(x.data), x.length, &lo, &hi);
  Napi::Array out = Napi::Array::New(env, 2);
  out.Set(0u, Napi::Number::New(env, lo));
  out.Set(1u, Napi::Number::New(env, hi));
  return out;
}

Napi::Value histc(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const ArrayView x = arg_array(info, 0, "x");
  const ArrayView out = arg_array(info, 4, "out");
  const int64_t bins = arg_size(info, 1, "bins");
  if (x.type != qgemm::DType::kFloat32 || out.type != qgemm::DType::kFloat32) {
    throw_type_error(env, "ERR_QGEMM_DTYPE", "x and out must be Float32Arrays");
  }
  if (!info[2].IsNumber() || !info[3].IsNumber()) throw_type_error(env, "ERR_QGEMM_ARG_TYPE", "left and right must be numbers");
  const float left = info[2].As<Napi::Number>().FloatValue(), right = info[3].As<Napi::Number>().FloatValue();
  if (bins < 1 || out.length != bins) throw_range_error(env, "ERR_QGEMM_SHAPE", "out must hold `bins` counts");
  if (!(right > left) || !std::isfinite(left) || !std::isfinite(right)) {
    throw_range_error(env, "ERR_QGEMM_MIN_MAX", "need finite left < right");
  }
  qgemm::histc_accumulate(static_cast<const float*>(x.data), x.length, bins, left, right, static_cast<float*>(out.data));
  return env.Undefined();
}

Napi::Value histogram_l2_search(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const ArrayView hist = arg_array(info, 0, "hist");
  if (hist.type != qgemm::DType::kFloat32 || hist.length == 0) {
    throw_type_error(env, "ERR_QGEMM_DTYPE", "hist must be a non-empty Float32Array");
  }
  if (!info[1].IsNumber() || !info[2].IsNumber()) throw_type_error(env, "ERR_QGEMM_ARG_TYPE", "min and max must be numbers");
  const float lo = info[1].As<Napi::Number>().FloatValue(), hi = info[2].As<Napi::Number>().FloatValue();
  if (!(lo <= hi) || !std::isfinite(lo) || !std::isfinite(hi)) throw_range_error(env, "ERR_QGEMM_MIN_MAX", "need finite min <= max");
  const int64_t dst_bins = arg_size(info, 3, "dstBins");
  if (dst_bins < 1) throw_range_error(env, "ERR_QGEMM_SHAPE", "dstBins must be at least 1");
  float range_lo, range_hi;
  qgemm::histogram_l2_search(static_cast<const float*>(hist.data), hist.length, lo, hi, dst_bins, &range_lo, &range_hi);
  Napi::Array out = Napi::Array::New(env, 2);
  out.Set(0u, Napi::Number::New(env, range_lo));
  out.Set(1u, Napi::Number::New(env, range_hi));
  return out;
}

}  // namespace qgemm_binding
