// AVX-512F float32 microkernel (compiled with -mavx512{f,bw,vl,dq} -mfma, or
// against SIMDe for the emulated tests).
//
// 8 x 48 tile: 24 zmm accumulators in named variables (28 of the 32 zmm in
// the loop), three panels of layout f32_x16, A broadcast from its row-major
// rows (eight row pointers: twelve rows ran out of general registers and
// reloaded them from the stack, 7% slower on Zen 4), partial columns by
// masked loads and stores. 8 x 48 against the former 8 x 32 on Zen 5
// (bench/onednn_peer.ts, ratio to oneDNN f32 at 1 thread): 2048^3 0.96 -> 1.03,
// 64 x 4096^2 0.98 -> 1.03, the other shapes alike; 11 loads per 24 FMAs
// instead of 10 per 16. Tiles of fewer than 8 accumulators (R * V < 8: few
// rows, narrow edges) send even and odd k to separate ones, so that more
// FMA chains hide FMA latency.
#include "gemm/kernels/kernel.h"
#include "gemm/kernels/layouts.h"
#include "gemm/kernels/rows.h"
#include "gemm/kernels/x86_simd.h"

namespace qgemm {

namespace {

constexpr int kMr = 8, kNr = 48;

inline __mmask16 mask_of(int cols) {
  return cols >= 16 ? __mmask16(0xffff) : cols <= 0 ? __mmask16(0) : __mmask16((1u << cols) - 1);
}

// V panels of 16 columns (V = 1..3), the last ones masked to `cols`.
template <int V>
inline void store_row(float* c, __m512 x0, __m512 x1, __m512 x2, int cols, bool accumulate) {
  const __mmask16 m0 = mask_of(cols), m1 = mask_of(cols - 16), m2 = mask_of(cols - 32);
  if (accumulate) {
    x0 = _mm512_add_ps(x0, _mm512_maskz_loadu_ps(m0, c));
    if constexpr (V >= 2) x1 = _mm512_add_ps(x1, _mm512_maskz_loadu_ps(m1, c + 16));
    if constexpr (V == 3) x2 = _mm512_add_ps(x2, _mm512_maskz_loadu_ps(m2, c + 32));
  }
  _mm512_mask_storeu_ps(c, m0, x0);
  if constexpr (V >= 2) _mm512_mask_storeu_ps(c + 16, m1, x1);
  if constexpr (V == 3) _mm512_mask_storeu_ps(c + 32, m2, x2);
}

#define QGEMM_ROWS(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7)

template <int R, int V>
void micro_tile(const MicroArgs<float>& g) {
  constexpr bool kSplit = R * V < 8;
  const float* a = reinterpret_cast<const float*>(g.a);
  const float* b0p = reinterpret_cast<const float*>(g.b);
  const float* b1p = reinterpret_cast<const float*>(g.b + g.b_panel_bytes);
  const float* b2p = reinterpret_cast<const float*>(g.b + 2 * g.b_panel_bytes);
  const int64_t lda = g.lda;
  // C's lines are needed only at the end: ask for them now, so the misses
  // overlap the FMAs instead of following them.
#define QGEMM_PREFETCH_C(r)                                                                                  \
  if constexpr (R > r) {                                                                                     \
    _mm_prefetch(reinterpret_cast<const char*>(g.c + r * g.ldc), _MM_HINT_T0);                               \
    if constexpr (V >= 2) _mm_prefetch(reinterpret_cast<const char*>(g.c + r * g.ldc + 16), _MM_HINT_T0);   \
    if constexpr (V == 3) _mm_prefetch(reinterpret_cast<const char*>(g.c + r * g.ldc + 32), _MM_HINT_T0);   \
  }
  QGEMM_ROWS(QGEMM_PREFETCH_C)
#undef QGEMM_PREFETCH_C
#define QGEMM_DECLARE(r)                                                                          \
  __m512 c##r##0 = _mm512_setzero_ps(), c##r##1 = _mm512_setzero_ps(), c##r##2 = _mm512_setzero_ps(); \
  __m512 d##r##0 = _mm512_setzero_ps(), d##r##1 = _mm512_setzero_ps(), d##r##2 = _mm512_setzero_ps();
  QGEMM_ROWS(QGEMM_DECLARE)
#undef QGEMM_DECLARE
#define QGEMM_STEP(r, acc, q)                                                    \
  if constexpr (R > r) {                                                         \
    const __m512 av = _mm512_set1_ps(a[r * lda + (q)]);                          \
    acc##r##0 = _mm512_fmadd_ps(av, b0, acc##r##0);                              \
    if constexpr (V >= 2) acc##r##1 = _mm512_fmadd_ps(av, b1, acc##r##1);        \
    if constexpr (V == 3) acc##r##2 = _mm512_fmadd_ps(av, b2, acc##r##2);        \
  }
#define QGEMM_STEP_C(r) QGEMM_STEP(r, c, p)
#define QGEMM_STEP_D(r) QGEMM_STEP(r, d, p + 1)
#define QGEMM_LOAD_B(q)                                                          \
  const __m512 b0 = _mm512_loadu_ps(b0p + (q) * 16);                             \
  const __m512 b1 = V >= 2 ? _mm512_loadu_ps(b1p + (q) * 16) : b0;               \
  const __m512 b2 = V == 3 ? _mm512_loadu_ps(b2p + (q) * 16) : b0;
  int64_t p = 0;
  if constexpr (kSplit) {
    for (; p + 2 <= g.kc; p += 2) {
      {
        QGEMM_LOAD_B(p)
        QGEMM_ROWS(QGEMM_STEP_C)
      }
      {
        QGEMM_LOAD_B(p + 1)
        QGEMM_ROWS(QGEMM_STEP_D)
      }
    }
  }
  for (; p < g.kc; ++p) {
    QGEMM_LOAD_B(p)
    QGEMM_ROWS(QGEMM_STEP_C)
  }
#undef QGEMM_LOAD_B
#undef QGEMM_STEP_C
#undef QGEMM_STEP_D
#undef QGEMM_STEP
#define QGEMM_STORE(r)                                                                    \
  if constexpr (R > r) {                                                                  \
    if constexpr (kSplit) {                                                               \
      c##r##0 = _mm512_add_ps(c##r##0, d##r##0);                                          \
      c##r##1 = _mm512_add_ps(c##r##1, d##r##1);                                          \
      c##r##2 = _mm512_add_ps(c##r##2, d##r##2);                                          \
    }                                                                                     \
    store_row<V>(g.c + r * g.ldc, c##r##0, c##r##1, c##r##2, g.cols, g.accumulate);       \
  }
  QGEMM_ROWS(QGEMM_STORE)
#undef QGEMM_STORE
}

#undef QGEMM_ROWS

template <int R>
void micro_rows(const MicroArgs<float>& g) {
  if (g.cols > 32) {
    micro_tile<R, 3>(g);
  } else if (g.cols > 16) {
    micro_tile<R, 2>(g);
  } else {
    micro_tile<R, 1>(g);
  }
}

void micro(const MicroArgs<float>& g) {
  with_rows<kMr>(g.rows, [&](auto r) { micro_rows<r>(g); });
}

}  // namespace

// Blocks of 64 rows x 1024 k: A's block (256 KiB) and a 48-column slice of
// B (192 KiB) in L2. Each depth block is a pass over C, and C's misses, not
// B's L2 reads, set the pace: on Zen 5 (bench/onednn_peer.ts, against oneDNN
// f32 alternated) 96 x 384 ran 0.86-0.93x oneDNN at 1 thread, 96 x 256 and
// 96 x 192 slower still, 64 x 1024 0.97-1.04x; 2048 deep was slower again
// (A's block no longer fits beside B's slice). With 8 x 48 tiles, 48 x 1024,
// 96 x 1024 and 64 x 768 measured alike or worse.
extern const F32Kernel kF32Avx512Kernel = {
    "avx512", kFeatAvx512, 20, &kLayoutF32x16, kMr, kNr, 64, 1024, micro, "avx512_fma",
};

}  // namespace qgemm
