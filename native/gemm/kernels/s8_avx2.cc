// Exact AVX2 int8 microkernel (compiled with -mavx2 -mfma).
//
// vpmaddubsw would be faster, but it saturates its int16 pair sums (255*127*2
// overflows), so it is wrong for full-range inputs. Instead B is sign-extended
// to int16 with pairs of k interleaved (layout s8_pairs16): one int32 lane
// holds (b[k][j], b[k+1][j]). A pair (a[i][k], a[i][k+1]) widened to int16 and
// broadcast to every lane makes vpmaddwd produce a[i][k]*b[k][j] +
// a[i][k+1]*b[k+1][j] exactly (|sum| <= 2*255*128 < 2^31); vpaddd then
// accumulates modulo 2^32, exactly like the scalar reference.
//
// Packed B stays int8 and is widened in the microkernel by vpmovsxbw from
// memory: at small M the kernel streams B from DRAM, so half the bytes is
// nearly twice the speed, and the widening is hidden behind vpmaddwd at large M.
//
// The 6 x 16 tile keeps its 12 accumulators in named variables: GCC 12 spills
// part of an accumulator array to the stack on every k step (seen in objdump;
// scripts/check-spills.js guards against it).
#include "gemm/kernels/kernel.h"
#include "gemm/kernels/layouts.h"
#include "gemm/kernels/rows.h"
#include "gemm/kernels/pack_a.h"
#include "gemm/kernels/x86_simd.h"
#include "gemm/kernels/ymm_store.h"

namespace qgemm {

namespace {

constexpr int kMr = 6, kNr = 16;
// Software prefetch distance along a panel: at M = 1 the hardware
// prefetchers alone fetched packed B at ~9 GB/s on Zen 3; this ~doubled it.
constexpr int64_t kPrefetchBytes = 2048;

#define QGEMM_ROWS(X) X(0) X(1) X(2) X(3) X(4) X(5)

template <int R>
void micro_rows(const MicroArgs<int32_t>& g) {
  const uint32_t* a = reinterpret_cast<const uint32_t*>(g.a);
  const int8_t* b = reinterpret_cast<const int8_t*>(g.b);
#define QGEMM_DECLARE(r) __m256i c##r##0 = _mm256_setzero_si256(), c##r##1 = _mm256_setzero_si256();
  QGEMM_ROWS(QGEMM_DECLARE)
#undef QGEMM_DECLARE
  const int64_t pairs = g.kc / 2;
  for (int64_t p = 0; p < pairs; ++p) {
    // Past the panel's end it touches other panels' data: harmless, never faults.
    _mm_prefetch(reinterpret_cast<const char*>(b + kPrefetchBytes), _MM_HINT_T0);
    const __m256i b0 = _mm256_cvtepi8_epi16(_mm_load_si128(reinterpret_cast<const __m128i*>(b)));
    const __m256i b1 = _mm256_cvtepi8_epi16(_mm_load_si128(reinterpret_cast<const __m128i*>(b + 16)));
#define QGEMM_STEP(r)                                                         \
  if constexpr (R > r) {                                                      \
    const __m256i av = _mm256_set1_epi32(static_cast<int32_t>(a[r]));         \
    c##r##0 = _mm256_add_epi32(c##r##0, _mm256_madd_epi16(av, b0));           \
    c##r##1 = _mm256_add_epi32(c##r##1, _mm256_madd_epi16(av, b1));           \
  }
    QGEMM_ROWS(QGEMM_STEP)
#undef QGEMM_STEP
    a += R;
    b += 2 * kNr;
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

// Many rows: blocks of 48 rows x 2048 k of A (192 KiB packed as int16, in L2
// with room to spare on Zen 3's 512 KiB) against 16-column slices of B: the
// best of mc 24..72 x kc 340..4096 on Zen 4 that fits that L2 (1 thread,
// median GOPS, 2048^3: 165 at 24 x 1024, 169 at 48 x 2048, 170 at 48 x 4096).
extern const Int8Kernel kS8Avx2Kernel = {
    "avx2", kFeatAvx2, 10, 0, &kLayoutS8Pairs16, kMr, kNr, 48, 2048, 2, 1, 0, 0, pack_a_pairs16, micro, nullptr, nullptr,
    "avx2_madd",
};

}  // namespace qgemm
