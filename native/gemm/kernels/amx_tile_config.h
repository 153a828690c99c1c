// The LDTILECFG operand (Intel SDM, palette 1) with all eight tiles at 16 rows
// x 64 bytes: the shape of every tile the AMX kernel and its probe use, and
// the one way this project loads a tile configuration.
#pragma once

#include <cstdint>

#ifdef QGEMM_AMX_EMULATE
#include "gemm/kernels/amx_emulator.h"
#endif

namespace qgemm {

struct alignas(64) AmxTileConfig {
  uint8_t palette = 1;
  uint8_t start_row = 0;
  uint8_t reserved[14] = {};
  uint16_t colsb[16] = {};
  uint8_t rows[16] = {};
};
static_assert(sizeof(AmxTileConfig) == 64, "LDTILECFG reads 64 bytes");

inline AmxTileConfig amx_full_tiles() {
  AmxTileConfig cfg;
  for (int t = 0; t < 8; ++t) {
    cfg.rows[t] = 16;
    cfg.colsb[t] = 64;
  }
  return cfg;
}

// LDTILECFG with the whole 64-byte struct as the instruction's memory operand.
// Never _tile_loadconfig: GCC 12 declares its operand as 8 bytes, so the
// compiler dropped the stores of colsb and rows as dead and the first real AMX
// CPU raised #GP (scripts/check-tile-config.js guards against that).
inline void load_tile_config(const AmxTileConfig& cfg) {
#ifdef QGEMM_AMX_EMULATE
  amx_emulator::loadconfig(&cfg);
#else
  __asm__ volatile("ldtilecfg %0" : : "m"(cfg));
#endif
}

}  // namespace qgemm
