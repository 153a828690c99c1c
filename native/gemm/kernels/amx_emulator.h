// A small emulator of the AMX-TILE and AMX-INT8 instructions the AMX kernel
// uses, written from the pseudo-code of the Intel SDM (LDTILECFG, TILELOADD,
// TILESTORED, TILEZERO, TILERELEASE, TDPBSSD/TDPBSUD/TDPBUSD/TDPBUUD), under
// the intrinsics' names. s8_amx.cc is compiled against it (QGEMM_AMX_EMULATE)
// for the emulated tests: the same kernel source, run where no AMX exists.
//
// Like the hardware: tile state per thread; a tile's bytes past its configured
// rows and column bytes read as zero; each dot product of four byte pairs is
// added to its int32 lane modulo 2^32; shapes the instruction would fault on
// (rows > 16, colsb > 64, mismatched M/K/N, an unconfigured tile) abort.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace qgemm {
namespace amx_emulator {

struct Tiles {
  bool configured = false;
  int rows[8] = {};
  int colsb[8] = {};
  alignas(64) uint8_t data[8][16][64] = {};
};

inline Tiles& tiles() {
  thread_local Tiles t;
  return t;
}

[[noreturn]] inline void fault(const char* what) {
  std::fprintf(stderr, "AMX emulator: %s (the instruction would fault)\n", what);
  std::abort();
}

inline void check_tile(int t) {
  if (t < 0 || t > 7) fault("tile number out of range");
  if (!tiles().configured) fault("tile used before LDTILECFG");
}

// The 64-byte configuration: palette (byte 0), start_row (1), colsb[16]
// (uint16 at 16), rows[16] (uint8 at 48). Palette 1 has 8 tiles of at most 16
// rows x 64 bytes.
inline void loadconfig(const void* config) {
  const uint8_t* c = static_cast<const uint8_t*>(config);
  Tiles& t = tiles();
  if (c[0] == 0) {  // palette 0: initialize (as TILERELEASE)
    t = Tiles();
    return;
  }
  if (c[0] != 1) fault("unsupported palette");
  for (int i = 0; i < 8; ++i) {
    uint16_t colsb;
    std::memcpy(&colsb, c + 16 + 2 * i, 2);
    const int rows = c[48 + i];
    if (rows > 16 || colsb > 64 || (rows == 0) != (colsb == 0)) fault("invalid tile shape in the configuration");
    t.rows[i] = rows;
    t.colsb[i] = colsb;
  }
  std::memset(t.data, 0, sizeof(t.data));
  t.configured = true;
}

inline void release() { tiles() = Tiles(); }

inline void zero(int tile) {
  check_tile(tile);
  std::memset(tiles().data[tile], 0, sizeof(tiles().data[tile]));
}

inline void loadd(int tile, const void* base, int64_t stride) {
  check_tile(tile);
  Tiles& t = tiles();
  std::memset(t.data[tile], 0, sizeof(t.data[tile]));
  for (int r = 0; r < t.rows[tile]; ++r) {
    std::memcpy(t.data[tile][r], static_cast<const uint8_t*>(base) + r * stride, static_cast<size_t>(t.colsb[tile]));
  }
}

inline void stored(int tile, void* base, int64_t stride) {
  check_tile(tile);
  const Tiles& t = tiles();
  for (int r = 0; r < t.rows[tile]; ++r) {
    std::memcpy(static_cast<uint8_t*>(base) + r * stride, t.data[tile][r], static_cast<size_t>(t.colsb[tile]));
  }
}

// TDPB[S|U][S|U]D dst, src1, src2: dst[m][n] += sum_k sum_{i<4} src1[m][4k+i] * src2[k][4n+i].
template <bool Src1Signed, bool Src2Signed>
inline void dpb(int dst, int src1, int src2) {
  check_tile(dst);
  check_tile(src1);
  check_tile(src2);
  Tiles& t = tiles();
  const int m_rows = t.rows[dst], n = t.colsb[dst] / 4, k = t.colsb[src1] / 4;
  if (t.rows[src1] != m_rows || t.rows[src2] != k || t.colsb[src2] != t.colsb[dst] || t.colsb[dst] % 4 != 0 ||
      t.colsb[src1] % 4 != 0) {
    fault("tile shapes do not match (M, K, N)");
  }
  for (int m = 0; m < m_rows; ++m) {
    for (int j = 0; j < n; ++j) {
      uint32_t acc;
      std::memcpy(&acc, &t.data[dst][m][4 * j], 4);
      for (int q = 0; q < k; ++q) {
        for (int i = 0; i < 4; ++i) {
          const uint8_t x = t.data[src1][m][4 * q + i], y = t.data[src2][q][4 * j + i];
          const int32_t xv = Src1Signed ? static_cast<int8_t>(x) : x, yv = Src2Signed ? static_cast<int8_t>(y) : y;
          acc += static_cast<uint32_t>(xv * yv);
        }
      }
      std::memcpy(&t.data[dst][m][4 * j], &acc, 4);
    }
    // The rest of the row (past colsb) is zeroed, as write_row_and_zero does.
    std::memset(&t.data[dst][m][t.colsb[dst]], 0, static_cast<size_t>(64 - t.colsb[dst]));
  }
  for (int m = m_rows; m < 16; ++m) std::memset(t.data[dst][m], 0, 64);
}

}  // namespace amx_emulator
}  // namespace qgemm

#define _tile_release() ::qgemm::amx_emulator::release()
#define _tile_zero(tile) ::qgemm::amx_emulator::zero(tile)
#define _tile_loadd(tile, base, stride) ::qgemm::amx_emulator::loadd(tile, base, stride)
#define _tile_stored(tile, base, stride) ::qgemm::amx_emulator::stored(tile, base, stride)
#define _tile_dpbssd(dst, src1, src2) ::qgemm::amx_emulator::dpb<true, true>(dst, src1, src2)
#define _tile_dpbsud(dst, src1, src2) ::qgemm::amx_emulator::dpb<true, false>(dst, src1, src2)
#define _tile_dpbusd(dst, src1, src2) ::qgemm::amx_emulator::dpb<false, true>(dst, src1, src2)
#define _tile_dpbuud(dst, src1, src2) ::qgemm::amx_emulator::dpb<false, false>(dst, src1, src2)
