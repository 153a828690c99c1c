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
// Blocking and min_rows are not measured (no AMX machine was available to
// this project): min_rows 9 follows the report that oneDNN, which uses AMX at
// M = 1, loses to VNNI up to M = 8.
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

void micro(const MicroArgs<int32_t>& g) {
  const int64_t a_stride = (g.kc + kKTile - 1) / kKTile * kKTile;  // pack_a_rows32's row length
  const bool two_a = g.rows > 16, two_b = g.cols > 16;
  const uint8_t* b0 = g.b;
  const uint8_t* b1 = g.b + g.b_panel_bytes;
  _tile_zero(0);
  _tile_zero(1);
  _tile_zero(2);
  _tile_zero(3);
  const int64_t full = g.kc / kKTile * kKTile;
  for (int64_t k0 = 0; k0 < full; k0 += kKTile) {
    step(g.a + k0, a_stride, b0 + k0 * 16, b1 + k0 * 16, two_a, two_b, g.a_unsigned);
  }
  if (full < g.kc) {
    alignas(64) uint8_t tail[2][16 * 64] = {};
    const size_t bytes = static_cast<size_t>(g.kc - full) * 16;
    std::memcpy(tail[0], b0 + full * 16, bytes);
    if (two_b) std::memcpy(tail[1], b1 + full * 16, bytes);
    step(g.a + full, a_stride, tail[0], tail[1], two_a, two_b, g.a_unsigned);
  }
  alignas(64) int32_t out[16 * 16];
  const int rows0 = g.rows < 16 ? g.rows : 16, cols0 = g.cols < 16 ? g.cols : 16;
  const int32_t* init1 = g.c_init != nullptr ? g.c_init + 16 : nullptr;
  _tile_stored(0, out, 64);
  store(g.c, g.ldc, out, rows0, cols0, g.accumulate, g.c_init);
  if (two_b) {
    _tile_stored(1, out, 64);
    store(g.c + 16, g.ldc, out, rows0, g.cols - 16, g.accumulate, init1);
  }
  if (two_a) {
    _tile_stored(2, out, 64);
    store(g.c + 16 * g.ldc, g.ldc, out, g.rows - 16, cols0, g.accumulate, g.c_init);
    if (two_b) {
      _tile_stored(3, out, 64);
      store(g.c + 16 * g.ldc + 16, g.ldc, out, g.rows - 16, g.cols - 16, g.accumulate, init1);
    }
  }
}

}  // namespace

// Blocks of 128 rows x 1024 k of A (128 KiB) against 32-column slices of B
// (32 KiB); not tuned on hardware (see above).
// name, requires, priority, min_rows, layout, mr, nr, mc, kc, a_bytes, a_k_pad, shifts, pack_a, micro, begin,
// end, probe
extern const Int8Kernel kS8AmxKernel = {
    "amx_int8", kFeatAmxInt8, 40, 9, &kLayoutS8Quads16, kMr, kNr, 128, 1024, 1,
    kKTile, 0, 0, pack_a_rows32, micro, begin, end, "amx_int8",
};

}  // namespace qgemm
