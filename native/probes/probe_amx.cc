// AMX probe (compiled with -mamx-tile -mamx-int8): tdpbusd on four 16 x 16
// int32 accumulator tiles from four source tiles that stay loaded, as the
// 32 x 32 microkernel runs them (without its tile loads).
#include <immintrin.h>

#include <cstring>

#include "gemm/kernels/amx_tile_config.h"
#include "probes/probes.h"

namespace qgemm {

namespace {

int64_t amx(int64_t iterations) {
  const AmxTileConfig cfg = amx_full_tiles();
  load_tile_config(cfg);
  alignas(64) uint8_t src[16 * 64];
  std::memset(src, 1, sizeof(src));
  _tile_zero(0);
  _tile_zero(1);
  _tile_zero(2);
  _tile_zero(3);
  _tile_loadd(4, src, 64);
  _tile_loadd(5, src, 64);
  _tile_loadd(6, src, 64);
  _tile_loadd(7, src, 64);
  for (int64_t it = 0; it < iterations; ++it) {
    _tile_dpbusd(0, 4, 6);
    _tile_dpbusd(1, 4, 7);
    _tile_dpbusd(2, 5, 6);
    _tile_dpbusd(3, 5, 7);
  }
  alignas(64) int32_t out[16 * 16];
  _tile_stored(0, out, 64);
  _tile_release();
  return out[0];
}

}  // namespace

// 4 instructions x (16 x 16 x 64) multiply-adds (x 2 ops) per iteration.
extern const Probe kProbeAmx = {"amx_int8", "tdpbusd (4 tiles)", kFeatAmxInt8, 4 * 16 * 16 * 64 * 2, amx};

}  // namespace qgemm
