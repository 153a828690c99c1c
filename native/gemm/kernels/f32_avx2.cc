// AVX2 + FMA float32 microkernel (compiled with -mavx2 -mfma).
//
// 6 x 16 tile: 12 ymm accumulators in named variables (an array of them is
// partly spilled to the stack by GCC 12), A broadcast straight from its
// row-major rows, B from panels of layout f32_x16. Few rows give few
// accumulator chains and FMA latency (4 cycles) would bound them, so for
// R <= 3 even and odd k go to separate accumulators.
#include <immintrin.h>

#include "gemm/kernels/kernel.h"
#include "gemm/kernels/layouts.h"
#include "gemm/kernels/rows.h"

namespace qgemm {

namespace {

constexpr int kMr = 6, kNr = 16;

inline void store_row(float* c, __m256 lo, __m256 hi, int cols, bool accumulate) {
  if (cols == kNr) {
    if (accumulate) {
      lo = _mm256_add_ps(lo, _mm256_loadu_ps(c));
      hi = _mm256_add_ps(hi, _mm256_loadu_ps(c + 8));
    }
    _mm256_storeu_ps(c, lo);
    _mm256_storeu_ps(c + 8, hi);
    return;
  }
  alignas(32) float t[kNr];
  _mm256_store_ps(t, lo);
  _mm256_store_ps(t + 8, hi);
  for (int j = 0; j < cols; ++j) c[j] = accumulate ? c[j] + t[j] : t[j];
}

#define QGEMM_ROWS(X) X(0) X(1) X(2) X(3) X(4) X(5)

template <int R>
void micro_rows(const MicroArgs<float>& g) {
  constexpr bool kSplit = R <= 3;
  const float* a = reinterpret_cast<const float*>(g.a);
  const float* b = reinterpret_cast<const float*>(g.b);
  const int64_t lda = g.lda;
#define QGEMM_DECLARE(r)                                                   \
  __m256 c##r##0 = _mm256_setzero_ps(), c##r##1 = _mm256_setzero_ps();     \
  __m256 d##r##0 = _mm256_setzero_ps(), d##r##1 = _mm256_setzero_ps();
  QGEMM_ROWS(QGEMM_DECLARE)
#undef QGEMM_DECLARE
#define QGEMM_STEP(r, acc, p)                                              \
  if constexpr (R > r) {                                                   \
    const __m256 av = _mm256_broadcast_ss(a + r * lda + (p));              \
    acc##r##0 = _mm256_fmadd_ps(av, b0, acc##r##0);                        \
    acc##r##1 = _mm256_fmadd_ps(av, b1, acc##r##1);                        \
  }
#define QGEMM_STEP_C(r) QGEMM_STEP(r, c, p)
#define QGEMM_STEP_D(r) QGEMM_STEP(r, d, p + 1)
  int64_t p = 0;
  if constexpr (kSplit) {
    for (; p + 2 <= g.kc; p += 2) {
      {
        const __m256 b0 = _mm256_load_ps(b + p * kNr), b1 = _mm256_load_ps(b + p * kNr + 8);
        QGEMM_ROWS(QGEMM_STEP_C)
      }
      {
        const __m256 b0 = _mm256_load_ps(b + (p + 1) * kNr), b1 = _mm256_load_ps(b + (p + 1) * kNr + 8);
        QGEMM_ROWS(QGEMM_STEP_D)
      }
    }
  }
  for (; p < g.kc; ++p) {
    const __m256 b0 = _mm256_load_ps(b + p * kNr), b1 = _mm256_load_ps(b + p * kNr + 8);
    QGEMM_ROWS(QGEMM_STEP_C)
  }
#undef QGEMM_STEP_C
#undef QGEMM_STEP_D
#undef QGEMM_STEP
#define QGEMM_STORE(r)                                                                                \
  if constexpr (R > r) {                                                                              \
    if constexpr (kSplit) c##r##0 = _mm256_add_ps(c##r##0, d##r##0), c##r##1 = _mm256_add_ps(c##r##1, d##r##1); \
    store_row(g.c + r * g.ldc, c##r##0, c##r##1, g.cols, g.accumulate);                              \
  }
  QGEMM_ROWS(QGEMM_STORE)
#undef QGEMM_STORE
}

#undef QGEMM_ROWS

void micro(const MicroArgs<float>& g) {
  with_rows<kMr>(g.rows, [&](auto r) { micro_rows<r>(g); });
}

}  // namespace

// Blocks of 96 rows (their 192 KiB of A stay in L2) x 512 k (a 32 KiB panel
// slice in L1): measured best of 256..512 on Zen 3.
extern const F32Kernel kF32Avx2Kernel = {"avx2_fma", kFeatAvx2, 10, &kLayoutF32x16, kMr, kNr, 96, 512, micro,
                                          "avx2_fma"};

}  // namespace qgemm
