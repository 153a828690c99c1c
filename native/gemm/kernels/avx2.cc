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
// Software prefetch distance along a panel: at M = 1 the hardware
// prefetchers alone fetched packed B at ~9 GB/s; this ~doubled it (measured
// 1024..4096 B; no change at 512^3). (The in-place row streams of the
// unpacked path were slower with it: four streams are enough for hardware.)
constexpr int64_t kPrefetchBytes = 2048;

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
  if (!transposed) {
    // Rows 2p and 2p+1 read sequentially, interleaved 16 columns at a time
    // (the element loop below took ~3 ns per element: 48 ms at 4096^2).
    const int64_t full_panels = n / kNr;
    for (int64_t p = 0; p < kp; ++p) {
      const int8_t* r0 = b + 2 * p * n;
      const bool odd = 2 * p + 1 >= k;
      for (int64_t jp = 0; jp < full_panels; ++jp) {
        const __m128i x0 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(r0 + jp * kNr));
        const __m128i x1 = odd ? _mm_setzero_si128() : _mm_loadu_si128(reinterpret_cast<const __m128i*>(r0 + n + jp * kNr));
        __m128i* d = reinterpret_cast<__m128i*>(out + (jp * kp + p) * kNr * 2);
        _mm_store_si128(d, _mm_unpacklo_epi8(x0, x1));
        _mm_store_si128(d + 1, _mm_unpackhi_epi8(x0, x1));
      }
      for (int64_t jp = full_panels; jp < panels_of(n); ++jp) {  // the partial last panel
        int8_t* d = out + (jp * kp + p) * kNr * 2;
        for (int64_t jj = 0; jj < kNr; ++jj) {
          d[2 * jj] = at(2 * p, jp * kNr + jj);
          d[2 * jj + 1] = at(2 * p + 1, jp * kNr + jj);
        }
      }
    }
    return;
  }
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
void micro(const uint32_t* a, const int8_t* b, int64_t kc, int32_t* c, int64_t ldc, int lo, int hi, bool accumulate) {
  __m256i acc[R][kNv];
  #pragma GCC unroll 8
  for (int r = 0; r < R; ++r) {
    #pragma GCC unroll 8
    for (int v = 0; v < kNv; ++v) acc[r][v] = _mm256_setzero_si256();
  }
  for (int64_t p = 0; p < kc; ++p) {
    // Past the panel's end it touches other panels' data: harmless, never faults.
    _mm_prefetch(reinterpret_cast<const char*>(b + p * kNr * 2 + kPrefetchBytes), _MM_HINT_T0);
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

// ---- Unpacked B (few rows of A): B is read where the caller left it. ----
//
// The caller's B has no slack, so no load may pass its end: a partial last
// panel (or column group, or k chunk) is shifted back to end exactly at n (or
// k), and its overlap with the previous one is masked out (columns: not
// written; k: zero A values). Shapes too small to shift use plain loops.

// Wrapping scalar loops for tiny shapes (n < 16, or k < 16 with B^T).
template <typename TA>
void plain_block(const Int8KernelArgs& g, bool bt, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
  const int8_t* b = reinterpret_cast<const int8_t*>(g.packed_b);
  for (int64_t i = m0; i < m1; ++i) {
    const TA* a = reinterpret_cast<const TA*>(g.a + i * g.lda);
    for (int64_t j = n0; j < n1; ++j) {
      uint32_t s = 0;
      for (int64_t p = 0; p < g.k; ++p) {
        s += static_cast<uint32_t>(static_cast<int32_t>(a[p])) *
             static_cast<uint32_t>(static_cast<int32_t>(bt ? b[j * g.k + p] : b[p * g.n + j]));
      }
      g.c[i * g.ldc + j] = static_cast<int32_t>(s);
    }
  }
}

// Row-major B, 5..16 rows of A: kRowsKcPairs pairs of B rows at a time
// (contiguous memory, read sequentially), a chunk of panels is packed into an
// L1 slab by interleaving rows 2p and 2p+1 (vpunpck{l,h}bw), then run by the
// packed microkernel. Feeding the microkernel from the rows in place, 16
// bytes per panel, was up to 2.5x slower: the 32 rows in flight are n bytes
// apart (4 KiB: one L1 set) and the prefetchers lose the streams.
constexpr int64_t kRowsKcPairs = 16;
constexpr int64_t kSlabBytes = 32768;
constexpr int64_t kSlabPanels = kSlabBytes / (kRowsKcPairs * kNr * 2);

template <typename TA>
void rows_t(const Int8KernelArgs& g, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
  const int8_t* b = reinterpret_cast<const int8_t*>(g.packed_b);
  const int64_t kp = pairs_of(g.k);
  alignas(64) uint32_t scratch[kScratchPairs];
  alignas(64) int8_t slab[kSlabBytes];
  const int64_t mc = std::max<int64_t>(1, std::min(m1 - m0, kScratchPairs / kRowsKcPairs));
  for (int64_t ic = m0; ic < m1; ic += mc) {
    const int64_t mrows = std::min(mc, m1 - ic);
    for (int64_t pc = 0; pc < kp; pc += kRowsKcPairs) {
      const int64_t kc = std::min(kRowsKcPairs, kp - pc);
      for (int64_t ir = 0; ir < mrows; ir += kMr) {
        const int r = static_cast<int>(std::min<int64_t>(kMr, mrows - ir));
        pack_a<TA>(g.a + (ic + ir) * g.lda, g.lda, r, 2 * pc, kc, g.k, scratch + ir * kc);
      }
      for (int64_t jc = n0 / kNr * kNr; jc < n1; jc += kSlabPanels * kNr) {
        const int64_t panels = std::min(kSlabPanels, (n1 - jc + kNr - 1) / kNr);
        for (int64_t p = 0; p < kc; ++p) {
          const int8_t* r0 = b + 2 * (pc + p) * g.n;
          // The odd last pair: its A half is 0, so any row will do; reuse r0.
          const int8_t* r1 = 2 * (pc + p) + 1 < g.k ? r0 + g.n : r0;
          for (int64_t q = 0; q < panels; ++q) {
            const int64_t js = std::min(jc + q * kNr, g.n - kNr);  // shifted back to end at n
            const __m128i x0 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(r0 + js));
            const __m128i x1 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(r1 + js));
            __m128i* d = reinterpret_cast<__m128i*>(slab + (q * kc + p) * kNr * 2);
            _mm_store_si128(d, _mm_unpacklo_epi8(x0, x1));
            _mm_store_si128(d + 1, _mm_unpackhi_epi8(x0, x1));
          }
        }
        // Packing alone leaves DRAM idle while the microkernels run: fetch the
        // next slab's rows into L2 meanwhile, a line per row every 4 panels.
        int64_t next_pc = pc, next_jc = jc + kSlabPanels * kNr;
        if (next_jc >= n1) next_pc += kRowsKcPairs, next_jc = n0 / kNr * kNr;
        const int64_t next_rows = next_pc < kp ? std::min(2 * kRowsKcPairs, g.k - 2 * next_pc) : 0;
        for (int64_t q = 0; q < panels; ++q) {
          if (q % 4 == 0 && next_jc + q * kNr < g.n) {
            const int8_t* src = b + 2 * next_pc * g.n + next_jc + q * kNr;
            for (int64_t t = 0; t < next_rows; ++t) _mm_prefetch(reinterpret_cast<const char*>(src + t * g.n), _MM_HINT_T1);
          }
          const int64_t j0 = jc + q * kNr, js = std::min(j0, g.n - kNr);
          const int lo = static_cast<int>(std::max(n0, j0) - js);
          const int hi = static_cast<int>(std::min(n1, j0 + kNr) - js);
          for (int64_t ir = 0; ir < mrows; ir += kMr) {
            const int r = static_cast<int>(std::min<int64_t>(kMr, mrows - ir));
            kMicro[r](scratch + ir * kc, slab + q * kc * kNr * 2, kc, g.c + (ic + ir) * g.ldc + js, g.ldc, lo, hi,
                      pc > 0);
          }
        }
      }
    }
  }
}

// A few rows of A do too little work per byte of B to pay for the slab
// (and its per-panel microkernel calls), so they stream B's rows in place, 4
// at a time (two pairs; sequential reads) and accumulate into C's rows, which
// stay in L1/L2. Full panels only: the last partial one goes to plain loops, as
// a shifted panel would add its overlap twice.
constexpr int64_t kAxpyMaxRows = 4;

template <int R, typename TA>
void axpy_rows(const Int8KernelArgs& g, int64_t i0, int64_t n0, int64_t n1) {
  const int8_t* b = reinterpret_cast<const int8_t*>(g.packed_b);
  for (int r = 0; r < R; ++r) std::memset(g.c + (i0 + r) * g.ldc + n0, 0, (n1 - n0) * sizeof(int32_t));
  for (int64_t p = 0; p < g.k; p += 4) {
    const int8_t* rows[4];
    __m256i av[R][2];
    for (int t = 0; t < 4; ++t) rows[t] = b + (p + t < g.k ? p + t : p) * g.n;  // A is 0 past k
    for (int r = 0; r < R; ++r) {
      const TA* a = reinterpret_cast<const TA*>(g.a + (i0 + r) * g.lda);
      auto at = [&](int64_t q) -> int32_t { return q < g.k ? a[q] : 0; };
      av[r][0] = _mm256_set1_epi32(static_cast<int32_t>(pair16(at(p), at(p + 1))));
      av[r][1] = _mm256_set1_epi32(static_cast<int32_t>(pair16(at(p + 2), at(p + 3))));
    }
    for (int64_t j = n0; j < n1; j += kNr) {
      __m128i x[4];
      for (int t = 0; t < 4; ++t) x[t] = _mm_loadu_si128(reinterpret_cast<const __m128i*>(rows[t] + j));
      const __m256i b0 = _mm256_cvtepi8_epi16(_mm_unpacklo_epi8(x[0], x[1]));
      const __m256i b1 = _mm256_cvtepi8_epi16(_mm_unpackhi_epi8(x[0], x[1]));
      const __m256i b2 = _mm256_cvtepi8_epi16(_mm_unpacklo_epi8(x[2], x[3]));
      const __m256i b3 = _mm256_cvtepi8_epi16(_mm_unpackhi_epi8(x[2], x[3]));
      for (int r = 0; r < R; ++r) {
        __m256i* c = reinterpret_cast<__m256i*>(g.c + (i0 + r) * g.ldc + j);
        const __m256i lo = _mm256_add_epi32(_mm256_madd_epi16(av[r][0], b0), _mm256_madd_epi16(av[r][1], b2));
        const __m256i hi = _mm256_add_epi32(_mm256_madd_epi16(av[r][0], b1), _mm256_madd_epi16(av[r][1], b3));
        _mm256_storeu_si256(c, _mm256_add_epi32(_mm256_loadu_si256(c), lo));
        _mm256_storeu_si256(c + 1, _mm256_add_epi32(_mm256_loadu_si256(c + 1), hi));
      }
    }
  }
}

template <typename TA>
void axpy_t(const Int8KernelArgs& g, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
  const int64_t jend = n0 + (n1 - n0) / kNr * kNr;
  using Fn = void (*)(const Int8KernelArgs&, int64_t, int64_t, int64_t);
  static constexpr Fn kRows[kAxpyMaxRows + 1] = {nullptr, axpy_rows<1, TA>, axpy_rows<2, TA>, axpy_rows<3, TA>,
                                                 axpy_rows<4, TA>};
  for (int64_t i = m0; i < m1; i += kAxpyMaxRows) kRows[std::min(kAxpyMaxRows, m1 - i)](g, i, n0, jend);
  if (jend < n1) plain_block<TA>(g, false, m0, m1, jend, n1);
}

// B^T ([n][k]): dot products along k. kDotCols columns (rows of B^T) share
// each widened A chunk; A is widened to int16 once per k block.
constexpr int kDotCols = 4;
constexpr int kDotRows = 2;          // 8 accumulators + 4 B vectors
constexpr int64_t kDotScratch = 16384;  // int16 A: 32 KiB on the stack

// acc[r][0..3] (8 int32 lanes each) -> c[r][lo..hi) of 4 columns.
template <int R>
void dot_store(__m256i (&acc)[R][kDotCols], int32_t* c, int64_t ldc, int lo, int hi, bool accumulate) {
  for (int r = 0; r < R; ++r) {
    // phaddd adds with wrap-around, like vpaddd.
    const __m256i h = _mm256_hadd_epi32(_mm256_hadd_epi32(acc[r][0], acc[r][1]), _mm256_hadd_epi32(acc[r][2], acc[r][3]));
    const __m128i s = _mm_add_epi32(_mm256_castsi256_si128(h), _mm256_extracti128_si256(h, 1));
    alignas(16) int32_t t[kDotCols];
    _mm_store_si128(reinterpret_cast<__m128i*>(t), s);
    for (int j = lo; j < hi; ++j) {
      c[r * ldc + j] = accumulate ? static_cast<int32_t>(static_cast<uint32_t>(c[r * ldc + j]) +
                                                         static_cast<uint32_t>(t[j]))
                                  : t[j];
    }
  }
}

// C[0:R, lo:hi) (= or +=) sum over nch chunks of 16 k: widened A rows (lda16
// apart) x B^T rows (ldb apart). Chunk c of B is at 16c, except the last at
// last_off (shifted back so as not to read past k; A is zero where it overlaps).
template <int R>
void dot_micro(const int16_t* a, int64_t lda16, const int8_t* b, int64_t ldb, int64_t nch, int64_t last_off,
               int32_t* c, int64_t ldc, int lo, int hi, bool accumulate) {
  __m256i acc[R][kDotCols];
  for (int r = 0; r < R; ++r) {
    for (int t = 0; t < kDotCols; ++t) acc[r][t] = _mm256_setzero_si256();
  }
  auto step = [&](int64_t boff, int64_t aoff) {
    __m256i bv[kDotCols];
    for (int t = 0; t < kDotCols; ++t) {
      bv[t] = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b + t * ldb + boff)));
    }
    for (int r = 0; r < R; ++r) {
      const __m256i av = _mm256_load_si256(reinterpret_cast<const __m256i*>(a + r * lda16 + aoff));
      for (int t = 0; t < kDotCols; ++t) acc[r][t] = _mm256_add_epi32(acc[r][t], _mm256_madd_epi16(av, bv[t]));
    }
  };
  for (int64_t ch = 0; ch + 1 < nch; ++ch) step(16 * ch, 16 * ch);
  step(last_off, 16 * (nch - 1));
  dot_store<R>(acc, c, ldc, lo, hi, accumulate);
}

template <typename TA>
void dots_t(const Int8KernelArgs& g, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
  const int8_t* bt = reinterpret_cast<const int8_t*>(g.packed_b);
  const int64_t k = g.k;
  alignas(32) int16_t scratch[kDotScratch];
  const int64_t mc = std::min<int64_t>(m1 - m0, kDotScratch / 16);
  for (int64_t ic = m0; ic < m1; ic += mc) {
    const int64_t mrows = std::min(mc, m1 - ic);
    const int64_t kc_max = kDotScratch / mrows / 16 * 16;
    for (int64_t k0 = 0; k0 < k; k0 += kc_max) {
      const int64_t nch = (std::min(kc_max, k - k0) + 15) / 16;
      const int64_t lda16 = nch * 16;
      // The last chunk is read at min(start, k - 16): zero A where it repeats k.
      const int64_t last_start = k0 + 16 * (nch - 1), last_load = std::min(last_start, k - 16);
      for (int64_t i = 0; i < mrows; ++i) {
        const TA* src = reinterpret_cast<const TA*>(g.a + (ic + i) * g.lda);
        int16_t* dst = scratch + i * lda16;
        for (int64_t p = 0; p < lda16 - 16; ++p) dst[p] = src[k0 + p];
        for (int64_t t = 0; t < 16; ++t) {
          dst[lda16 - 16 + t] = last_load + t >= last_start ? src[last_load + t] : 0;
        }
      }
      for (int64_t j0 = n0; j0 < n1; j0 += kDotCols) {
        const int64_t js = std::min(j0, g.n - kDotCols);  // shifted back to end at n
        const int lo = static_cast<int>(j0 - js), hi = static_cast<int>(std::min(n1, j0 + kDotCols) - js);
        const int8_t* b = bt + js * k + k0;
        for (int64_t ir = 0; ir < mrows; ir += kDotRows) {
          int32_t* c = g.c + (ic + ir) * g.ldc + js;
          const int16_t* a = scratch + ir * lda16;
          if (mrows - ir >= 2) {
            dot_micro<2>(a, lda16, b, k, nch, last_load - k0, c, g.ldc, lo, hi, k0 > 0);
          } else {
            dot_micro<1>(a, lda16, b, k, nch, last_load - k0, c, g.ldc, lo, hi, k0 > 0);
          }
        }
      }
    }
  }
}

template <typename TA>
void unpacked_t(const Int8KernelArgs& g, bool bt, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
  if (m0 >= m1 || n0 >= n1) return;
  if (g.k == 0 || (bt ? g.k < 16 || g.n < kDotCols : g.n < kNr)) return plain_block<TA>(g, bt, m0, m1, n0, n1);
  if (bt) return dots_t<TA>(g, m0, m1, n0, n1);
  if (m1 - m0 <= kAxpyMaxRows) return axpy_t<TA>(g, m0, m1, n0, n1);
  rows_t<TA>(g, m0, m1, n0, n1);
}

void compute_unpacked(const Int8KernelArgs& g, bool b_transposed, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
  if (g.a_unsigned) {
    unpacked_t<uint8_t>(g, b_transposed, m0, m1, n0, n1);
  } else {
    unpacked_t<int8_t>(g, b_transposed, m0, m1, n0, n1);
  }
}

}  // namespace

extern const Int8Kernel kAvx2Int8Kernel = {
    "avx2", Isa::kAvx2, kNr, packed_bytes, pack_b, compute, compute_unpacked,
};

}  // namespace qgemm
