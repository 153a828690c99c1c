// AVX-VNNI int8 microkernel (VEX vpdpbusd ymm: 32 multiply-adds per
// instruction; Alder Lake, Sapphire Rapids and later), compiled with
// -mavx2 -mavxvnni, or against SIMDe for the emulated tests (x86_simd.h).
//
// The arithmetic of s8_avx512vnni.cc on ymm: B in quads of k (layout
// s8_quads16: two ymm hold 16 columns x 4 k), A's quads broadcast, uint8 A as
// is and int8 A shifted by +128 with -128 * colsum(B) added by the driver.
// Tile: 6 rows x 16 columns, 12 accumulators + 2 B + 1 broadcast of the 16 ymm
// (vpdpbusd accumulates in place: no product register).
#include "gemm/kernels/kernel.h"
#include "gemm/kernels/layouts.h"
#include "gemm/kernels/rows.h"
#include "gemm/kernels/pack_a.h"
#include "gemm/kernels/ymm_store.h"

namespace qgemm {

namespace {

constexpr int kMr = 6, kNr = 16;
constexpr int64_t kPrefetchBytes = 1024;

#define QGEMM_ROWS(X) X(0) X(1) X(2) X(3) X(4) X(5)

template <int R>
void micro_rows(const MicroArgs<int32_t>& g) {
  const int32_t* a = reinterpret_cast<const int32_t*>(g.a);
  const uint8_t* b = g.b;
#define QGEMM_DECLARE(r) __m256i c##r##0 = _mm256_setzero_si256(), c##r##1 = _mm256_setzero_si256();
  QGEMM_ROWS(QGEMM_DECLARE)
#undef QGEMM_DECLARE
  const int64_t quads = g.kc / 4;
  for (int64_t q = 0; q < quads; ++q) {
    _mm_prefetch(reinterpret_cast<const char*>(b + kPrefetchBytes), _MM_HINT_T0);
    const __m256i b0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b));
    const __m256i b1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + 32));
#define QGEMM_STEP(r)                                       \
  if constexpr (R > r) {                                    \
    const __m256i av = _mm256_set1_epi32(a[r]);             \
    c##r##0 = _mm256_dpbusd_avx_epi32(c##r##0, av, b0);     \
    c##r##1 = _mm256_dpbusd_avx_epi32(c##r##1, av, b1);     \
  }
    QGEMM_ROWS(QGEMM_STEP)
#undef QGEMM_STEP
    a += R;
    b += 64;
  }
#define QGEMM_STORE(r) \
  if constexpr (R > r) store_ymm_row(g.c + r * g.ldc, c##r##0, c##r##1, g.cols, g.accumulate, g.c_init);
  QGEMM_ROWS(QGEMM_STORE)
#undef QGEMM_STORE
}

#undef QGEMM_ROWS

void micro(const MicroArgs<int32_t>& g) {
  with_rows<kMr>(g.rows, [&](auto r) { micro_rows<r>(g); });
}

}  // namespace

// Blocking untuned (no AVX-VNNI CPU was available to measure it): the AVX2
// kernel's first blocking for the same 6 x 16 tile, 24 rows x 1024 k.
// name, requires, priority, min_rows, layout, mr, nr, mc, kc, a_bytes, a_k_pad, shifts, pack_a, micro, begin,
// end, probe
extern const Int8Kernel kS8AvxVnniKernel = {
    "avx_vnni", kFeatAvx2 | kFeatAvxVnni, 20, 0, &kLayoutS8Quads16, kMr, kNr, 24, 1024, 1, 1, 128, 0,
    pack_a_quads_u8, micro, nullptr, nullptr, "avx_vnni",
};

}  // namespace qgemm
