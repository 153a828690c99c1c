// Portable float32 microkernel for every CPU.
#include "gemm/kernels/kernel.h"
#include "gemm/kernels/layouts.h"

namespace qgemm {

namespace {

constexpr int kMr = 4, kNr = 16;

void micro(const MicroArgs<float>& g) {
  const float* a = reinterpret_cast<const float*>(g.a);
  const float* b = reinterpret_cast<const float*>(g.b);
  float acc[kMr][kNr] = {};
  for (int64_t p = 0; p < g.kc; ++p) {
    for (int r = 0; r < g.rows; ++r) {
      const float av = a[r * g.lda + p];
      for (int j = 0; j < kNr; ++j) acc[r][j] += av * b[p * kNr + j];
    }
  }
  for (int r = 0; r < g.rows; ++r) {
    float* c = g.c + r * g.ldc;
    for (int j = 0; j < g.cols; ++j) c[j] = g.accumulate ? c[j] + acc[r][j] : acc[r][j];
  }
}

}  // namespace

extern const F32Kernel kF32ScalarKernel = {"scalar", 0, 0, &kLayoutF32x16, kMr, kNr, 64, 256, micro, nullptr};

}  // namespace qgemm
