// AArch64 i8mm int8 microkernel (SMMLA / USMMLA: a 2 x 8 by 8 x 2 product,
// 32 multiply-adds per instruction; Graviton 3+, Apple M2+), compiled with
// -march=armv8.2-a+dotprod+i8mm; tested under qemu-aarch64 -cpu max.
//
// SMMLA multiplies int8 A by int8 B, USMMLA uint8 A by int8 B, both adding
// modulo 2^32: A of either type runs as is. B is packed as column pairs of 8 k
// (layout s8_mmla8), A as row pairs of 8 k (pack_a_mmla); an accumulator
// holds [r0c0 r0c1 r1c0 r1c1] of a 2 x 2 block of C.
// Tile: 8 rows x 8 columns = 16 accumulators + 4 A + 4 B registers.
#include <arm_neon.h>

#include "gemm/kernels/kernel.h"
#include "gemm/kernels/layouts.h"
#include "gemm/kernels/rows.h"
#include "gemm/kernels/pack_a.h"

namespace qgemm {

namespace {

constexpr int kMr = 8, kNr = 8;

template <int RP, bool kUnsigned>  // RP row pairs
void micro_pairs(const MicroArgs<int32_t>& g) {
  const int8_t* a = reinterpret_cast<const int8_t*>(g.a);
  const int8_t* b = reinterpret_cast<const int8_t*>(g.b);
  int32x4_t acc[RP][4];
  for (int r = 0; r < RP; ++r) {
    for (int v = 0; v < 4; ++v) acc[r][v] = vdupq_n_s32(0);
  }
  const int64_t octs = g.kc / 8;
  for (int64_t q = 0; q < octs; ++q) {
    const int8x16_t b0 = vld1q_s8(b), b1 = vld1q_s8(b + 16), b2 = vld1q_s8(b + 32), b3 = vld1q_s8(b + 48);
    for (int r = 0; r < RP; ++r) {
      if constexpr (kUnsigned) {
        const uint8x16_t av = vld1q_u8(reinterpret_cast<const uint8_t*>(a) + 16 * r);
        acc[r][0] = vusmmlaq_s32(acc[r][0], av, b0);
        acc[r][1] = vusmmlaq_s32(acc[r][1], av, b1);
        acc[r][2] = vusmmlaq_s32(acc[r][2], av, b2);
        acc[r][3] = vusmmlaq_s32(acc[r][3], av, b3);
      } else {
        const int8x16_t av = vld1q_s8(a + 16 * r);
        acc[r][0] = vmmlaq_s32(acc[r][0], av, b0);
        acc[r][1] = vmmlaq_s32(acc[r][1], av, b1);
        acc[r][2] = vmmlaq_s32(acc[r][2], av, b2);
        acc[r][3] = vmmlaq_s32(acc[r][3], av, b3);
      }
    }
    a += 16 * RP;
    b += 64;
  }
  // 2 x 2 blocks -> rows: row 2r is the low halves, row 2r + 1 the high ones.
  for (int r = 0; r < RP; ++r) {
    uint32_t t[2][kNr];
    for (int v = 0; v < 4; ++v) {
      const uint32x4_t x = vreinterpretq_u32_s32(acc[r][v]);
      vst1_u32(t[0] + 2 * v, vget_low_u32(x));
      vst1_u32(t[1] + 2 * v, vget_high_u32(x));
    }
    for (int h = 0; h < 2 && 2 * r + h < g.rows; ++h) {
      uint32_t* d = reinterpret_cast<uint32_t*>(g.c + (2 * r + h) * g.ldc);
      for (int j = 0; j < g.cols; ++j) {
        const uint32_t base = g.accumulate ? d[j] : g.c_init != nullptr ? static_cast<uint32_t>(g.c_init[j]) : 0u;
        d[j] = base + t[h][j];
      }
    }
  }
}

template <bool kUnsigned>
void micro_t(const MicroArgs<int32_t>& g) {
  with_rows<kMr / 2>((g.rows + 1) / 2, [&](auto pairs) { micro_pairs<pairs, kUnsigned>(g); });
}

void micro(const MicroArgs<int32_t>& g) { return g.a_unsigned ? micro_t<true>(g) : micro_t<false>(g); }

}  // namespace

// Blocks of 64 rows x 512 k (not tuned on hardware: qemu only).
// name, requires, priority, min_rows, layout, mr, nr, mc, kc, a_bytes, a_k_pad, shifts, pack_a, micro, begin,
// end, probe
extern const Int8Kernel kS8NeonI8mmKernel = {
    "neon_i8mm", kFeatNeon | kFeatNeonDot | kFeatNeonI8mm, 30, 0, &kLayoutS8Mmla8, kMr, kNr, 64, 512, 1, 1, 0, 0,
    pack_a_mmla, micro, nullptr, nullptr, "neon_i8mm",
};

}  // namespace qgemm
