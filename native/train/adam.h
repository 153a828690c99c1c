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
// quantize with the signed (m) and unsigned (v) dynamic codes of
// native/train/dynamic_code.h (a positive v never to 0: second_moment_index).
// The parameter update uses the float32 moments before they are re-quantized.
#pragma once

#include <cmath>
#include <cstdint>

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

// qm, qv: n codes; absm, absv: ceil(n / 2048) block maxima.
void adam8bit_step(float* p, const float* grad, uint8_t* qm, uint8_t* qv, float* absm, float* absv, int64_t n,
                   const Adam8bitParams& a);

namespace adam_detail {
// One element of the 8-bit step's update, float32, in this order (the scalar
// code and the AVX2 code's tail share it). Returns the new moments in *m, *v.
inline void adam8bit_element(float* p, float grad, float m_old, float v_old, const Adam8bitParams& a, float* m,
                             float* v) {
  const float g = grad + a.weight_decay * *p;
  *m = a.beta1 * m_old + a.one_minus_beta1 * g;
  *v = a.beta2 * v_old + a.one_minus_beta2 * g * g;
  *p = *p - (a.step_size * *m) / (std::sqrt(*v) / a.c2 + a.eps);
}

// The second moment's code index: the nearest value, except that a positive
// value never becomes 0. A second moment quantized to zero while the first is
// not makes the next update m / eps: the "zero-point problem" (Li et al. 2023,
// "Memory Efficient Optimizers with 4-bit States"), which blows up training
// when gradients within a block span more than the code's 7 decades of v.
inline uint8_t second_moment_index(uint8_t nearest, float y) { return nearest == 0 && y > 0.0f ? 1 : nearest; }

struct Ops {
  void (*adam)(float* p, const float* grad, float* m, float* v, int64_t n, const AdamParams& a);
  // One block (n <= kAdam8bitBlock) of the 8-bit step.
  void (*adam8bit_block)(float* p, const float* grad, uint8_t* qm, uint8_t* qv, float* absm, float* absv, int64_t n,
                         const Adam8bitParams& a);
};
const Ops& scalar_ops();
const Ops& active_ops();
}  // namespace adam_detail

}  // namespace qgemm
