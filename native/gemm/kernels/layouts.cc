#include "gemm/kernels/layouts.h"

#include <algorithm>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#include <xmmintrin.h>
#elif defined(__aarch64__)
#include <arm_neon.h>
#endif

namespace qgemm {

namespace {

// Element (p, j) of B as stored, with the layout's zero padding.
template <typename T>
struct Source {
  const T* b;
  bool transposed;
  int64_t ld, k, n;
  T at(int64_t p, int64_t j) const {
    if (p >= k || j >= n) return T(0);
    return transposed ? b[j * ld + p] : b[p * ld + j];
  }
};

// One group of G rows (rows[t]: kPanel elements each, from column c) into
// [kPanel][G] at dst: the columns' k interleaved. Baseline SIMD where it helps
// (SSE2 on x86-64, Advanced SIMD on AArch64; no ISA flags needed), plain
// loops otherwise.
template <typename T, int kPanel, int G>
struct Interleave {
  static void run(const T* const* rows, int64_t c, T* dst) {
    for (int jj = 0; jj < kPanel; ++jj) {
      for (int t = 0; t < G; ++t) dst[jj * G + t] = rows[t][c + jj];
    }
  }
};

#if defined(__SSE2__)
template <>
struct Interleave<int8_t, 16, 2> {
  static void run(const int8_t* const* rows, int64_t c, int8_t* dst) {
    const __m128i x0 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(rows[0] + c));
    const __m128i x1 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(rows[1] + c));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst), _mm_unpacklo_epi8(x0, x1));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + 16), _mm_unpackhi_epi8(x0, x1));
  }
};

template <>
struct Interleave<int8_t, 16, 4> {
  static void run(const int8_t* const* rows, int64_t c, int8_t* dst) {
    const __m128i x0 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(rows[0] + c));
    const __m128i x1 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(rows[1] + c));
    const __m128i x2 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(rows[2] + c));
    const __m128i x3 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(rows[3] + c));
    const __m128i lo01 = _mm_unpacklo_epi8(x0, x1), hi01 = _mm_unpackhi_epi8(x0, x1);
    const __m128i lo23 = _mm_unpacklo_epi8(x2, x3), hi23 = _mm_unpackhi_epi8(x2, x3);
    __m128i* d = reinterpret_cast<__m128i*>(dst);
    _mm_storeu_si128(d, _mm_unpacklo_epi16(lo01, lo23));
    _mm_storeu_si128(d + 1, _mm_unpackhi_epi16(lo01, lo23));
    _mm_storeu_si128(d + 2, _mm_unpacklo_epi16(hi01, hi23));
    _mm_storeu_si128(d + 3, _mm_unpackhi_epi16(hi01, hi23));
  }
};
#elif defined(__aarch64__)
template <>
struct Interleave<int8_t, 16, 4> {
  static void run(const int8_t* const* rows, int64_t c, int8_t* dst) {
    const int8x16_t x0 = vld1q_s8(rows[0] + c), x1 = vld1q_s8(rows[1] + c);
    const int8x16_t x2 = vld1q_s8(rows[2] + c), x3 = vld1q_s8(rows[3] + c);
    const int16x8_t lo01 = vreinterpretq_s16_s8(vzip1q_s8(x0, x1)), hi01 = vreinterpretq_s16_s8(vzip2q_s8(x0, x1));
    const int16x8_t lo23 = vreinterpretq_s16_s8(vzip1q_s8(x2, x3)), hi23 = vreinterpretq_s16_s8(vzip2q_s8(x2, x3));
    vst1q_s8(dst, vreinterpretq_s8_s16(vzip1q_s16(lo01, lo23)));
    vst1q_s8(dst + 16, vreinterpretq_s8_s16(vzip2q_s16(lo01, lo23)));
    vst1q_s8(dst + 32, vreinterpretq_s8_s16(vzip1q_s16(hi01, hi23)));
    vst1q_s8(dst + 48, vreinterpretq_s8_s16(vzip2q_s16(hi01, hi23)));
  }
};
#endif

// One full panel of B^T (kPanel columns, each a contiguous run of k) into
// [k][kPanel] at dst, k a multiple of 4 here. Returns false where there is no
// faster way than the element-wise copy below.
template <typename T, int kPanel, int G>
struct TransposePanel {
  static bool run(const T*, int64_t, int64_t, T*) { return false; }
};

#if defined(__SSE2__)
// float32 panels of 16: 4x4 blocks transposed in registers (a 128x2048x2048
// float32 product with B^T at 2 threads on Zen 4: 7.8 ms with the element-wise
// copy, 6.3-7.2 ms with this).
template <>
struct TransposePanel<float, 16, 1> {
  static bool run(const float* column0, int64_t ld, int64_t k, float* dst) {
    for (int64_t p = 0; p + 4 <= k; p += 4) {
      for (int q = 0; q < 16; q += 4) {
        const float* c = column0 + q * ld + p;
        __m128 r0 = _mm_loadu_ps(c), r1 = _mm_loadu_ps(c + ld), r2 = _mm_loadu_ps(c + 2 * ld), r3 = _mm_loadu_ps(c + 3 * ld);
        _MM_TRANSPOSE4_PS(r0, r1, r2, r3);
        _mm_storeu_ps(dst + p * 16 + q, r0);
        _mm_storeu_ps(dst + (p + 1) * 16 + q, r1);
        _mm_storeu_ps(dst + (p + 2) * 16 + q, r2);
        _mm_storeu_ps(dst + (p + 3) * 16 + q, r3);
      }
    }
    return true;
  }
};

// int8 panels of 16 in quads of k: a quad is 4 bytes, so [k/4][16][4] is the
// float32 transpose above applied to the bytes read as 32-bit units (128 x
// 2048 x 2048 forward of a training step on Zen 5, W re-packed every step:
// the quad-by-quad copy was 5% of the step).
template <>
struct TransposePanel<int8_t, 16, 4> {
  static bool run(const int8_t* column0, int64_t ld, int64_t k, int8_t* dst) {
    if (ld % 4 != 0 || k % 16 != 0) return false;
    return TransposePanel<float, 16, 1>::run(reinterpret_cast<const float*>(column0), ld / 4, k / 4,
                                             reinterpret_cast<float*>(dst));
  }
};
#endif

// Packs panels of `panel` columns whose k runs in groups of G: the elements
// of one group of one panel are [panel][G]; kp (k padded) is a multiple of G.
// Row-major B is read a group of rows at a time, sequentially; B^T one
// column's run of k at a time, G elements per copy.
template <typename T, int kPanel, int G>
void pack_grouped(const void* src, bool transposed, int64_t ld, int64_t k, int64_t n, int64_t kp, T* out) {
  const Source<T> s{static_cast<const T*>(src), transposed, ld, k, n};
  const int64_t panels = (n + kPanel - 1) / kPanel;
  const size_t panel_elems = static_cast<size_t>(kp * kPanel);
  if (transposed) {
    const int64_t full_groups = k / G;
    for (int64_t jp = 0; jp < panels; ++jp) {
      T* dst = out + jp * panel_elems;
      const bool full_panel = (jp + 1) * kPanel <= n && k % 4 == 0 && k == kp;
      if (full_panel && TransposePanel<T, kPanel, G>::run(s.b + jp * kPanel * ld, ld, k, dst)) continue;
      for (int jj = 0; jj < kPanel; ++jj) {
        const int64_t j = jp * kPanel + jj;
        if (j >= n) {
          for (int64_t p = 0; p < kp; ++p) dst[(p / G) * kPanel * G + jj * G + p % G] = T(0);
          continue;
        }
        const T* column = s.b + j * ld;
        for (int64_t g = 0; g < full_groups; ++g) std::memcpy(dst + g * kPanel * G + jj * G, column + g * G, G * sizeof(T));
        for (int64_t p = full_groups * G; p < kp; ++p) dst[(p / G) * kPanel * G + jj * G + p % G] = s.at(p, j);
      }
    }
    return;
  }
  // One group of G rows (from p0) into panels [j0, j1).
  auto group = [&](int64_t p0, int64_t j0, int64_t j1) {
    const T* rows[G];
    bool full_rows = true;
    for (int t = 0; t < G; ++t) {
      full_rows = full_rows && p0 + t < k;
      rows[t] = s.b + std::min(p0 + t, k - 1) * ld;
    }
    const int64_t full_end = full_rows ? std::max(j0, std::min(j1, n / kPanel)) : j0;
    for (int64_t jp = j0; jp < full_end; ++jp) {
      Interleave<T, kPanel, G>::run(rows, jp * kPanel, out + jp * panel_elems + p0 * kPanel);
    }
    for (int64_t jp = full_end; jp < j1; ++jp) {  // padding rows or columns
      T* dst = out + jp * panel_elems + p0 * kPanel;
      for (int jj = 0; jj < kPanel; ++jj) {
        for (int t = 0; t < G; ++t) dst[jj * G + t] = s.at(p0 + t, jp * kPanel + jj);
      }
    }
  };
  if (sizeof(T) == 4) {
    // A float32 panel's row is a whole cache line: 16 rows at a time, panel by
    // panel, so B is read in sequential runs and each panel gets 1 KiB runs
    // (4096^2 float32 on Zen 5, 1 thread: 17 -> 6.4 ms; by blocks of 16 panels
    // each group wrote 16 streams 256 KiB apart, the same cache sets).
    constexpr int64_t kRows = 16;
    const int64_t full_panels = n / kPanel;
    for (int64_t r0 = 0; r0 < kp; r0 += kRows) {
      const int64_t r1 = std::min(kp, r0 + kRows);
      for (int64_t jp = 0; jp < panels; ++jp) {
        if (G == 1 && r1 <= k && jp < full_panels) {  // whole rows of a whole panel: plain copies
          T* dst = out + jp * panel_elems + r0 * kPanel;
          for (int64_t p = r0; p < r1; ++p) std::memcpy(dst + (p - r0) * kPanel, s.b + p * ld + jp * kPanel, kPanel * sizeof(T));
          continue;
        }
        for (int64_t p0 = r0; p0 < r1; p0 += G) group(p0, jp, jp + 1);
      }
    }
    return;
  }
  // int8: blocks of panels, so each group of rows writes a few sequential
  // streams (one per panel) rather than touching every panel's page: 4096^2
  // packed ~1.6x faster on Zen 4 than row groups across all panels.
  constexpr int64_t kBlockPanels = 16;
  for (int64_t jb = 0; jb < panels; jb += kBlockPanels) {
    const int64_t jb_end = std::min(panels, jb + kBlockPanels);
    for (int64_t p0 = 0; p0 < kp; p0 += G) group(p0, jb, jb_end);
  }
}

template <typename T, int kPanel, int G, int kPad>
void pack(const void* b, bool transposed, int64_t ld, int64_t k, int64_t n, uint8_t* dst) {
  const int64_t kp = (k + kPad - 1) / kPad * kPad;
  pack_grouped<T, kPanel, G>(b, transposed, ld, k, n, kp, reinterpret_cast<T*>(dst));
}

}  // namespace

const PackLayout kLayoutS8Plain16 = {"s8_plain16", 16, 1, 1, 1, pack<int8_t, 16, 1, 1>};
const PackLayout kLayoutS8Pairs16 = {"s8_pairs16", 16, 2, 2, 1, pack<int8_t, 16, 2, 2>};
const PackLayout kLayoutS8Quads16 = {"s8_quads16", 16, 4, 4, 1, pack<int8_t, 16, 4, 4>};
const PackLayout kLayoutS8Mmla8 = {"s8_mmla8", 8, 8, 8, 1, pack<int8_t, 8, 8, 8>};
const PackLayout kLayoutF32x16 = {"f32_x16", 16, 1, 1, 4, pack<float, 16, 1, 1>};

}  // namespace qgemm
