// The LDTILECFG operand (Intel SDM, palette 1) with all eight tiles at 16 rows
// x 64 bytes: the shape of every tile the AMX kernel and its probe use.
#pragma once

#include <cstdint>

namespace qgemm {

struct alignas(64) AmxTileConfig {
  uint8_t palette = 1;
  uint8_t start_row = 0;
  uint8_t reserved[14] = {};
  uint16_t colsb[16] = {};
  uint8_t rows[16] = {};
};

inline AmxTileConfig amx_full_tiles() {
  AmxTileConfig cfg;
  for (int t = 0; t < 8; ++t) {
    cfg.rows[t] = 16;
    cfg.colsb[t] = 64;
  }
  return cfg;
}

}  // namespace qgemm
