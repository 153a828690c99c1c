// The float32 conversion of one row of int32 accumulators, written once over
// a vector type (epilogue_avx2.cc, epilogue_avx512.cc instantiate it):
//   out[j] = float(v[j]) * (sa * sb[j]);  + bias[j];  relu
// with the same float32 operations, in the same order and unfused, as the
// scalar loop in epilogue.cc, so every ISA gives the same bits. v and out may
// be the same memory (each lane is read before it is written).
#pragma once

#include <cstdint>

namespace qgemm {
namespace epilogue_detail {

// One row's conversion; sb and bias hold the row's columns (bias may be null).
using ToFloatRow = void (*)(const int32_t* v, float sa, const float* sb, const float* bias, bool relu, int64_t cols,
                            float* out);

struct Ops {
  ToFloatRow to_float_row;
};

const Ops& scalar_ops();
const Ops& active_ops();

// One lane: the scalar form, and the tail of the vector ones.
struct Scalar {
  using F = float;
  static constexpr int64_t kLanes = 1;
  static F set1(float x) { return x; }
  static F load(const float* p) { return *p; }
  static F to_float(const int32_t* p) { return static_cast<float>(*p); }
  static void store(float* p, F x) { *p = x; }
  static F mul(F a, F b) { return a * b; }
  static F add(F a, F b) { return a + b; }
  static F max(F a, F b) { return b < a ? a : b; }  // as max_ps: b when NaN or when both are zeros
};

// Columns [j, cols) in steps of V::kLanes; returns where it stopped.
template <typename V, bool kBias, bool kRelu>
int64_t convert(const int32_t* v, float sa, const float* sb, const float* bias, int64_t j, int64_t cols, float* out) {
  const typename V::F vsa = V::set1(sa), zero = V::set1(0.0f);
  for (; j + V::kLanes <= cols; j += V::kLanes) {
    typename V::F f = V::mul(V::to_float(v + j), V::mul(vsa, V::load(sb + j)));
    if (kBias) f = V::add(f, V::load(bias + j));
    if (kRelu) f = V::max(zero, f);  // f < 0 ? 0 : f (NaN and -0 stay)
    V::store(out + j, f);
  }
  return j;
}

template <typename V, bool kBias, bool kRelu>
void to_float_row_simd(const int32_t* v, float sa, const float* sb, const float* bias, int64_t cols, float* out) {
  const int64_t j = convert<V, kBias, kRelu>(v, sa, sb, bias, 0, cols, out);
  convert<Scalar, kBias, kRelu>(v, sa, sb, bias, j, cols, out);
}

template <typename V>
void to_float_row_simd(const int32_t* v, float sa, const float* sb, const float* bias, bool relu, int64_t cols,
                       float* out) {
  if (bias != nullptr) {
    relu ? to_float_row_simd<V, true, true>(v, sa, sb, bias, cols, out)
         : to_float_row_simd<V, true, false>(v, sa, sb, bias, cols, out);
  } else {
    relu ? to_float_row_simd<V, false, true>(v, sa, sb, bias, cols, out)
         : to_float_row_simd<V, false, false>(v, sa, sb, bias, cols, out);
  }
}

}  // namespace epilogue_detail
}  // namespace qgemm
