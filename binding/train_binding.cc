#include "train_binding.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "args.h"
#include "layers/finite_rows.h"
#include "errors.h"
#include "quant/symmetric.h"
#include "train/adam.h"
#include "train/dynamic_code.h"
#include "train/elementwise.h"
#include "train/int8_linear.h"

namespace qgemm_binding {

namespace {

using qgemm::DType;

int64_t times(Napi::Env env, int64_t a, int64_t b) {
  if (a != 0 && b > std::numeric_limits<int64_t>::max() / a) {
    throw_range_error(env, "ERR_QGEMM_TOO_LARGE", "sizes overflow");
  }
  return a * b;
}

const char* type_name(DType t) {
  switch (t) {
    case DType::kInt8: return "an Int8Array";
    case DType::kUInt8: return "a Uint8Array";
    case DType::kInt32: return "an Int32Array";
    case DType::kFloat32: return "a Float32Array";
  }
  return "a TypedArray";
}

// The TypedArray at `index`, of `type`, holding at least `needed` elements;
// null when `optional` and the argument is undefined.
template <typename T>
T* buffer(const Napi::CallbackInfo& info, size_t index, const char* name, DType type, int64_t needed,
          bool optional = false) {
  if (optional && info[index].IsUndefined()) return nullptr;
  const ArrayView v = arg_array(info, index, name);
  if (v.type != type) throw_type_error(info.Env(), "ERR_QGEMM_DTYPE", std::string(name) + " must be " + type_name(type));
  if (v.length < needed) {
    throw_range_error(info.Env(), "ERR_QGEMM_OUT_OF_BOUNDS",
                      std::string(name) + " holds " + std::to_string(v.length) + " elements, " +
                          std::to_string(needed) + " needed");
  }
  return static_cast<T*>(v.data);
}

float* f32(const Napi::CallbackInfo& info, size_t i, const char* name, int64_t n, bool optional = false) {
  return buffer<float>(info, i, name, DType::kFloat32, n, optional);
}
int8_t* i8(const Napi::CallbackInfo& info, size_t i, const char* name, int64_t n, bool optional = false) {
  return buffer<int8_t>(info, i, name, DType::kInt8, n, optional);
}
uint8_t* u8(const Napi::CallbackInfo& info, size_t i, const char* name, int64_t n, bool optional = false) {
  return buffer<uint8_t>(info, i, name, DType::kUInt8, n, optional);
}

// The element count of the Float32Array at `index` (the length of a flat pass).
int64_t f32_length(const Napi::CallbackInfo& info, size_t index, const char* name) {
  const ArrayView v = arg_array(info, index, name);
  if (v.type != DType::kFloat32) throw_type_error(info.Env(), "ERR_QGEMM_DTYPE", std::string(name) + " must be a Float32Array");
  return v.length;
}

double number(const Napi::CallbackInfo& info, size_t index, const char* name) {
  if (!info[index].IsNumber()) throw_type_error(info.Env(), "ERR_QGEMM_ARG_TYPE", std::string(name) + " must be a number");
  return info[index].As<Napi::Number>().DoubleValue();
}

// Adam's eight numbers from `index` on: beta1, beta2, 1 - beta1, 1 - beta2, eps, weightDecay, stepSize, c2.
qgemm::AdamParams adam_params(const Napi::CallbackInfo& info, size_t index) {
  qgemm::AdamParams a;
  a.beta1 = number(info, index, "beta1");
  a.beta2 = number(info, index + 1, "beta2");
  a.one_minus_beta1 = number(info, index + 2, "oneMinusBeta1");
  a.one_minus_beta2 = number(info, index + 3, "oneMinusBeta2");
  a.eps = number(info, index + 4, "eps");
  a.weight_decay = number(info, index + 5, "weightDecay");
  a.step_size = number(info, index + 6, "stepSize");
  a.c2 = number(info, index + 7, "c2");
  return a;
}

uint32_t seed_arg(const Napi::CallbackInfo& info, size_t index) {
  const int64_t s = arg_size(info, index, "seed");
  if (s > 0xFFFFFFFFll) throw_range_error(info.Env(), "ERR_QGEMM_OPTION", "seed must be a uint32");
  return static_cast<uint32_t>(s);
}

void check_status(Napi::Env env, const qgemm::Status& s) {
  if (!s.ok()) throw_status(env, s);
}

// (x, rows, cols, q, scales)
Napi::Value quantize_rows(const Napi::CallbackInfo& info) {
  const int64_t rows = arg_size(info, 1, "rows"), cols = arg_size(info, 2, "cols"), n = times(info.Env(), rows, cols);
  qgemm::symmetric_quantize_rows(f32(info, 0, "x", n), rows, cols, i8(info, 3, "q", n), f32(info, 4, "scales", rows));
  return info.Env().Undefined();
}

// (x, rows, cols, q, scales)
Napi::Value quantize_columns(const Napi::CallbackInfo& info) {
  const int64_t rows = arg_size(info, 1, "rows"), cols = arg_size(info, 2, "cols"), n = times(info.Env(), rows, cols);
  qgemm::symmetric_quantize_columns(f32(info, 0, "x", n), rows, cols, i8(info, 3, "q", n), f32(info, 4, "scales", cols));
  return info.Env().Undefined();
}

// (x, rows, cols, qRows, rowScales, qCols, colScales)
Napi::Value quantize_rows_columns(const Napi::CallbackInfo& info) {
  const int64_t rows = arg_size(info, 1, "rows"), cols = arg_size(info, 2, "cols"), n = times(info.Env(), rows, cols);
  qgemm::symmetric_quantize_rows_columns(f32(info, 0, "x", n), rows, cols, i8(info, 3, "qRows", n),
                                         f32(info, 4, "rowScales", rows), i8(info, 5, "qCols", n),
                                         f32(info, 6, "colScales", cols));
  return info.Env().Undefined();
}

// (x, rows, cols, block, stochastic, seed, q, scales)
Napi::Value quantize_column_blocks(const Napi::CallbackInfo& info) {
  const int64_t rows = arg_size(info, 1, "rows"), cols = arg_size(info, 2, "cols"), n = times(info.Env(), rows, cols);
  const int64_t block = arg_size(info, 3, "block");
  const int64_t blocks = qgemm::scale_blocks(rows, block);
  qgemm::symmetric_quantize_column_blocks(f32(info, 0, "x", n), rows, cols, blocks == 1 ? rows : block,
                                          arg_bool(info, 4, "stochastic"), seed_arg(info, 5), i8(info, 6, "q", n),
                                          f32(info, 7, "scales", times(info.Env(), blocks, cols)));
  return info.Env().Undefined();
}

// (x, rows, cols, y, scales, q?)
Napi::Value fake_quantize_rows(const Napi::CallbackInfo& info) {
  const int64_t rows = arg_size(info, 1, "rows"), cols = arg_size(info, 2, "cols"), n = times(info.Env(), rows, cols);
  qgemm::symmetric_fake_quantize_rows(f32(info, 0, "x", n), rows, cols, f32(info, 3, "y", n), f32(info, 4, "scales", rows),
                                      i8(info, 5, "q", n, true));
  return info.Env().Undefined();
}

// A layer's packed int8 weights (qgemm::Int8WeightPacks), owned by a JS
// External: freed by GC, with its bytes reported to V8 so that it runs.
constexpr napi_type_tag kPacksTag = {0x71676d6d77706163ULL, 0x6b73747261696e31ULL};

struct PacksHandle {
  qgemm::Int8WeightPacks packs;
  int64_t accounted = 0;  // bytes reported to V8
};

Napi::Value int8_weight_packs(const Napi::CallbackInfo& info) {
  Napi::External<PacksHandle> external =
      Napi::External<PacksHandle>::New(info.Env(), new PacksHandle(), [](Napi::Env env, PacksHandle* h) {
        Napi::MemoryManagement::AdjustExternalMemory(env, -h->accounted);
        delete h;
      });
  external.TypeTag(&kPacksTag);
  return external;
}

// The packs at `index`, or null when undefined.
PacksHandle* packs_arg(const Napi::CallbackInfo& info, size_t index) {
  if (info[index].IsUndefined()) return nullptr;
  if (!info[index].IsExternal() || !info[index].As<Napi::External<PacksHandle>>().CheckTypeTag(&kPacksTag)) {
    throw_type_error(info.Env(), "ERR_QGEMM_ARG_TYPE", "packs must come from int8WeightPacks()");
  }
  return info[index].As<Napi::External<PacksHandle>>().Data();
}

void account(Napi::Env env, PacksHandle* h) {
  const int64_t now = static_cast<int64_t>(h->packs.bytes());
  if (now != h->accounted) Napi::MemoryManagement::AdjustExternalMemory(env, now - h->accounted);
  h->accounted = now;
}

// (x, w, bias | undefined, rows, in, out, xQ, xScales, wQRows | undefined, wRowScales, columns, y,
//  packs | undefined). With packs W goes straight into them (wQRows unused, may be undefined) and
// columns asks for the input gradient's pack too; without, wQRows is required.
Napi::Value int8_forward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  qgemm::Int8ForwardDesc d;
  d.rows = arg_size(info, 3, "rows");
  d.in = arg_size(info, 4, "in");
  d.out = arg_size(info, 5, "out");
  const int64_t xn = times(env, d.rows, d.in), wn = times(env, d.out, d.in), yn = times(env, d.rows, d.out);
  d.x = f32(info, 0, "x", xn);
  d.w = f32(info, 1, "w", wn);
  d.bias = f32(info, 2, "bias", d.out, true);
  d.x_q = i8(info, 6, "xQ", xn);
  d.x_scales = f32(info, 7, "xScales", d.rows);
  PacksHandle* packs = packs_arg(info, 12);
  d.w_q_rows = i8(info, 8, "wQRows", wn, packs != nullptr);
  d.w_row_scales = f32(info, 9, "wRowScales", d.out);
  d.columns = arg_bool(info, 10, "columns");
  d.y = f32(info, 11, "y", yn);
  d.packs = packs != nullptr ? &packs->packs : nullptr;
  const qgemm::Status status = qgemm::int8_linear_forward(d);
  if (packs != nullptr) account(env, packs);
  check_status(env, status);
  return env.Undefined();
}

// (w, out, in, rowScales, columns, packs): W quantized straight into the packs, as int8Forward
// does it (step_costs.ts times this pass alone).
Napi::Value quantize_pack_weights(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int64_t out = arg_size(info, 1, "out"), in = arg_size(info, 2, "in");
  const float* w = f32(info, 0, "w", times(env, out, in));
  float* row_scales = f32(info, 3, "rowScales", out);
  const bool columns = arg_bool(info, 4, "columns");
  PacksHandle* packs = packs_arg(info, 5);
  if (packs == nullptr) throw_type_error(env, "ERR_QGEMM_NATIVE", "packs must be an int8WeightPacks() handle");
  const qgemm::Status status = qgemm::int8_pack_weights(w, out, in, row_scales, columns, &packs->packs);
  account(env, packs);
  check_status(env, status);
  return env.Undefined();
}

// (dy, rows, in, out, dyQ, dyScales, wQRows | undefined, wRowScales, dx, packs | undefined): with
// packs, W's levels as int8Forward packed them (it must have been given columns = true).
Napi::Value int8_input_grad(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  qgemm::Int8InputGradDesc d;
  d.rows = arg_size(info, 1, "rows");
  d.in = arg_size(info, 2, "in");
  d.out = arg_size(info, 3, "out");
  const int64_t dyn = times(env, d.rows, d.out);
  d.dy = f32(info, 0, "dy", dyn);
  d.dy_q = i8(info, 4, "dyQ", dyn);
  d.dy_scales = f32(info, 5, "dyScales", d.rows);
  PacksHandle* packs = packs_arg(info, 9);
  d.w_q_rows = i8(info, 6, "wQRows", times(env, d.out, d.in), packs != nullptr);
  d.w_row_scales = f32(info, 7, "wRowScales", d.out);
  d.dx = f32(info, 8, "dx", times(env, d.rows, d.in));
  if (packs != nullptr) {
    if (!packs->packs.cols) throw_range_error(env, "ERR_QGEMM_NATIVE", "packs hold no input-gradient pack of W: run int8Forward with columns = true first");
    d.packs = &packs->packs;
  }
  check_status(env, qgemm::int8_linear_input_grad(d));
  return env.Undefined();
}

// (dy, x, rows, in, out, block, seed, dyQ, dyScales, xQ, xScales, partial | undefined, dw
//  [, p, m, v, beta1, beta2, 1 - beta1, 1 - beta2, eps, weightDecay, stepSize, c2]) -> true when Adam
// was applied to p in the GEMM's epilogue (dw untouched), false when dw was written.
Napi::Value int8_weight_grad(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  qgemm::Int8WeightGradDesc d;
  d.rows = arg_size(info, 2, "rows");
  d.in = arg_size(info, 3, "in");
  d.out = arg_size(info, 4, "out");
  d.block = arg_size(info, 5, "block");
  d.seed = seed_arg(info, 6);
  const int64_t blocks = qgemm::scale_blocks(d.rows, d.block);
  const int64_t dyn = times(env, d.rows, d.out), xn = times(env, d.rows, d.in), wn = times(env, d.out, d.in);
  d.dy = f32(info, 0, "dy", dyn);
  d.x = f32(info, 1, "x", xn);
  d.dy_q = i8(info, 7, "dyQ", dyn);
  d.dy_scales = f32(info, 8, "dyScales", times(env, blocks, d.out));
  d.x_q = i8(info, 9, "xQ", xn);
  d.x_scales = f32(info, 10, "xScales", times(env, blocks, d.in));
  d.partial = f32(info, 11, "partial", wn, blocks <= 1);
  d.dw = f32(info, 12, "dw", wn);
  // Adam fused in (full int8 training): p, m, v, then adamStep's eight numbers.
  qgemm::FusedAdam adam;
  bool fused = false;
  if (info.Length() > 13 && !info[13].IsUndefined()) {
    adam.p = f32(info, 13, "p", wn);
    adam.m = f32(info, 14, "m", wn);
    adam.v = f32(info, 15, "v", wn);
    adam.params = adam_params(info, 16);
    d.adam = &adam;
    d.fused = &fused;
  }
  check_status(env, qgemm::int8_linear_weight_grad(d));
  return Napi::Boolean::New(env, fused);
}

// (y, rows, cols, bias | undefined, relu)
Napi::Value bias_relu(const Napi::CallbackInfo& info) {
  const int64_t rows = arg_size(info, 1, "rows"), cols = arg_size(info, 2, "cols");
  float* y = f32(info, 0, "y", times(info.Env(), rows, cols));
  qgemm::bias_relu(y, rows, cols, f32(info, 3, "bias", cols, true), arg_bool(info, 4, "relu"));
  return info.Env().Undefined();
}

// (x, y, bits | undefined)
Napi::Value relu_forward(const Napi::CallbackInfo& info) {
  const int64_t n = f32_length(info, 0, "x");
  qgemm::relu_forward(f32(info, 0, "x", n), n, f32(info, 1, "y", n), u8(info, 2, "bits", (n + 7) / 8, true));
  return info.Env().Undefined();
}

// (dy, y, dx)
Napi::Value relu_backward(const Napi::CallbackInfo& info) {
  const int64_t n = f32_length(info, 0, "dy");
  qgemm::relu_backward(f32(info, 0, "dy", n), f32(info, 1, "y", n), n, f32(info, 2, "dx", n));
  return info.Env().Undefined();
}

// (dy, bits, dx)
Napi::Value relu_backward_bits(const Napi::CallbackInfo& info) {
  const int64_t n = f32_length(info, 0, "dy");
  qgemm::relu_backward_bits(f32(info, 0, "dy", n), u8(info, 1, "bits", (n + 7) / 8), n, f32(info, 2, "dx", n));
  return info.Env().Undefined();
}

// (a, rows, cols, out)
Napi::Value column_sums(const Napi::CallbackInfo& info) {
  const int64_t rows = arg_size(info, 1, "rows"), cols = arg_size(info, 2, "cols");
  qgemm::column_sums(f32(info, 0, "a", times(info.Env(), rows, cols)), rows, cols, f32(info, 3, "out", cols));
  return info.Env().Undefined();
}

// (x) -> true when every value is finite: the float-in layers' NaN check
// (lib/layers/non_finite.ts) without a per-element loop in JS.
Napi::Value all_finite(const Napi::CallbackInfo& info) {
  const int64_t n = f32_length(info, 0, "x");
  return Napi::Boolean::New(info.Env(), qgemm::all_finite_parallel(f32(info, 0, "x", n), n));
}

// (a, y): y += a
Napi::Value add_into(const Napi::CallbackInfo& info) {
  const int64_t n = f32_length(info, 0, "a");
  qgemm::add_into(f32(info, 0, "a", n), n, f32(info, 1, "y", n));
  return info.Env().Undefined();
}

// (dx, mask)
Napi::Value apply_mask(const Napi::CallbackInfo& info) {
  const int64_t n = f32_length(info, 0, "dx");
  qgemm::apply_mask(f32(info, 0, "dx", n), u8(info, 1, "mask", n), n);
  return info.Env().Undefined();
}

// (x, scale, zeroPoint, qmin, qmax, y, mask, codes?)
Napi::Value fake_quantize_affine(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int64_t n = f32_length(info, 0, "x");
  const double scale = number(info, 1, "scale"), zp = number(info, 2, "zeroPoint");
  const double qmin = number(info, 3, "qmin"), qmax = number(info, 4, "qmax");
  const float s = static_cast<float>(scale);
  if (!(s > 0) || !std::isfinite(s)) throw_range_error(env, "ERR_QGEMM_SCALE", "scale must be positive and finite");
  auto is_int = [](double v) { return std::floor(v) == v && std::fabs(v) <= 65536; };
  if (!is_int(qmin) || !is_int(qmax) || !is_int(zp) || !(qmin <= zp && zp <= qmax)) {
    throw_range_error(env, "ERR_QGEMM_ZERO_POINT", "need integers qmin <= zeroPoint <= qmax (|value| <= 65536)");
  }
  uint8_t* codes = u8(info, 7, "codes", n, true);
  if (codes != nullptr && !(qmin >= 0 && qmax <= 255)) {
    throw_range_error(env, "ERR_QGEMM_ZERO_POINT", "uint8 codes need 0 <= qmin and qmax <= 255");
  }
  qgemm::fake_quantize_affine(f32(info, 0, "x", n), n, s, static_cast<int32_t>(zp), static_cast<int32_t>(qmin),
                              static_cast<int32_t>(qmax), f32(info, 5, "y", n), u8(info, 6, "mask", n), codes);
  return env.Undefined();
}

// (q, scales, rows, cols, x)
Napi::Value dequantize_rows(const Napi::CallbackInfo& info) {
  const int64_t rows = arg_size(info, 2, "rows"), cols = arg_size(info, 3, "cols"), n = times(info.Env(), rows, cols);
  qgemm::dequantize_rows(i8(info, 0, "q", n), f32(info, 1, "scales", rows), rows, cols, f32(info, 4, "x", n));
  return info.Env().Undefined();
}

// (p, grad, m, v, beta1, beta2, oneMinusBeta1, oneMinusBeta2, eps, weightDecay, stepSize, c2)
Napi::Value adam_step(const Napi::CallbackInfo& info) {
  const int64_t n = f32_length(info, 0, "p");
  const qgemm::AdamParams a = adam_params(info, 4);
  qgemm::adam_step(f32(info, 0, "p", n), f32(info, 1, "grad", n), f32(info, 2, "m", n), f32(info, 3, "v", n), n, a);
  return info.Env().Undefined();
}

// The state code argument at `index`: 0 the dynamic tree codes, 1 float8.
qgemm::StateCode state_code(const Napi::CallbackInfo& info, size_t index) {
  const int64_t code = arg_size(info, index, "code");
  if (code > 1) throw_range_error(info.Env(), "ERR_QGEMM_OPTION", "code must be 0 (tree) or 1 (float8)");
  return static_cast<qgemm::StateCode>(code);
}

// (p, grad, qm, qv, absm, absv, params: Float32Array [beta1, beta2, 1 - beta1, 1 - beta2, eps, weightDecay, stepSize, c2], code)
Napi::Value adam8bit_step(const Napi::CallbackInfo& info) {
  const int64_t n = f32_length(info, 0, "p");
  const int64_t blocks = (n + qgemm::kAdam8bitBlock - 1) / qgemm::kAdam8bitBlock;
  const float* k = f32(info, 6, "params", 8);
  const qgemm::Adam8bitParams a{k[0], k[1], k[2], k[3], k[4], k[5], k[6], k[7]};
  const qgemm::StateCode code = state_code(info, 7);
  qgemm::adam8bit_step(f32(info, 0, "p", n), f32(info, 1, "grad", n), u8(info, 2, "qm", n), u8(info, 3, "qv", n),
                       f32(info, 4, "absm", blocks), f32(info, 5, "absv", blocks), n, a, code);
  return info.Env().Undefined();
}

// (signed) -> Float32Array of the 256 code values
Napi::Value dynamic_code(const Napi::CallbackInfo& info) {
  const qgemm::DynamicCode& c = qgemm::dynamic_code(arg_bool(info, 0, "signed"));
  Napi::Float32Array out = Napi::Float32Array::New(info.Env(), 256);
  for (size_t i = 0; i < 256; ++i) out[i] = c.values[i];
  return out;
}

// (x, block, signed, q, absmax, code)
Napi::Value blockwise_quantize(const Napi::CallbackInfo& info) {
  const int64_t n = f32_length(info, 0, "x"), block = arg_size(info, 1, "block");
  if (block < 1) throw_range_error(info.Env(), "ERR_QGEMM_OPTION", "block must be positive");
  const bool is_signed = arg_bool(info, 2, "signed");
  const float* x = f32(info, 0, "x", n);
  uint8_t* q = u8(info, 3, "q", n);
  float* absmax = f32(info, 4, "absmax", (n + block - 1) / block);
  if (state_code(info, 5) == qgemm::StateCode::kFloat8) {
    qgemm::float8_blockwise_quantize(x, n, block, is_signed, q, absmax);
  } else {
    qgemm::blockwise_quantize(x, n, block, qgemm::dynamic_code(is_signed), q, absmax);
  }
  return info.Env().Undefined();
}

// (q, absmax, block, signed, x, code)
Napi::Value blockwise_dequantize(const Napi::CallbackInfo& info) {
  const int64_t n = f32_length(info, 4, "x"), block = arg_size(info, 2, "block");
  if (block < 1) throw_range_error(info.Env(), "ERR_QGEMM_OPTION", "block must be positive");
  const bool is_signed = arg_bool(info, 3, "signed");
  const uint8_t* q = u8(info, 0, "q", n);
  const float* absmax = f32(info, 1, "absmax", (n + block - 1) / block);
  float* x = f32(info, 4, "x", n);
  if (state_code(info, 5) == qgemm::StateCode::kFloat8) {
    qgemm::float8_blockwise_dequantize(q, absmax, n, block, is_signed, x);
  } else {
    qgemm::blockwise_dequantize(q, absmax, n, block, qgemm::dynamic_code(is_signed), x);
  }
  return info.Env().Undefined();
}

}  // namespace

Napi::Object train_functions(Napi::Env env) {
  Napi::Object o = Napi::Object::New(env);
  const auto add = [&](const char* name, Napi::Value (*fn)(const Napi::CallbackInfo&)) {
    o.Set(name, Napi::Function::New(env, fn, name));
  };
  add("quantizeRows", quantize_rows);
  add("quantizeColumns", quantize_columns);
  add("quantizeRowsColumns", quantize_rows_columns);
  add("quantizeColumnBlocks", quantize_column_blocks);
  add("fakeQuantizeRows", fake_quantize_rows);
  add("int8WeightPacks", int8_weight_packs);
  add("int8Forward", int8_forward);
  add("int8InputGrad", int8_input_grad);
  add("quantizePackWeights", quantize_pack_weights);
  add("int8WeightGrad", int8_weight_grad);
  add("biasRelu", bias_relu);
  add("reluForward", relu_forward);
  add("reluBackward", relu_backward);
  add("reluBackwardBits", relu_backward_bits);
  add("columnSums", column_sums);
  add("allFinite", all_finite);
  add("addInto", add_into);
  add("applyMask", apply_mask);
  add("fakeQuantizeAffine", fake_quantize_affine);
  add("dequantizeRows", dequantize_rows);
  add("adamStep", adam_step);
  add("adam8bitStep", adam8bit_step);
  add("dynamicCode", dynamic_code);
  add("blockwiseQuantize", blockwise_quantize);
  add("blockwiseDequantize", blockwise_dequantize);
  return o;
}

}  // namespace qgemm_binding
