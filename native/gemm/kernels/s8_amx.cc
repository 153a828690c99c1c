// AMX-INT8 microkernel (Sapphire Rapids and later), compiled with
// -mamx-tile -mamx-int8, or against the in-repo emulator for the tests
// (QGEMM_AMX_EMULATE; amx_emulator.h).
//
// A 32 x 32 tile of C is four 16 x 16 int32 accumulator tiles (0-3), fed
// per 64 k by two A tiles (4, 5: 16 rows x 64 bytes of packed A) and two B
// tiles (6, 7: 16 quad-rows x 16 columns of layout s8_quads16, which is the
// VNNI tile layout itself). TDPBSSD takes int8 A and TDPBUSD uint8 A as they
// are: no shift, no compensation. The last partial 64 k of B is copied into a
// zeroed tile buffer (B has no rows past kc); packed A is zero there already.
// Tiles are configured once per task and released after it (begin / end).
//
// min_rows 9 follows the report that oneDNN, which uses AMX at M = 1, loses
// to VNNI up to M = 8 (not measured here).
#include <cstring>

#include "gemm/kernels/amx_tile_config.h"
#include "gemm/kernels/kernel.h"
#include "gemm/kernels/layouts.h"
#include "gemm/kernels/pack_a.h"

#ifndef QGEMM_AMX_EMULATE
#include <immintrin.h>
#endif

namespace qgemm {

namespace {

constexpr int kMr = 32, kNr = 32, kKTile = 64;

void begin() {
  const AmxTileConfig cfg = amx_full_tiles();
  load_tile_config(cfg);
}

void end() { _tile_release(); }

// C tile `c` += A tile `a` x B tile `b`, with A's type.
#define QGEMM_DP(c, a, b, a_unsigned) \
  do {                                \
    if (a_unsigned) {                 \
      _tile_dpbusd(c, a, b);          \
    } else {                          \
      _tile_dpbssd(c, a, b);          \
    }                                 \
  } while (0)

// One 64-k step: A rows from `a` (stride a_stride), B panels from b0 / b1 (64 bytes a quad row).
inline void step(const uint8_t* a, int64_t a_stride, const uint8_t* b0, const uint8_t* b1, bool two_a, bool two_b,
                 bool a_unsigned) {
  _tile_loadd(4, a, a_stride);
  _tile_loadd(6, b0, 64);
  QGEMM_DP(0, 4, 6, a_unsigned);
  if (two_b) {
    _tile_loadd(7, b1, 64);
    QGEMM_DP(1, 4, 7, a_unsigned);
  }
  if (two_a) {
    _tile_loadd(5, a + 16 * a_stride, a_stride);
    QGEMM_DP(2, 5, 6, a_unsigned);
    if (two_b) QGEMM_DP(3, 5, 7, a_unsigned);
  }
}

// Accumulator tile -> C rows [r0, r0 + rows) x columns [j0, j0 + cols).
inline void store(int32_t* c, int64_t ldc, const int32_t* tile, int rows, int cols, bool accumulate,
                  const int32_t* init) {
  for (int r = 0; r < rows; ++r) {
    uint32_t* d = reinterpret_cast<uint32_t*>(c + r * ldc);
    for (int j = 0; j < cols; ++j) {
      const uint32_t base = accumulate ? d[j] : init != nullptr ? static_cast<uint32_t>(init[j]) : 0u;
      d[j] = base + static_cast<uint32_t>(tile[r * 16 + j]);
    }
  }
}

// Tile t (0..3) covers rows 16 * (t / 2) and columns 16 * (t % 2) of the
// 32 x 32 block. A full tile starts from C itself (accumulating), from the
// column init (its one row read with stride 0), or from zero, and is stored
// straight to C: no int32 passes through a buffer. Partial tiles start from
// zero and are added into C through a buffer.
void micro(const MicroArgs<int32_t>& g) {
  const int64_t a_stride = (g.kc + kKTile - 1) / kKTile * kKTile;  // pack_a_rows32's row length
  const bool two_a = g.rows > 16, two_b = g.cols > 16;
  const int64_t ldc_bytes = g.ldc * static_cast<int64_t>(sizeof(int32_t));
  const bool full[4] = {g.rows >= 16 && g.cols >= 16, g.rows >= 16 && g.cols == 32, g.rows == 32 && g.cols >= 16,
                        g.rows == 32 && g.cols == 32};
  int32_t* const c_tile[4] = {g.c, g.c + 16, g.c + 16 * g.ldc, g.c + 16 * g.ldc + 16};
  const int32_t* const init[4] = {g.c_init, g.c_init != nullptr ? g.c_init + 16 : nullptr, g.c_init,
                                  g.c_init != nullptr ? g.c_init + 16 : nullptr};
#define QGEMM_START(t)                                     \
  do {                                                     \
    if (!full[t]) {                                        \
      _tile_zero(t);                                       \
    } else if (g.accumulate) {                             \
      _tile_loadd(t, c_tile[t], ldc_bytes);                \
    } else if (init[t] != nullptr) {                       \
      _tile_loadd(t, init[t], 0);                          \
    } else {                                               \
      _tile_zero(t);                                       \
    }                                                      \
  } while (0)
  QGEMM_START(0);
  QGEMM_START(1);
  QGEMM_START(2);
  QGEMM_START(3);
#undef QGEMM_START
  const uint8_t* b0 = g.b;
  const uint8_t* b1 = g.b + g.b_panel_bytes;
  const int64_t full_k = g.kc / kKTile * kKTile;
  for (int64_t k0 = 0; k0 < full_k; k0 += kKTile) {
    step(g.a + k0, a_stride, b0 + k0 * 16, b1 + k0 * 16, two_a, two_b, g.a_unsigned);
  }
  if (full_k < g.kc) {
    alignas(64) uint8_t tail[2][16 * 64] = {};
    const size_t bytes = static_cast<size_t>(g.kc - full_k) * 16;
    std::memcpy(tail[0], b0 + full_k * 16, bytes);
    if (two_b) std::memcpy(tail[1], b1 + full_k * 16, bytes);
    step(g.a + full_k, a_stride, tail[0], tail[1], two_a, two_b, g.a_unsigned);
  }
  const int rows0 = g.rows < 16 ? g.rows : 16, cols0 = g.cols < 16 ? g.cols : 16;
  const int tile_rows[4] = {rows0, rows0, g.rows - 16, g.rows - 16};
  const int tile_cols[4] = {cols0, g.cols - 16, cols0, g.cols - 16};
  alignas(64) int32_t out[16 * 16];
#define QGEMM_FINISH(t)                                                                          \
  do {                                                                                           \
    if (full[t]) {                                                                               \
      _tile_stored(t, c_tile[t], ldc_bytes);                                                     \
    } else {                                                                                     \
      _tile_stored(t, out, 64);                                                                  \
      store(c_tile[t], g.ldc, out, tile_rows[t], tile_cols[t], g.accumulate, init[t]);           \
    }                                                                                            \
  } while (0)
  QGEMM_FINISH(0);
  if (two_b) QGEMM_FINISH(1);
  if (two_a) {
    QGEMM_FINISH(2);
    if (two_b) QGEMM_FINISH(3);
  }
#undef QGEMM_FINISH
}

}  // namespace

// Blocks of 128 rows x 1024 k of A (128 KiB) against 32-column slices of B
// (32 KiB). kc 512 (panels in L1, where amx_ceiling measured 69% of tdpbusd
// against 52% at 1024) was tried on a 16-vCPU Xeon with AMX, interleaved with
// kc 1024 over 3 rounds: no better at any shape (bench/RESULTS.md).
// name, requires, priority, min_rows, layout, mr, nr, mc, kc, a_bytes, a_k_pad, shifts, pack_a, micro, begin,
// end, probe
extern const Int8Kernel kS8AmxKernel = {
    "amx_int8", kFeatAmxInt8, 40, 9, &kLayoutS8Quads16, kMr, kNr, 128, 1024, 1,
    kKTile, 0, 0, pack_a_rows32, micro, begin, end, "amx_int8",
};

}  // namespace qgemm
