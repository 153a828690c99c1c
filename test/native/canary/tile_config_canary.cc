// The bug scripts/check-tile-config.js exists to catch, kept compiled so the
// check is proven to fail on it on every build: GCC 12's _tile_loadconfig
// names 8 bytes of the 64-byte configuration as its operand, so the stores of
// the tile shapes are dead to the compiler. Never called.
#include <immintrin.h>

#include "gemm/kernels/amx_tile_config.h"

namespace qgemm {

void tile_config_canary() {
  const AmxTileConfig cfg = amx_full_tiles();
  _tile_loadconfig(&cfg);
}

}  // namespace qgemm
