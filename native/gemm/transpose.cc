#include "gemm/transpose.h"

#include <algorithm>

#if defined(__SSE2__)
#include <immintrin.h>
#endif

#include "threads/thread_pool.h"

namespace qgemm {

namespace {

// Tiles of kTile x kTile elements: a tile's source and destination lines stay
// in L1 while it is copied (the element-by-element column walk it replaces
// ran 512 x 256 float32 at ~2 ns an element on Zen 5).
constexpr int64_t kTile = 16;
// Below this many elements one thread does it: a pool round trip costs more.
constexpr int64_t kParallelElements = 1 << 16;

template <typename T>
void tile_scalar(const T* src, int64_t cols, int64_t r0, int64_t r1, int64_t c0, int64_t c1, T* dst, int64_t rows) {
  for (int64_t c = c0; c < c1; ++c) {
    for (int64_t r = r0; r < r1; ++r) dst[c * rows + r] = src[r * cols + c];
  }
}

void tile(const float* src, int64_t cols, int64_t r0, int64_t r1, int64_t c0, int64_t c1, float* dst, int64_t rows) {
#if defined(__SSE2__)
  // 4x4 blocks transposed in registers; the ragged edges element by element.
  const int64_t r4 = r0 + (r1 - r0) / 4 * 4, c4 = c0 + (c1 - c0) / 4 * 4;
  for (int64_t r = r0; r < r4; r += 4) {
    for (int64_t c = c0; c < c4; c += 4) {
      const float* s = src + r * cols + c;
      __m128 x0 = _mm_loadu_ps(s), x1 = _mm_loadu_ps(s + cols), x2 = _mm_loadu_ps(s + 2 * cols),
             x3 = _mm_loadu_ps(s + 3 * cols);
      _MM_TRANSPOSE4_PS(x0, x1, x2, x3);
      float* d = dst + c * rows + r;
      _mm_storeu_ps(d, x0);
      _mm_storeu_ps(d + rows, x1);
      _mm_storeu_ps(d + 2 * rows, x2);
      _mm_storeu_ps(d + 3 * rows, x3);
    }
  }
  tile_scalar(src, cols, r0, r4, c4, c1, dst, rows);
  tile_scalar(src, cols, r4, r1, c0, c1, dst, rows);
#else
  tile_scalar(src, cols, r0, r1, c0, c1, dst, rows);
#endif
}

#if defined(__SSE2__)
// A 16x16 block of bytes transposed in registers: four rounds of unpacks,
// each interleaving units twice as wide (bytes, 16-bit, 32-bit, 64-bit).
void block16(const uint8_t* s, int64_t ld_src, uint8_t* d, int64_t ld_dst) {
  __m128i x[16], y[16];
  for (int i = 0; i < 16; ++i) x[i] = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i * ld_src));
  for (int i = 0; i < 8; ++i) {
    y[i] = _mm_unpacklo_epi8(x[2 * i], x[2 * i + 1]);
    y[i + 8] = _mm_unpackhi_epi8(x[2 * i], x[2 * i + 1]);
  }
  for (int i = 0; i < 8; ++i) {
    x[i] = _mm_unpacklo_epi16(y[2 * i], y[2 * i + 1]);
    x[i + 8] = _mm_unpackhi_epi16(y[2 * i], y[2 * i + 1]);
  }
  for (int i = 0; i < 8; ++i) {
    y[i] = _mm_unpacklo_epi32(x[2 * i], x[2 * i + 1]);
    y[i + 8] = _mm_unpackhi_epi32(x[2 * i], x[2 * i + 1]);
  }
  for (int i = 0; i < 8; ++i) {
    x[i] = _mm_unpacklo_epi64(y[2 * i], y[2 * i + 1]);
    x[i + 8] = _mm_unpackhi_epi64(y[2 * i], y[2 * i + 1]);
  }
  // Each round sends the low halves to x[0..7] and the high halves to x[8..15],
  // so x[k] holds source column c = k with its four bits reversed.
  for (int k = 0; k < 16; ++k) {
    const int c = ((k & 8) >> 3) | ((k & 4) >> 1) | ((k & 2) << 1) | ((k & 1) << 3);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(d + c * ld_dst), x[k]);
  }
}
#endif

void tile(const uint8_t* src, int64_t cols, int64_t r0, int64_t r1, int64_t c0, int64_t c1, uint8_t* dst,
          int64_t rows) {
#if defined(__SSE2__)
  if (r1 - r0 == 16 && c1 - c0 == 16) return block16(src + r0 * cols + c0, cols, dst + c0 * rows + r0, rows);
#endif
  tile_scalar(src, cols, r0, r1, c0, c1, dst, rows);
}

// One task per band of kTile source rows, each walking its tiles left to right.
template <typename T>
void transpose_tiled(const T* src, int64_t rows, int64_t cols, T* dst) {
  const int64_t bands = (rows + kTile - 1) / kTile;
  const auto band = [&](int64_t b) {
    const int64_t r0 = b * kTile, r1 = std::min(rows, r0 + kTile);
    for (int64_t c0 = 0; c0 < cols; c0 += kTile) tile(src, cols, r0, r1, c0, std::min(cols, c0 + kTile), dst, rows);
  };
  if (rows * cols < kParallelElements || bands == 1) {
    for (int64_t b = 0; b < bands; ++b) band(b);
    return;
  }
  ThreadPool::global().parallel_for(bands, band);
}

}  // namespace

void transpose(const float* src, int64_t rows, int64_t cols, float* dst) { transpose_tiled(src, rows, cols, dst); }
void transpose(const uint8_t* src, int64_t rows, int64_t cols, uint8_t* dst) { transpose_tiled(src, rows, cols, dst); }

}  // namespace qgemm
