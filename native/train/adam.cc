#include "train/adam.h"

#include <algorithm>
#include <cmath>

#include "quant/isa_ops.h"
#include "threads/thread_pool.h"
#include "train/dynamic_code.h"

namespace qgemm {

namespace adam_detail {

#ifdef QGEMM_X86_KERNELS
const Ops& avx2_ops();
const Ops& avx512_ops();
#endif

namespace {

void adam_scalar(float* p, const float* grad, float* m, float* v, int64_t n, const AdamParams& a) {
  for (int64_t i = 0; i < n; ++i) {
    const double g = static_cast<double>(grad[i]) + a.weight_decay * static_cast<double>(p[i]);
    const double mi = a.beta1 * static_cast<double>(m[i]) + a.one_minus_beta1 * g;
    const double vi = a.beta2 * static_cast<double>(v[i]) + a.one_minus_beta2 * g * g;
    m[i] = static_cast<float>(mi);
    v[i] = static_cast<float>(vi);
    p[i] = static_cast<float>(static_cast<double>(p[i]) - (a.step_size * mi) / (std::sqrt(vi) / a.c2 + a.eps));
  }
}

// One block of the 8-bit step: the update pass with the code's values, then
// the quantize pass against the new maxima.
template <typename Decoder, void (*kQuantize)(const float*, const float*, float, float, int64_t, int64_t, uint8_t*,
                                              uint8_t*)>
void adam8bit_block_scalar(float* p, const float* grad, uint8_t* qm, uint8_t* qv, float* absm, float* absv, int64_t n,
                           const Adam8bitParams& a) {
  float tm[kAdam8bitBlock], tv[kAdam8bitBlock];
  float new_am = 0.0f, new_av = 0.0f;
  adam8bit_update(p, grad, qm, qv, *absm, *absv, 0, n, a, tm, tv, &new_am, &new_av, Decoder{});
  *absm = new_am;
  *absv = new_av;
  kQuantize(tm, tv, new_am, new_av, 0, n, qm, qv);
}

}  // namespace

const Ops& scalar_ops() {
  static const Ops ops{adam_scalar, adam8bit_block_scalar<TreeDecoder, adam8bit_quantize>,
                       adam8bit_block_scalar<Float8Decoder, adam8bit_quantize_float8>};
  return ops;
}

const Ops& active_ops() {
  return ops_for_active_isa(scalar_ops(), QGEMM_AVX2_OPS(avx2_ops), QGEMM_AVX512_OPS(avx512_ops));
}

}  // namespace adam_detail

namespace {

// Fixed chunks of whole 8-bit blocks, so the split never changes a result.
constexpr int64_t kChunk = 8 * kAdam8bitBlock;

template <typename Fn>
void for_chunks(int64_t n, Fn fn) {
  const int64_t chunks = (n + kChunk - 1) / kChunk;
  if (chunks <= 1) {
    if (n > 0) fn(int64_t{0}, n);
    return;
  }
  ThreadPool::global().parallel_for(chunks, [&](int64_t c) { fn(c * kChunk, std::min(n, (c + 1) * kChunk)); });
}

}  // namespace

void adam_step(float* p, const float* grad, float* m, float* v, int64_t n, const AdamParams& a) {
  const auto& ops = adam_detail::active_ops();
  for_chunks(n, [&](int64_t i0, int64_t i1) { ops.adam(p + i0, grad + i0, m + i0, v + i0, i1 - i0, a); });
}

void adam8bit_step(float* p, const float* grad, uint8_t* qm, uint8_t* qv, float* absm, float* absv, int64_t n,
                   const Adam8bitParams& a, StateCode code) {
  const auto& ops = adam_detail::active_ops();
  const adam_detail::Adam8bitBlockFn block_fn =
      code == StateCode::kFloat8 ? ops.adam8bit_float8_block : ops.adam8bit_block;
  dynamic_code(true);  // build the tables before the workers need them
  dynamic_code(false);
  for_chunks(n, [&](int64_t i0, int64_t i1) {
    for (int64_t b0 = i0; b0 < i1; b0 += kAdam8bitBlock) {
      const int64_t b = b0 / kAdam8bitBlock, len = std::min(i1, b0 + kAdam8bitBlock) - b0;
      block_fn(p + b0, grad + b0, qm + b0, qv + b0, absm + b, absv + b, len, a);
    }
  });
}

void float8_blockwise_quantize(const float* x, int64_t n, int64_t block, bool is_signed, uint8_t* q, float* absmax) {
  for (int64_t b0 = 0, b = 0; b0 < n; b0 += block, ++b) {
    const int64_t b1 = std::min(n, b0 + block);
    float m = 0.0f;
    for (int64_t i = b0; i < b1; ++i) m = std::fabs(x[i]) > m ? std::fabs(x[i]) : m;
    absmax[b] = m;
    const float8::Normalizer nz = float8::normalizer(m);
    for (int64_t i = b0; i < b1; ++i) {
      const float y = float8::normalize(x[i], nz);
      q[i] = is_signed ? float8::encode_signed(y) : float8::encode_unsigned(y);
    }
  }
}

void float8_blockwise_dequantize(const uint8_t* q, const float* absmax, int64_t n, int64_t block, bool is_signed,
                                 float* x) {
  for (int64_t i = 0; i < n; ++i) {
    x[i] = (is_signed ? float8::decode_signed(q[i]) : float8::decode_unsigned(q[i])) * absmax[i / block];
  }
}

}  // namespace qgemm
