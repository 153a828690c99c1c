// AVX2 int8 products of a few rows of A (M <= kMaxDirectRows) with B read
// where the caller left it (compiled with -mavx2 -mfma). Exact like the
// packed kernel: pairs of k widened to int16, vpmaddwd, vpaddd.
//
// The caller's B has no slack, so no load may pass its end: partial panels
// are copied through a zero-padded buffer, a partial column group of B^T is
// shifted back to end exactly at n (its overlap is not written), a partial
// k chunk is shifted back to end at k (A is zero where it repeats). Shapes
// too small for either use plain loops.
#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "gemm/kernels/kernel.h"

namespace qgemm {

extern const Int8Kernel kS8Avx2Kernel;  // its pack_a and microkernel run the slabs

namespace {

constexpr int kNr = 16;  // columns per panel of layout s8_pairs16
constexpr int kMr = 6;

inline uint32_t pair16(int32_t lo, int32_t hi) {
  return static_cast<uint16_t>(lo) | static_cast<uint32_t>(static_cast<uint16_t>(hi)) << 16;
}

// Wrapping scalar loops for tiny shapes (n < 16, or k < 16 with B^T).
template <typename TA>
void plain_block(const Int8DirectArgs& g, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
  for (int64_t i = m0; i < m1; ++i) {
    const TA* a = reinterpret_cast<const TA*>(g.a + i * g.lda);
    for (int64_t j = n0; j < n1; ++j) {
      uint32_t s = 0;
      for (int64_t p = 0; p < g.k; ++p) {
        const int8_t bv = g.b_transposed ? g.b[j * g.k + p] : g.b[p * g.n + j];
        s += static_cast<uint32_t>(static_cast<int32_t>(a[p])) * static_cast<uint32_t>(static_cast<int32_t>(bv));
      }
      g.c[i * g.ldc + j] = static_cast<int32_t>(s);
    }
  }
}

// Row-major B, 5..16 rows of A: kSlabPairs pairs of B rows at a time
// (contiguous memory, read sequentially), a chunk of panels is packed into an
// L1 slab by interleaving rows 2p and 2p+1 (vpunpck{l,h}bw), then run by the
// packed microkernel. Feeding the microkernel from the rows in place, 16
// bytes per panel, was up to 2.5x slower on Zen 3: the 32 rows in flight are
// n bytes apart (4 KiB: one L1 set) and the prefetchers lose the streams.
constexpr int64_t kSlabPairs = 16;
constexpr int64_t kSlabBytes = 32768;
constexpr int64_t kSlabPanels = kSlabBytes / (kSlabPairs * kNr * 2);

// 16 bytes of row `row` from column js, zero past n (no read past B's end).
inline __m128i load_cols(const int8_t* row, int64_t js, int64_t n) {
  if (js + kNr <= n) return _mm_loadu_si128(reinterpret_cast<const __m128i*>(row + js));
  alignas(16) int8_t t[kNr] = {};
  std::memcpy(t, row + js, static_cast<size_t>(n - js));
  return _mm_load_si128(reinterpret_cast<const __m128i*>(t));
}

void slabs(const Int8DirectArgs& g, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
  const Int8Kernel& kn = kS8Avx2Kernel;
  const int64_t kp = (g.k + 1) / 2;
  constexpr int64_t kScratchRows = (kMaxDirectRows + kMr - 1) / kMr * kMr;
  alignas(64) uint8_t scratch[kScratchRows * kSlabPairs * 4];
  alignas(64) int8_t slab[kSlabBytes];
  const int64_t rows = m1 - m0;
  for (int64_t pc = 0; pc < kp; pc += kSlabPairs) {
    const int64_t kc = std::min(kSlabPairs, kp - pc);  // pairs
    const int64_t a_panel = kMr * kc * 4;
    for (int64_t ir = 0; ir < rows; ir += kMr) {
      const int r = static_cast<int>(std::min<int64_t>(kMr, rows - ir));
      kn.pack_a(g.a + (m0 + ir) * g.lda, g.lda, g.a_unsigned, r, 2 * pc, 2 * kc, g.k, scratch + ir / kMr * a_panel);
    }
    for (int64_t jc = n0; jc < n1; jc += kSlabPanels * kNr) {
      const int64_t panels = std::min(kSlabPanels, (n1 - jc + kNr - 1) / kNr);
      for (int64_t p = 0; p < kc; ++p) {
        const int8_t* r0 = g.b + 2 * (pc + p) * g.n;
        // The odd last pair: its A half is 0, so any row will do; reuse r0.
        const int8_t* r1 = 2 * (pc + p) + 1 < g.k ? r0 + g.n : r0;
        for (int64_t q = 0; q < panels; ++q) {
          const int64_t js = jc + q * kNr;
          const __m128i x0 = load_cols(r0, js, g.n), x1 = load_cols(r1, js, g.n);
          __m128i* d = reinterpret_cast<__m128i*>(slab + (q * kc + p) * kNr * 2);
          _mm_store_si128(d, _mm_unpacklo_epi8(x0, x1));
          _mm_store_si128(d + 1, _mm_unpackhi_epi8(x0, x1));
        }
      }
      // Packing alone leaves DRAM idle while the microkernels run: fetch the
      // next slab's rows into L2 meanwhile, a line per row every 4 panels.
      int64_t next_pc = pc, next_jc = jc + kSlabPanels * kNr;
      if (next_jc >= n1) next_pc += kSlabPairs, next_jc = n0;
      const int64_t next_rows = next_pc < kp ? std::min(2 * kSlabPairs, g.k - 2 * next_pc) : 0;
      MicroArgs<int32_t> args{};
      args.b_panel_bytes = kc * kNr * 2;
      args.kc = 2 * kc;
      args.ldc = g.ldc;
      args.accumulate = pc > 0;
      for (int64_t q = 0; q < panels; ++q) {
        if (q % 4 == 0 && next_jc + q * kNr < g.n) {
          const int8_t* src = g.b + 2 * next_pc * g.n + next_jc + q * kNr;
          for (int64_t t = 0; t < next_rows; ++t) _mm_prefetch(reinterpret_cast<const char*>(src + t * g.n), _MM_HINT_T1);
        }
        const int64_t j0 = jc + q * kNr;
        args.b = reinterpret_cast<const uint8_t*>(slab + q * kc * kNr * 2);
        args.cols = static_cast<int>(std::min<int64_t>(kNr, n1 - j0));
        for (int64_t ir = 0; ir < rows; ir += kMr) {
          args.a = scratch + ir / kMr * a_panel;
          args.c = g.c + (m0 + ir) * g.ldc + j0;
          args.rows = static_cast<int>(std::min<int64_t>(kMr, rows - ir));
          kn.micro(args);
        }
      }
    }
  }
}

// A few rows of A do too little work per byte of B to pay for the slab
// (and its per-panel microkernel calls), so they stream B's rows in place, 4
// at a time (two pairs; sequential reads) and accumulate into C's rows, which
// stay in L1/L2. Full panels only: the partial last one goes to plain loops.
constexpr int64_t kAxpyMaxRows = 4;

template <int R, typename TA>
void axpy_rows(const Int8DirectArgs& g, int64_t i0, int64_t n0, int64_t n1) {
  for (int r = 0; r < R; ++r) std::memset(g.c + (i0 + r) * g.ldc + n0, 0, (n1 - n0) * sizeof(int32_t));
  for (int64_t p = 0; p < g.k; p += 4) {
    const int8_t* rows[4];
    __m256i av[R][2];
    for (int t = 0; t < 4; ++t) rows[t] = g.b + (p + t < g.k ? p + t : p) * g.n;  // A is 0 past k
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
void axpy_t(const Int8DirectArgs& g, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
  const int64_t jend = n0 + (n1 - n0) / kNr * kNr;
  using Fn = void (*)(const Int8DirectArgs&, int64_t, int64_t, int64_t);
  static constexpr Fn kRows[kAxpyMaxRows + 1] = {nullptr, axpy_rows<1, TA>, axpy_rows<2, TA>, axpy_rows<3, TA>,
                                                 axpy_rows<4, TA>};
  for (int64_t i = m0; i < m1; i += kAxpyMaxRows) kRows[std::min(kAxpyMaxRows, m1 - i)](g, i, n0, jend);
  if (jend < n1) plain_block<TA>(g, m0, m1, jend, n1);
}

// B^T ([n][k]): dot products along k. kDotCols columns (rows of B^T) share
// each widened A chunk; A is widened to int16 once per k block.
constexpr int kDotCols = 4;
constexpr int kDotRows = 2;             // 8 accumulators + 4 B vectors
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
void dots_t(const Int8DirectArgs& g, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
  const int8_t* bt = g.b;
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
void direct_t(const Int8DirectArgs& g, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
  if (m0 >= m1 || n0 >= n1) return;
  const bool bt = g.b_transposed;
  if (g.k == 0 || (bt ? g.k < 16 || g.n < kDotCols : g.n < kNr)) return plain_block<TA>(g, m0, m1, n0, n1);
  if (bt) return dots_t<TA>(g, m0, m1, n0, n1);
  if (m1 - m0 <= kAxpyMaxRows) return axpy_t<TA>(g, m0, m1, n0, n1);
  slabs(g, m0, m1, n0, n1);
}

void direct(const Int8DirectArgs& g, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
  if (g.a_unsigned) {
    direct_t<uint8_t>(g, m0, m1, n0, n1);
  } else {
    direct_t<int8_t>(g, m0, m1, n0, n1);
  }
}

}  // namespace

extern const Int8DirectKernel kS8Avx2DirectKernel = {"avx2", kFeatAvx2, 10, kNr, direct};

}  // namespace qgemm
