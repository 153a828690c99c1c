// Exact AVX2 int8 kernel (compiled with -mavx2 -mfma).
//
// vpmaddubsw would be faster, but it saturates its int16 pair sums (255*127*2
// overflows), so it is wrong for full-range inputs. Instead B is sign-extended
// to int16 with pairs of k interleaved: one int32 lane holds
// (b[k][j], b[k+1][j]). A pair (a[i][k], a[i][k+1]) widened to int16 and
// broadcast to every lane makes vpmaddwd produce a[i][k]*b[k][j] +
// a[i][k+1]*b[k+1][j] exactly (|sum| <= 2*255*128 < 2^31). vpaddd then
// accumulates modulo 2^32, exactly like the scalar reference.
//
// Packed B stays int8 (the pairs interleaved) and is widened in the
// microkernel by vpmovsxbw from memory: at small M the kernel streams B from
// DRAM, so half the bytes is nearly twice the speed, and the extra shuffle
// uop per 8 columns is hidden behind vpmaddwd at large M.
//
// Packed B: column panels of kNr columns; inside a panel, k-pair major, so
// the microkernel reads it linearly. Odd k is padded with a zero row and the
// last panel with zero columns.
#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "gemm/kernels/kernel.h"

namespace qgemm {

namespace {

constexpr int kNr = 16;             // columns per panel: two ymm of int32
constexpr int kNv = kNr / 8;        // ymm per panel row
constexpr int kMr = 6;              // rows per microkernel: 12 accumulators
constexpr int kScratchPairs = 8192;  // packed-A scratch: 32 KiB on the stack
// Many rows: blocks of 24 rows x 341 k-pairs of A (the whole scratch); a
// panel's 22 KiB slice then stays in L1 for 4 microkernel calls. Measured
// best of 24..128 rows on Zen 3 at 512^3 and 1024^3.
constexpr int64_t kBigMc = 24;
constexpr int64_t kBigKcPairs = kScratchPairs / kBigMc;

int64_t pairs_of(int64_t k) { return (k + 1) / 2; }
int64_t panels_of(int64_t n) { return (n + kNr - 1) / kNr; }

size_t packed_bytes(int64_t k, int64_t n) {
  return static_cast<size_t>(panels_of(n) * pairs_of(k) * kNr * 2);
}

void pack_b(const int8_t* b, bool transposed, int64_t k, int64_t n, uint8_t* dst) {
  const int64_t kp = pairs_of(k);
  int8_t* out = reinterpret_cast<int8_t*>(dst);
  auto at = [&](int64_t p, int64_t j) -> int8_t {
    if (p >= k || j >= n) return 0;  // padding row / column
    return transposed ? b[j * k + p] : b[p * n + j];
  };
  for (int64_t jp = 0; jp < panels_of(n); ++jp) {
    for (int64_t p = 0; p < kp; ++p) {
      for (int64_t jj = 0; jj < kNr; ++jj) {
        const int64_t j = jp * kNr + jj;
        *out++ = at(2 * p, j);
        *out++ = at(2 * p + 1, j);
      }
    }
  }
}

// One int32 holding (lo, hi) as two int16: the broadcast operand of vpmaddwd.
inline uint32_t pair16(int32_t lo, int32_t hi) {
  return static_cast<uint16_t>(lo) | static_cast<uint32_t>(static_cast<uint16_t>(hi)) << 16;
}

// Packs rows [0, r) of A (k range [k0, k0 + 2*kc), clipped to k) as
// dst[p * r + row] = pair16(a[row][k0 + 2p], a[row][k0 + 2p + 1]).
template <typename TA>
void pack_a(const uint8_t* a, int64_t lda, int r, int64_t k0, int64_t kc, int64_t k, uint32_t* dst) {
  const int64_t avail = std::min<int64_t>(2 * kc, k - k0);
  const int64_t full = avail / 2;  // pairs with both elements inside k
  for (int row = 0; row < r; ++row) {
    const TA* src = reinterpret_cast<const TA*>(a + row * lda) + k0;
    uint32_t* d = dst + row;
    for (int64_t p = 0; p < full; ++p) d[p * r] = pair16(src[2 * p], src[2 * p + 1]);
    if (full < kc) d[full * r] = pair16(avail & 1 ? src[2 * full] : 0, 0);  // odd k
  }
}

// C[0:R, lo:hi) (= or +=) A_pairs x B_panel for one panel of kNr columns.
// `a` is packed [kc][R]; `b` is the panel's rows for the same k range.
template <int R>
void micro(const uint32_t* a, const int8_t* b, int64_t kc, int32_t* c, int64_t ldc, int lo, int hi,
           bool accumulate) {
  __m256i acc[R][kNv];
  #pragma GCC unroll 8
  for (int r = 0; r < R; ++r) {
    #pragma GCC unroll 8
    for (int v = 0; v < kNv; ++v) acc[r][v] = _mm256_setzero_si256();
  }
  for (int64_t p = 0; p < kc; ++p) {
    __m256i bv[kNv];
    #pragma GCC unroll 8
    for (int v = 0; v < kNv; ++v) {
      bv[v] = _mm256_cvtepi8_epi16(_mm_load_si128(reinterpret_cast<const __m128i*>(b + (p * kNr + v * 8) * 2)));
    }
    #pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
      const __m256i av = _mm256_set1_epi32(static_cast<int32_t>(a[p * R + r]));
      #pragma GCC unroll 8
      for (int v = 0; v < kNv; ++v) acc[r][v] = _mm256_add_epi32(acc[r][v], _mm256_madd_epi16(av, bv[v]));
    }
  }
  if (lo == 0 && hi == kNr) {
    #pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
      #pragma GCC unroll 8
      for (int v = 0; v < kNv; ++v) {
        __m256i* dst = reinterpret_cast<__m256i*>(c + r * ldc + v * 8);
        __m256i x = acc[r][v];
        if (accumulate) x = _mm256_add_epi32(x, _mm256_loadu_si256(dst));
        _mm256_storeu_si256(dst, x);
      }
    }
    return;
  }
  // Partial panel: spill, then write only columns [lo, hi).
  alignas(32) int32_t tmp[R][kNr];
  #pragma GCC unroll 8
  for (int r = 0; r < R; ++r) {
    #pragma GCC unroll 8
    for (int v = 0; v < kNv; ++v) _mm256_store_si256(reinterpret_cast<__m256i*>(&tmp[r][v * 8]), acc[r][v]);
    for (int j = lo; j < hi; ++j) {
      // Unsigned add: wraps like the accumulators.
      c[r * ldc + j] = accumulate ? static_cast<int32_t>(static_cast<uint32_t>(c[r * ldc + j]) +
                                                         static_cast<uint32_t>(tmp[r][j]))
                                  : tmp[r][j];
    }
  }
}

using MicroFn = void (*)(const uint32_t*, const int8_t*, int64_t, int32_t*, int64_t, int, int, bool);
constexpr MicroFn kMicro[kMr + 1] = {nullptr, micro<1>, micro<2>, micro<3>, micro<4>, micro<5>, micro<6>};

template <typename TA>
void compute_t(const Int8KernelArgs& g, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
  if (m0 >= m1 || n0 >= n1) return;
  if (g.k == 0) {
    for (int64_t i = m0; i < m1; ++i) std::memset(g.c + i * g.ldc + n0, 0, (n1 - n0) * sizeof(int32_t));
    return;
  }
  const int64_t kp = pairs_of(g.k);
  const int64_t rows = m1 - m0;
  // Few rows: pack them all with a long k block so B streams in long runs.
  // Many rows: kBigMc-row blocks of A, reused from cache across every panel.
  const int64_t mc = rows <= 16 ? rows : kBigMc;
  const int64_t kcp = std::min(kp, rows <= 16 ? kScratchPairs / mc : kBigKcPairs);
  alignas(64) uint32_t scratch[kScratchPairs];
  const int8_t* packed = reinterpret_cast<const int8_t*>(g.packed_b);

  for (int64_t pc = 0; pc < kp; pc += kcp) {
    const int64_t kc = std::min(kcp, kp - pc);
    const bool accumulate = pc > 0;
    for (int64_t ic = m0; ic < m1; ic += mc) {
      const int64_t mrows = std::min(mc, m1 - ic);
      for (int64_t ir = 0; ir < mrows; ir += kMr) {
        const int r = static_cast<int>(std::min<int64_t>(kMr, mrows - ir));
        pack_a<TA>(g.a + (ic + ir) * g.lda, g.lda, r, 2 * pc, kc, g.k, scratch + ir * kc);
      }
      for (int64_t jp = n0 / kNr; jp * kNr < n1; ++jp) {
        const int64_t j0 = jp * kNr;
        const int lo = static_cast<int>(std::max(n0, j0) - j0);
        const int hi = static_cast<int>(std::min(n1, j0 + kNr) - j0);
        const int8_t* b = packed + (jp * kp + pc) * kNr * 2;
        for (int64_t ir = 0; ir < mrows; ir += kMr) {
          const int r = static_cast<int>(std::min<int64_t>(kMr, mrows - ir));
          kMicro[r](scratch + ir * kc, b, kc, g.c + (ic + ir) * g.ldc + j0, g.ldc, lo, hi, accumulate);
        }
      }
    }
  }
}

void compute(const Int8KernelArgs& g, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
  if (g.a_unsigned) {
    compute_t<uint8_t>(g, m0, m1, n0, n1);
  } else {
    compute_t<int8_t>(g, m0, m1, n0, n1);
  }
}

}  // namespace

extern const Int8Kernel kAvx2Int8Kernel = {
    "avx2", Isa::kAvx2, kNr, packed_bytes, pack_b, compute,
};

}  // namespace qgemm
