// Adam steps over one parameter tensor, split over the thread pool in fixed
// blocks (results do not depend on the thread count).
//
// adam_step: torch.optim.Adam with float32 state, each element's update in
// float64 exactly as lib/train/optim.ts's loop (bit-identical to it):
//   g = grad + wd * p;  m' = b1 * m + (1 - b1) * g;  v' = b2 * v + (1 - b2) * g * g
//   p -= (step_size * m') / (sqrt(v') / c2 + eps)      (m, v stored as float32(m'), float32(v'))
//   with step_size = lr / (1 - b1^t), c2 = sqrt(1 - b2^t).
//
// adam8bit_step: the same update in float32 with both moments stored block-wise
// in 8 bits (Dettmers et al. 2022): per block of 2048 values, dequantize
// (code value * absmax), update, take the new absmax of each moment, and
// quantize with the signed (m) and unsigned (v) codes: the dynamic tree codes
// of native/train/dynamic_code.h (nearest of x / absmax; a positive v never
// to 0: second_moment_index), or the table-free float8 codes of
// native/train/float8_code.h (of x * (1 / absmax), float8::Normalizer; same
// floor for v).
// The parameter update uses the float32 moments before they are re-quantized.
// Both moments saturate at +-FLT_MAX: a huge but finite gradient (|g| >= ~6e20
// squares past float32) would otherwise make a block's maximum infinite and
// every value of the block NaN at the next step (0 x inf), for good. NaN stays
// NaN (it never raises a maximum; it quantizes to code 0).
#pragma once

#include <cmath>
#include <cstdint>

#include "train/dynamic_code.h"
#include "train/float8_code.h"

namespace qgemm {

struct AdamParams {
  double beta1 = 0.9, beta2 = 0.999, one_minus_beta1 = 0.1, one_minus_beta2 = 0.001;
  double eps = 1e-8, weight_decay = 0;
  double step_size = 1e-3, c2 = 1;
};

void adam_step(float* p, const float* grad, float* m, float* v, int64_t n, const AdamParams& a);

// The same parameters as float32 (the caller rounds them once).
struct Adam8bitParams {
  float beta1, beta2, one_minus_beta1, one_minus_beta2, eps, weight_decay, step_size, c2;
};

constexpr int64_t kAdam8bitBlock = 2048;

enum class StateCode : int { kTree = 0, kFloat8 = 1 };

// qm, qv: n codes; absm, absv: ceil(n / 2048) block maxima.
void adam8bit_step(float* p, const float* grad, uint8_t* qm, uint8_t* qv, float* absm, float* absv, int64_t n,
                   const Adam8bitParams& a, StateCode code = StateCode::kTree);

// The float8 codes' block-wise quantization (for inspection and tests):
// absmax[b] = max |x| of block b (NaN ignored), q = encode(normalize(x)).
void float8_blockwise_quantize(const float* x, int64_t n, int64_t block, bool is_signed, uint8_t* q, float* absmax);
void float8_blockwise_dequantize(const uint8_t* q, const float* absmax, int64_t n, int64_t block, bool is_signed,
                                 float* x);

namespace adam_detail {
// x clamped to [-FLT_MAX, FLT_MAX], NaN kept (what max_ps(lo, x), min_ps(hi, x) do).
inline float saturate(float x) {
  constexpr float kMax = 3.40282347e38f;
  return x > kMax ? kMax : x < -kMax ? -kMax : x;
}

// The code values of a state byte, per code.
struct TreeDecoder {
  const DynamicCode& cm = dynamic_code(true);
  const DynamicCode& cv = dynamic_code(false);
  float m(uint8_t q) const { return cm.values[q]; }
  float v(uint8_t q) const { return cv.values[q]; }
};
struct Float8Decoder {
  float m(uint8_t q) const { return float8::decode_signed(q); }
  float v(uint8_t q) const { return float8::decode_unsigned(q); }
};

// Elements [i0, n) of a block's update pass, float32, in this order (the
// scalar code, and the SIMD code for a block's tail): dequantize the moments,
// update them and p, keep them in tm / tv, and raise the blocks' new maxima.
template <typename Decoder>
inline void adam8bit_update(float* p, const float* grad, const uint8_t* qm, const uint8_t* qv, float am, float av,
                            int64_t i0, int64_t n, const Adam8bitParams& a, float* tm, float* tv, float* new_am,
                            float* new_av, const Decoder& code) {
  for (int64_t i = i0; i < n; ++i) {
    const float g = grad[i] + a.weight_decay * p[i];
    const float m = saturate(a.beta1 * (code.m(qm[i]) * am) + a.one_minus_beta1 * g);
    const float v = saturate(a.beta2 * (code.v(qv[i]) * av) + a.one_minus_beta2 * g * g);
    p[i] = p[i] - (a.step_size * m) / (std::sqrt(v) / a.c2 + a.eps);
    tm[i] = m;
    tv[i] = v;
    *new_am = std::fabs(m) > *new_am ? std::fabs(m) : *new_am;  // NaN never raises a maximum
    *new_av = v > *new_av ? v : *new_av;
  }
}

// The second moment's code index: the nearest value, except that a positive
// value never becomes 0. A second moment quantized to zero while the first is
// not makes the next update m / eps: the "zero-point problem" (Li et al. 2023,
// "Memory Efficient Optimizers with 4-bit States"), which blows up training
// when gradients within a block span more than the code's 7 decades of v.
inline uint8_t second_moment_index(uint8_t nearest, float y) { return nearest == 0 && y > 0.0f ? 1 : nearest; }

// Elements [i0, n) of a block's quantize pass against the new maxima.
inline void adam8bit_quantize(const float* tm, const float* tv, float new_am, float new_av, int64_t i0, int64_t n,
                              uint8_t* qm, uint8_t* qv) {
  const DynamicCode& cm = dynamic_code(true);
  const DynamicCode& cv = dynamic_code(false);
  for (int64_t i = i0; i < n; ++i) {
    qm[i] = cm.nearest(new_am > 0.0f ? tm[i] / new_am : 0.0f);
    const float y = new_av > 0.0f ? tv[i] / new_av : 0.0f;
    qv[i] = second_moment_index(cv.nearest(y), y);
  }
}

// Asks for the data of element i + 1024 (half a block ahead) of a SIMD block
// loop: the block's two passes stop the memory stream every 2048 values, and
// the hardware prefetchers fall behind without it (about 1.5x on Zen 5).
// A prefetch never faults, past the end of an array included; the address
// is computed as an integer so that no out-of-range pointer is formed.
inline void prefetch_at(const void* base, int64_t bytes) {
  __builtin_prefetch(reinterpret_cast<const void*>(reinterpret_cast<uintptr_t>(base) + static_cast<uintptr_t>(bytes)));
}
inline void prefetch_ahead(const float* p, const float* grad, const uint8_t* qm, const uint8_t* qv, int64_t i) {
  constexpr int64_t kAhead = kAdam8bitBlock / 2;
  prefetch_at(p, 4 * (i + kAhead));
  prefetch_at(grad, 4 * (i + kAhead));
  if ((i & 63) == 0) {  // a line of codes per 64 values
    prefetch_at(qm, i + kAhead);
    prefetch_at(qv, i + kAhead);
  }
}

// Elements [i0, n) of a block's quantize pass with the float8 codes.
inline void adam8bit_quantize_float8(const float* tm, const float* tv, float new_am, float new_av, int64_t i0,
                                     int64_t n, uint8_t* qm, uint8_t* qv) {
  const float8::Normalizer nm = float8::normalizer(new_am), nv = float8::normalizer(new_av);
  for (int64_t i = i0; i < n; ++i) {
    qm[i] = float8::encode_signed(float8::normalize(tm[i], nm));
    qv[i] = float8::encode_unsigned(float8::normalize(tv[i], nv));
  }
}

// One block (n <= kAdam8bitBlock) of the 8-bit step.
using Adam8bitBlockFn = void (*)(float* p, const float* grad, uint8_t* qm, uint8_t* qv, float* absm, float* absv,
                                 int64_t n, const Adam8bitParams& a);

struct Ops {
  void (*adam)(float* p, const float* grad, float* m, float* v, int64_t n, const AdamParams& a);
  Adam8bitBlockFn adam8bit_block;         // the dynamic tree codes
  Adam8bitBlockFn adam8bit_float8_block;  // the float8 codes
};
const Ops& scalar_ops();
const Ops& active_ops();
}  // namespace adam_detail

}  // namespace qgemm
