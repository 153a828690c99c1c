// AArch64 NEON float32 microkernel (baseline AArch64; tested under qemu).
// 4 x 16 tile: 16 q accumulators, B from layout f32_x16, A broadcast from its
// row-major rows.
#include <arm_neon.h>

#include "gemm/kernels/kernel.h"
#include "gemm/kernels/layouts.h"
#include "gemm/kernels/rows.h"

namespace qgemm {

namespace {

constexpr int kMr = 4, kNr = 16;

template <int R>
void micro_rows(const MicroArgs<float>& g) {
  const float* a = reinterpret_cast<const float*>(g.a);
  const float* b = reinterpret_cast<const float*>(g.b);
  float32x4_t acc[R][4];
  for (int r = 0; r < R; ++r) {
    for (int v = 0; v < 4; ++v) acc[r][v] = vdupq_n_f32(0.0f);
  }
  for (int64_t p = 0; p < g.kc; ++p) {
    const float32x4_t b0 = vld1q_f32(b), b1 = vld1q_f32(b + 4), b2 = vld1q_f32(b + 8), b3 = vld1q_f32(b + 12);
    for (int r = 0; r < R; ++r) {
      const float32x4_t av = vld1q_dup_f32(a + r * g.lda + p);
      acc[r][0] = vfmaq_f32(acc[r][0], av, b0);
      acc[r][1] = vfmaq_f32(acc[r][1], av, b1);
      acc[r][2] = vfmaq_f32(acc[r][2], av, b2);
      acc[r][3] = vfmaq_f32(acc[r][3], av, b3);
    }
    b += kNr;
  }
  for (int r = 0; r < R; ++r) {
    float t[kNr];
    for (int v = 0; v < 4; ++v) vst1q_f32(t + 4 * v, acc[r][v]);
    float* c = g.c + r * g.ldc;
    for (int j = 0; j < g.cols; ++j) c[j] = g.accumulate ? c[j] + t[j] : t[j];
  }
}

void micro(const MicroArgs<float>& g) {
  with_rows<kMr>(g.rows, [&](auto r) { micro_rows<r>(g); });
}

}  // namespace

extern const F32Kernel kF32NeonKernel = {"neon", kFeatNeon, 10, &kLayoutF32x16, kMr, kNr, 64, 256, micro,
                                        "neon_fma"};

}  // namespace qgemm
