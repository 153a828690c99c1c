// libFuzzer target: the fused int8 epilogue (zero points, scales, bias, ReLU,
// int32/float32/int8/uint8 out), ONNX quantize / dynamic quantize, and the
// quantized linear layer, each against a scalar model written here from the
// formulas in gemm/epilogue.h and quant/quantize.h (not from their code).
//
// The first bytes pick the operation, shape (0..40), types, transposes,
// packed or not, ISA cap and threads; scales, bias and float inputs are raw
// float32 bit patterns from the input, so NaN, infinities, denormals and
// huge values all occur. Results must match bit for bit (NaN == NaN); any
// mismatch, failed call, write past an output, or UB (UBSan) aborts.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <vector>

#include "cpu/cpu_features.h"
#include "fuzz_bytes.h"
#include "gemm/epilogue.h"
#include "gemm/gemm.h"
#include "gemm/packed_b.h"
#include "layers/quantized_linear.h"
#include "quant/quantize.h"
#include "threads/thread_pool.h"

using namespace qgemm;

namespace {

struct Bytes : FuzzBytes {
  // Mostly ordinary values, sometimes any bit pattern (NaN, inf, denormal, huge).
  float f32() {
    const uint8_t kind = next();
    const uint32_t bits = u32();
    if (kind < 200) return static_cast<float>(static_cast<int32_t>(bits) % 20001) / 1000.0f;  // [-20, 20]
    float f;
    std::memcpy(&f, &bits, 4);
    return f;
  }
  // A positive finite scale; kind picks ordinary, tiny (denormal) or huge.
  float scale() {
    const uint8_t kind = next();
    const uint32_t bits = u32();
    float f;
    if (kind < 170) {
      f = 1e-4f + static_cast<float>(bits % 100000) / 10000.0f;
    } else {
      uint32_t b = bits & 0x7fffffffu;               // positive
      if ((b & 0x7f800000u) == 0x7f800000u) b = 1;   // not inf/NaN: smallest denormal
      if (b == 0) b = 1;
      std::memcpy(&f, &b, 4);
    }
    return f;
  }
};

[[noreturn]] void fail(const char* what, long long a, long long b, long long c) {
  std::fprintf(stderr, "fuzz_epilogue: %s (%lld, %lld, %lld)\n", what, a, b, c);
  std::abort();
}

bool same_float(float x, float y) {
  if (std::isnan(x) && std::isnan(y)) return true;
  uint32_t a, b;
  std::memcpy(&a, &x, 4);
  std::memcpy(&b, &y, 4);
  return a == b;
}

// ---- the scalar model ----------------------------------------------------

// ONNX QuantizeLinear: saturate(roundHalfEven(x / scale) + zp), NaN -> 0.
int32_t model_quantize(float x, float scale, int32_t zp, int32_t lo, int32_t hi) {
  const float v = x / scale;
  if (std::isnan(v)) return 0;
  if (v >= 4096.0f) return hi;  // beyond any saturation bound, whatever zp in [lo, hi]
  if (v <= -4096.0f) return lo;
  const int32_t r = static_cast<int32_t>(std::nearbyint(v)) + zp;  // default rounding: half to even
  return r < lo ? lo : r > hi ? hi : r;
}

struct EpilogueModel {
  DType out = DType::kInt32;
  std::vector<int32_t> za, zb;   // empty, 1 or per row / column
  std::vector<float> sa, sb, bias;
  bool relu = false;
  float ys = 1.0f;
  int32_t yzp = 0;
};

template <typename T>
T pick(const std::vector<T>& v, int64_t i, T dflt) {
  return v.empty() ? dflt : v.size() == 1 ? v[0] : v[static_cast<size_t>(i)];
}

// acc'[r][c] = sum_k (a - za)(b - zb) in wrapping int32, straight from the definition.
uint32_t model_acc(const int32_t* a_row, const int32_t* b_col, int64_t k, int64_t b_step, int32_t za, int32_t zb) {
  uint32_t acc = 0;
  for (int64_t p = 0; p < k; ++p) {
    acc += (static_cast<uint32_t>(a_row[p]) - static_cast<uint32_t>(za)) *
           (static_cast<uint32_t>(b_col[p * b_step]) - static_cast<uint32_t>(zb));
  }
  return acc;
}

// Writes element `o` of the model's output (as 4 bytes, or 1 for int8/uint8).
void model_out(const EpilogueModel& e, int32_t acc, int64_t row, int64_t col, void* out, int64_t o) {
  if (e.out == DType::kInt32) {
    static_cast<int32_t*>(out)[o] = acc;
    return;
  }
  const float s = pick(e.sa, row, 1.0f) * pick(e.sb, col, 1.0f);
  float f = static_cast<float>(acc) * s;
  if (!e.bias.empty()) f = f + e.bias[static_cast<size_t>(col)];
  if (e.relu && f < 0.0f) f = 0.0f;
  if (e.out == DType::kFloat32) {
    static_cast<float*>(out)[o] = f;
  } else if (e.out == DType::kInt8) {
    static_cast<int8_t*>(out)[o] = static_cast<int8_t>(model_quantize(f, e.ys, e.yzp, -128, 127));
  } else {
    static_cast<uint8_t*>(out)[o] = static_cast<uint8_t>(model_quantize(f, e.ys, e.yzp, 0, 255));
  }
}

void compare_outputs(DType t, const std::vector<uint8_t>& got, const std::vector<uint8_t>& want, int64_t count,
                     const char* what) {
  const size_t size = dtype_size(t);
  for (int64_t i = 0; i < count; ++i) {
    if (t == DType::kFloat32) {
      float g, w;
      std::memcpy(&g, &got[i * 4], 4);
      std::memcpy(&w, &want[i * 4], 4);
      if (!same_float(g, w)) {
        std::fprintf(stderr, "got %.9g want %.9g\n", g, w);
        fail(what, i, 0, 0);
      }
    } else if (std::memcmp(&got[i * size], &want[i * size], size) != 0) {
      fail(what, i, got[i * size], want[i * size]);
    }
  }
  for (size_t i = count * size; i < got.size(); ++i) {
    if (got[i] != 0xA5) fail("wrote past the output", static_cast<long long>(i), 0, 0);
  }
}

// ---- 1. int8 GEMM with an epilogue ------------------------------------------

void fuzz_gemm_epilogue(Bytes& in) {
  const int64_t m = in.next() % 41, n = in.next() % 41, k = in.next() % 41, batch = 1 + in.next() % 3;
  const uint8_t f1 = in.next(), f2 = in.next();
  const bool a_unsigned = f1 & 1, ta = f1 & 2, tb = f1 & 4, packed = f1 & 8;
  set_isa_cap(f1 & 16 ? Isa::kAll : Isa::kScalar);
  ThreadPool::global().set_num_threads(f1 & 32 ? 2 : 1);
  const bool a_broadcast = f1 & 64, b_broadcast = packed || (f1 & 128);
  static const DType kOut[] = {DType::kInt32, DType::kFloat32, DType::kInt8, DType::kUInt8};
  EpilogueModel e;
  e.out = kOut[f2 & 3];
  const int64_t rows = batch * m;
  auto count = [&](uint8_t sel, int64_t full) -> int64_t { return sel % 3 == 0 ? 0 : sel % 3 == 1 ? 1 : full; };
  const int64_t nza = count(f2 >> 2, rows), nzb = count(f2 >> 4, n);
  for (int64_t i = 0; i < nza; ++i) e.za.push_back(static_cast<int32_t>(in.u32()));
  for (int64_t i = 0; i < nzb; ++i) e.zb.push_back(static_cast<int32_t>(in.u32()));
  if (e.out != DType::kInt32) {
    const uint8_t f3 = in.next();
    for (int64_t i = 0, c = count(f3, rows); i < c; ++i) e.sa.push_back(in.scale());
    for (int64_t i = 0, c = count(f3 >> 2, n); i < c; ++i) e.sb.push_back(in.scale());
    if (f3 & 16) {
      for (int64_t i = 0; i < n; ++i) e.bias.push_back(in.f32());
    }
    e.relu = f3 & 32;
    if (e.out != DType::kFloat32) {
      e.ys = in.scale();
      e.yzp = e.out == DType::kInt8 ? static_cast<int8_t>(in.next()) : in.next();
    }
  }
  // Sizes of 1 are ambiguous (per tensor or per row/column): the flags say per row/column then.
  Epilogue ep;
  ep.out_type = e.out;
  ep.a_zero_point = e.za.empty() ? nullptr : e.za.data();
  ep.a_zero_point_per_row = e.za.size() > 1 || (rows == 1 && !e.za.empty());
  ep.b_zero_point = e.zb.empty() ? nullptr : e.zb.data();
  ep.b_zero_point_per_column = e.zb.size() > 1 || (n == 1 && !e.zb.empty());
  ep.a_scale = e.sa.empty() ? nullptr : e.sa.data();
  ep.a_scale_per_row = e.sa.size() > 1 || (rows == 1 && !e.sa.empty());
  ep.b_scale = e.sb.empty() ? nullptr : e.sb.data();
  ep.b_scale_per_column = e.sb.size() > 1 || (n == 1 && !e.sb.empty());
  ep.bias = e.bias.empty() ? nullptr : e.bias.data();
  ep.relu = e.relu;
  ep.y_scale = e.ys;
  ep.y_zero_point = e.yzp;

  const int64_t a_items = a_broadcast ? 1 : batch, b_items = b_broadcast ? 1 : batch;
  std::vector<uint8_t> a(a_items * m * k + 1), b(b_items * k * n + 1);
  for (auto& x : a) x = in.next();
  for (auto& x : b) x = in.next();

  std::unique_ptr<PackedB> pb;
  GemmDesc d;
  d.m = m, d.n = n, d.k = k, d.batch = batch;
  d.a = Operand{a.data(), a_unsigned ? DType::kUInt8 : DType::kInt8, ta, a_broadcast ? 0 : m * k};
  if (packed) {
    if (!PackedB::create(Operand{b.data(), DType::kInt8, tb, 0}, k, n, &pb).ok()) fail("pack failed", m, n, k);
    d.packed_b = pb.get();
  } else {
    d.b = Operand{b.data(), DType::kInt8, tb, b_broadcast ? 0 : k * n};
  }
  const size_t osize = dtype_size(e.out);
  std::vector<uint8_t> got(static_cast<size_t>(batch * m * n) * osize + 16, 0xA5);
  std::vector<uint8_t> want(got.size(), 0xA5);
  d.c = got.data();
  d.c_type = e.out;
  d.c_batch_stride = m * n;
  d.epilogue = &ep;
  if (!gemm(d, Backend::kBuiltin).ok()) fail("gemm failed", m, n, k);

  std::vector<int32_t> arow(k), bcol(k);
  for (int64_t t = 0; t < batch; ++t) {
    const uint8_t* at = a.data() + (a_broadcast ? 0 : t * m * k);
    const uint8_t* bt = b.data() + (b_broadcast ? 0 : t * k * n);
    for (int64_t i = 0; i < m; ++i) {
      for (int64_t p = 0; p < k; ++p) {
        const uint8_t v = ta ? at[p * m + i] : at[i * k + p];
        arow[p] = a_unsigned ? v : static_cast<int8_t>(v);
      }
      const int64_t r = t * m + i;
      for (int64_t j = 0; j < n; ++j) {
        for (int64_t p = 0; p < k; ++p) bcol[p] = static_cast<int8_t>(tb ? bt[j * k + p] : bt[p * n + j]);
        const uint32_t acc = model_acc(arow.data(), bcol.data(), k, 1, pick(e.za, r, 0), pick(e.zb, j, 0));
        model_out(e, static_cast<int32_t>(acc), r, j, want.data(), r * n + j);
      }
    }
  }
  compare_outputs(e.out, got, want, batch * m * n, "gemm epilogue mismatch");
}

// ---- 2. quantize_linear and dynamic_quantize_u8 --------------------------------

void fuzz_quantize(Bytes& in) {
  const int64_t rows = in.next() % 9, cols = in.next() % 65;
  const uint8_t f = in.next();
  std::vector<float> x(static_cast<size_t>(rows * cols) + 1);
  for (auto& v : x) v = in.f32();
  // quantize_linear with any scale (the binding refuses bad ones; the core must still be defined).
  const DType t = f & 1 ? DType::kInt8 : DType::kUInt8;
  const float scale = f & 2 ? in.f32() : in.scale();
  const int32_t zp = t == DType::kInt8 ? static_cast<int8_t>(in.next()) : in.next();
  std::vector<uint8_t> q(x.size() + 8, 0xA5);
  quantize_linear(x.data(), rows * cols, scale, zp, t, q.data());
  for (int64_t i = 0; i < rows * cols; ++i) {
    const int32_t want = t == DType::kInt8 ? model_quantize(x[i], scale, zp, -128, 127) : model_quantize(x[i], scale, zp, 0, 255);
    const int32_t got = t == DType::kInt8 ? static_cast<int8_t>(q[i]) : q[i];
    if (got != want) fail("quantize_linear mismatch", i, got, want);
  }
  for (size_t i = static_cast<size_t>(rows * cols); i < q.size(); ++i) {
    if (q[i] != 0xA5) fail("quantize_linear wrote past the output", static_cast<long long>(i), 0, 0);
  }

  // DynamicQuantizeLinear per row or per tensor.
  const bool per_row = f & 4;
  const int64_t groups = per_row ? rows : 1, group_len = per_row ? cols : rows * cols;
  std::vector<uint8_t> dq(x.size(), 0);
  std::vector<float> scales(static_cast<size_t>(groups) + 1, -1.0f);
  std::vector<int32_t> zps(scales.size(), -1);
  const Status s = dynamic_quantize_u8(x.data(), rows, cols, per_row, dq.data(), scales.data(), zps.data());
  bool any_inf = false;
  for (int64_t g = 0; g < groups; ++g) {
    // ONNX: the range widened to include 0, NaN ignored by the min/max.
    float lo = 0.0f, hi = 0.0f;
    for (int64_t i = g * group_len; i < (g + 1) * group_len; ++i) {
      if (x[i] < lo) lo = x[i];
      if (x[i] > hi) hi = x[i];
    }
    if (std::isinf(lo) || std::isinf(hi)) {
      any_inf = true;
      break;  // the core stops at the first infinite group
    }
    if (!s.ok()) fail("dynamic_quantize_u8 failed on finite input", g, rows, cols);
    const float ms = (hi - lo) / 255.0f;
    float want_scale = ms;
    int32_t want_zp = 0;
    if (ms == 0.0f) {
      want_scale = 1.0f;
    } else {
      float z = 0.0f - lo / ms;
      z = z < 0.0f ? 0.0f : z > 255.0f ? 255.0f : z;
      want_zp = static_cast<int32_t>(std::nearbyint(z));
    }
    if (!same_float(scales[g], want_scale) || zps[g] != want_zp) fail("dynamic params mismatch", g, zps[g], want_zp);
    for (int64_t i = g * group_len; i < (g + 1) * group_len; ++i) {
      if (dq[i] != model_quantize(x[i], want_scale, want_zp, 0, 255)) fail("dynamic quantize mismatch", i, dq[i], 0);
    }
  }
  if (any_inf == s.ok() && groups > 0 && group_len > 0) fail("dynamic_quantize_u8 status disagrees", any_inf, rows, cols);
}

// ---- 3. the quantized linear layer (static int8/uint8 x, float32 or int8 out) ----

void fuzz_linear(Bytes& in) {
  const int64_t rows = in.next() % 17, inF = in.next() % 33, outF = 1 + in.next() % 33;
  const uint8_t f = in.next();
  set_isa_cap(f & 1 ? Isa::kAll : Isa::kScalar);
  ThreadPool::global().set_num_threads(f & 2 ? 2 : 1);
  const bool x_float = f & 4, x_int8 = f & 8, per_channel = f & 16, relu = f & 32;
  static const DType kOut[] = {DType::kFloat32, DType::kInt8, DType::kUInt8, DType::kFloat32};
  const DType out_t = kOut[(f >> 6) & 3];
  std::vector<uint8_t> w(static_cast<size_t>(inF * outF) + 1);
  for (auto& v : w) v = in.next();
  std::unique_ptr<PackedB> pb;  // W is [out, in]: pack W^T, i.e. transposed
  if (!PackedB::create(Operand{w.data(), DType::kInt8, true, 0}, inF, outF, &pb).ok()) fail("pack failed", inF, outF, 0);
  std::vector<float> wscales(per_channel ? outF : 1);
  for (auto& s : wscales) s = in.scale();
  std::vector<float> bias;
  if (in.next() & 1) {
    for (int64_t j = 0; j < outF; ++j) bias.push_back(in.f32());
  }
  QuantizedLinearDesc d;
  d.rows = rows;
  d.mode = ActivationQuant::kStatic;
  d.x_type = x_int8 ? DType::kInt8 : DType::kUInt8;
  d.x_scale = in.scale();
  d.x_zero_point = x_int8 ? static_cast<int8_t>(in.next()) : in.next();
  std::vector<float> xf(static_cast<size_t>(rows * inF) + 1);
  std::vector<uint8_t> xq(xf.size());
  if (x_float) {
    for (auto& v : xf) v = in.f32();
    d.x = xf.data();
    for (int64_t i = 0; i < rows * inF; ++i) {
      xq[i] = static_cast<uint8_t>(x_int8 ? model_quantize(xf[i], d.x_scale, d.x_zero_point, -128, 127)
                                          : model_quantize(xf[i], d.x_scale, d.x_zero_point, 0, 255));
    }
  } else {
    for (auto& v : xq) v = in.next();
    d.x_quantized = xq.data();
  }
  d.weights = pb.get();
  d.w_scales = wscales.data();
  d.w_per_channel = per_channel || outF == 1;
  d.bias = bias.empty() ? nullptr : bias.data();
  d.relu = relu;
  d.out_type = out_t;
  EpilogueModel e;
  e.out = out_t;
  e.za = {d.x_zero_point};
  e.sa = {d.x_scale};
  e.sb = wscales;
  e.bias = bias;
  e.relu = relu;
  if (out_t != DType::kFloat32) {
    d.y_scale = e.ys = in.scale();
    d.y_zero_point = e.yzp = out_t == DType::kInt8 ? static_cast<int8_t>(in.next()) : in.next();
  }
  const size_t osize = dtype_size(out_t);
  std::vector<uint8_t> got(static_cast<size_t>(rows * outF) * osize + 16, 0xA5), want(got.size(), 0xA5);
  d.out = got.data();
  // The NaN policy of float-in layers: a row of x holding NaN or an infinity is
  // refused (nothing written), or with propagate_non_finite (float32 out only)
  // computed as zeros and then set to NaN across its output row.
  std::vector<int64_t> bad_rows;
  for (int64_t i = 0; x_float && i < rows; ++i) {
    for (int64_t p = 0; p < inF; ++p) {
      if (!std::isfinite(xf[i * inF + p])) {
        bad_rows.push_back(i);
        break;
      }
    }
  }
  d.propagate_non_finite = in.next() & 1;
  const bool propagating = d.propagate_non_finite && out_t == DType::kFloat32;
  const Status status = quantized_linear(d);
  if (!bad_rows.empty() && !propagating) {
    if (status.code != StatusCode::kNotFinite) fail("non-finite x not refused", rows, inF, outF);
    compare_outputs(out_t, got, want, rows * outF, "refused quantized_linear wrote its output");
    return;
  }
  if (!status.ok()) fail("quantized_linear failed", rows, inF, outF);
  for (const int64_t r : bad_rows) {  // as the layer computes them before the NaN goes in
    for (int64_t p = 0; p < inF; ++p) {
      xq[r * inF + p] = static_cast<uint8_t>(x_int8 ? model_quantize(0.0f, d.x_scale, d.x_zero_point, -128, 127)
                                                    : model_quantize(0.0f, d.x_scale, d.x_zero_point, 0, 255));
    }
  }
  std::vector<int32_t> arow(inF), wrow(inF);
  for (int64_t i = 0; i < rows; ++i) {
    for (int64_t p = 0; p < inF; ++p) arow[p] = x_int8 ? static_cast<int8_t>(xq[i * inF + p]) : xq[i * inF + p];
    for (int64_t j = 0; j < outF; ++j) {
      for (int64_t p = 0; p < inF; ++p) wrow[p] = static_cast<int8_t>(w[j * inF + p]);
      const uint32_t acc = model_acc(arow.data(), wrow.data(), inF, 1, d.x_zero_point, 0);
      model_out(e, static_cast<int32_t>(acc), i, j, want.data(), i * outF + j);
    }
  }
  for (const int64_t r : bad_rows) {
    for (int64_t j = 0; j < outF; ++j) {
      const float nan = std::numeric_limits<float>::quiet_NaN();
      std::memcpy(want.data() + (r * outF + j) * sizeof(float), &nan, sizeof(float));
    }
  }
  compare_outputs(out_t, got, want, rows * outF, "quantized_linear mismatch");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Bytes in{data, size};
  switch (in.next() % 3) {
    case 0: fuzz_gemm_epilogue(in); break;
    case 1: fuzz_quantize(in); break;
    default: fuzz_linear(in); break;
  }
  return 0;
}
