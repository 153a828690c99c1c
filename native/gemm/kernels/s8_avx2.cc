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
// scripts/check-spills.sh guards against it).
#include <immintrin.h>

#include "gemm/kernels/kernel.h"
#include "gemm/kernels/layouts.h"

namespace qgemm {

namespace {

constexpr int kMr = 6, kNr = 16;
// Software prefetch distance along a panel: at M = 1 the hardware
// prefetchers alone fetched packed B at ~9 GB/s on Zen 3; this ~doubled it.
constexpr int64_t kPrefetchBytes = 2048;

// One int32 holding (lo, hi) as two int16: the broadcast operand of vpmaddwd.
inline uint32_t pair16(int32_t lo, int32_t hi) {
  return static_cast<uint16_t>(lo) | static_cast<uint32_t>(static_cast<uint16_t>(hi)) << 16;
}

// dst[p * rows + r] = pair16(A[r][k0 + 2p], A[r][k0 + 2p + 1]), zero past k.
template <typename TA>
void pack_a_t(const uint8_t* a, int64_t lda, int rows, int64_t k0, int64_t kc, int64_t k, uint32_t* dst) {
  const int64_t avail = k - k0 < kc ? k - k0 : kc;
  const int64_t full = avail / 2;  // pairs with both elements inside k
  for (int r = 0; r < rows; ++r) {
    const TA* src = reinterpret_cast<const TA*>(a + r * lda) + k0;
    uint32_t* d = dst + r;
    for (int64_t p = 0; p < full; ++p) d[p * rows] = pair16(src[2 * p], src[2 * p + 1]);
    for (int64_t p = full; p < kc / 2; ++p) d[p * rows] = pair16(2 * p < avail ? src[2 * p] : 0, 0);
  }
}

void pack_a(const uint8_t* a, int64_t lda, bool a_unsigned, int rows, int64_t k0, int64_t kc, int64_t k,
            uint8_t* dst) {
  uint32_t* d = reinterpret_cast<uint32_t*>(dst);
  if (a_unsigned) {
    pack_a_t<uint8_t>(a, lda, rows, k0, kc, k, d);
  } else {
    pack_a_t<int8_t>(a, lda, rows, k0, kc, k, d);
  }
}

// Row r of the tile: two ymm of int32 -> C (=, += or + c_init), cols columns.
inline void store_row(int32_t* c, __m256i lo, __m256i hi, int cols, bool accumulate, const int32_t* init) {
  if (cols == kNr) {
    __m256i* d = reinterpret_cast<__m256i*>(c);
    if (accumulate) {
      lo = _mm256_add_epi32(lo, _mm256_loadu_si256(d));
      hi = _mm256_add_epi32(hi, _mm256_loadu_si256(d + 1));
    } else if (init != nullptr) {
      lo = _mm256_add_epi32(lo, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(init)));
      hi = _mm256_add_epi32(hi, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(init) + 1));
    }
    _mm256_storeu_si256(d, lo);
    _mm256_storeu_si256(d + 1, hi);
    return;
  }
  alignas(32) uint32_t t[kNr];
  _mm256_store_si256(reinterpret_cast<__m256i*>(t), lo);
  _mm256_store_si256(reinterpret_cast<__m256i*>(t + 8), hi);
  uint32_t* d = reinterpret_cast<uint32_t*>(c);
  for (int j = 0; j < cols; ++j) {
    const uint32_t base = accumulate ? d[j] : init != nullptr ? static_cast<uint32_t>(init[j]) : 0u;
    d[j] = base + t[j];  // wraps like the accumulators
  }
}

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
  if constexpr (R > r) store_row(g.c + r * g.ldc, c##r##0, c##r##1, g.cols, g.accumulate, g.c_init);
  QGEMM_ROWS(QGEMM_STORE)
#undef QGEMM_STORE
}

#undef QGEMM_ROWS

void micro(const MicroArgs<int32_t>& g) {
  switch (g.rows) {
    case 1: return micro_rows<1>(g);
    case 2: return micro_rows<2>(g);
    case 3: return micro_rows<3>(g);
    case 4: return micro_rows<4>(g);
    case 5: return micro_rows<5>(g);
    default: return micro_rows<6>(g);
  }
}

}  // namespace

// Many rows: blocks of 24 rows x 680 k of A (32 KiB packed); a panel's 11 KiB
// slice then stays in L1 for 4 microkernel calls.
extern const Int8Kernel kS8Avx2Kernel = {
    "avx2", kFeatAvx2, 10, 0, &kLayoutS8Pairs16, kMr, kNr, 24, 680, 2, 0, 0, pack_a, micro, nullptr, nullptr,
};

}  // namespace qgemm
