// AVX2 + FMA fp32 kernel (compiled with -mavx2 -mfma).
//
// Packed B: column panels of 16 floats (two ymm), k-major inside a panel, the
// last panel padded with zero columns. The 6x16 microkernel keeps 12 ymm
// accumulators and broadcasts A straight from its row-major rows. K is cut
// into blocks so a panel's slice stays in L1 while it is reused for every
// row of an M block; the first K block stores C, later ones add to it.
#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "gemm/kernels/kernel.h"

namespace qgemm {

namespace {

constexpr int kNr = 16;
constexpr int kMr = 6;
constexpr int64_t kKc = 512;  // k per block: a 32 KiB panel slice (measured best of 256..512)
constexpr int64_t kMc = 96;   // rows per block: their 192 KiB of A stay in L2

int64_t panels_of(int64_t n) { return (n + kNr - 1) / kNr; }

size_t packed_bytes(int64_t k, int64_t n) {
  return static_cast<size_t>(panels_of(n) * k * kNr) * sizeof(float);
}

void pack_b(const float* b, bool transposed, int64_t k, int64_t n, uint8_t* dst) {
  float* out = reinterpret_cast<float*>(dst);
  for (int64_t jp = 0; jp < panels_of(n); ++jp) {
    for (int64_t p = 0; p < k; ++p) {
      for (int64_t jj = 0; jj < kNr; ++jj) {
        const int64_t j = jp * kNr + jj;
        *out++ = j >= n ? 0.0f : transposed ? b[j * k + p] : b[p * n + j];
      }
    }
  }
}

// C[0:R, lo:hi) (= or +=) A[0:R, 0:kc) x B_panel[0:kc, 0:16).
// Few rows give few accumulator chains, and FMA latency (4 cycles) would
// bound them; so for R <= 3 even and odd k go to separate accumulators.
template <int R>
void micro(const float* a, int64_t lda, const float* b, int64_t kc, float* c, int64_t ldc, int lo, int hi,
           bool accumulate) {
  constexpr int U = R <= 3 ? 2 : 1;
  __m256 acc[U][R][2];
#pragma GCC unroll 8
  for (int u = 0; u < U; ++u) {
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) acc[u][r][0] = acc[u][r][1] = _mm256_setzero_ps();
  }
  int64_t p = 0;
  auto step = [&](int u) {
    const __m256 b0 = _mm256_load_ps(b + p * kNr);
    const __m256 b1 = _mm256_load_ps(b + p * kNr + 8);
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
      const __m256 av = _mm256_broadcast_ss(a + r * lda + p);
      acc[u][r][0] = _mm256_fmadd_ps(av, b0, acc[u][r][0]);
      acc[u][r][1] = _mm256_fmadd_ps(av, b1, acc[u][r][1]);
    }
    ++p;
  };
  for (; p + U <= kc;) {
#pragma GCC unroll 8
    for (int u = 0; u < U; ++u) step(u);
  }
  if (p < kc) step(0);
  if constexpr (U == 2) {
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
      acc[0][r][0] = _mm256_add_ps(acc[0][r][0], acc[U - 1][r][0]);
      acc[0][r][1] = _mm256_add_ps(acc[0][r][1], acc[U - 1][r][1]);
    }
  }
  if (lo == 0 && hi == kNr) {
    #pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
      #pragma GCC unroll 8
      for (int v = 0; v < 2; ++v) {
        float* dst = c + r * ldc + v * 8;
        _mm256_storeu_ps(dst, accumulate ? _mm256_add_ps(acc[0][r][v], _mm256_loadu_ps(dst)) : acc[0][r][v]);
      }
    }
    return;
  }
  // Partial panel: spill, then write only columns [lo, hi).
  alignas(32) float tmp[R][kNr];
  #pragma GCC unroll 8
  for (int r = 0; r < R; ++r) {
    _mm256_store_ps(&tmp[r][0], acc[0][r][0]);
    _mm256_store_ps(&tmp[r][8], acc[0][r][1]);
    for (int j = lo; j < hi; ++j) c[r * ldc + j] = accumulate ? c[r * ldc + j] + tmp[r][j] : tmp[r][j];
  }
}

using MicroFn = void (*)(const float*, int64_t, const float*, int64_t, float*, int64_t, int, int, bool);
constexpr MicroFn kMicro[kMr + 1] = {nullptr, micro<1>, micro<2>, micro<3>, micro<4>, micro<5>, micro<6>};

void compute(const F32KernelArgs& g, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
  if (m0 >= m1 || n0 >= n1) return;
  if (g.k == 0) {
    for (int64_t i = m0; i < m1; ++i) std::memset(g.c + i * g.ldc + n0, 0, (n1 - n0) * sizeof(float));
    return;
  }
  const float* packed = reinterpret_cast<const float*>(g.packed_b);
  // Few rows: one long K block, so B streams through once.
  const int64_t kcb = m1 - m0 <= 16 ? g.k : kKc;
  for (int64_t pc = 0; pc < g.k; pc += kcb) {
    const int64_t kc = std::min(kcb, g.k - pc);
    const bool accumulate = pc > 0;
    for (int64_t ic = m0; ic < m1; ic += kMc) {
      const int64_t mrows = std::min(kMc, m1 - ic);
      for (int64_t jp = n0 / kNr; jp * kNr < n1; ++jp) {
        const int64_t j0 = jp * kNr;
        const int lo = static_cast<int>(std::max(n0, j0) - j0);
        const int hi = static_cast<int>(std::min(n1, j0 + kNr) - j0);
        const float* b = packed + (jp * g.k + pc) * kNr;
        for (int64_t ir = 0; ir < mrows; ir += kMr) {
          const int r = static_cast<int>(std::min<int64_t>(kMr, mrows - ir));
          kMicro[r](g.a + (ic + ir) * g.lda + pc, g.lda, b, kc, g.c + (ic + ir) * g.ldc + j0, g.ldc, lo, hi,
                    accumulate);
        }
      }
    }
  }
}

}  // namespace

extern const F32Kernel kAvx2F32Kernel = {
    "avx2_fma", Isa::kAvx2, kNr, packed_bytes, pack_b, compute,
};

}  // namespace qgemm
