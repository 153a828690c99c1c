// AArch64 dotprod int8 microkernel (SDOT: 16 multiply-adds per instruction;
// Graviton 2+, Apple M1+, Cortex-A76+), compiled with
// -march=armv8.2-a+dotprod; tested under qemu-aarch64 -cpu max.
//
// SDOT adds, per int32 lane, the products of four int8 pairs (modulo 2^32).
// B is packed in quads of k (layout s8_quads16: a q register holds 4 columns
// x 4 k); A's quads of four rows share a q register and are picked by lane
// (vdotq_laneq_s32). int8 A runs as is; uint8 A is shifted by -128 into int8
// when packed (a ^ 0x80) and the driver starts C at +128 * colsum(B):
//   sum (a - 128) b + 128 sum b = sum a b   (mod 2^32, exactly).
// Tile: 4 rows x 16 columns, 16 accumulators + 4 B + 1 A of the 32 registers.
#include <arm_neon.h>

#include <cstring>

#include "gemm/kernels/kernel.h"
#include "gemm/kernels/layouts.h"
#include "gemm/kernels/rows.h"
#include "gemm/kernels/pack_a.h"

namespace qgemm {

namespace {

constexpr int kMr = 4, kNr = 16;

template <int R>
void micro_rows(const MicroArgs<int32_t>& g) {
  const int8_t* a = reinterpret_cast<const int8_t*>(g.a);
  const int8_t* b = reinterpret_cast<const int8_t*>(g.b);
  int32x4_t acc[R][4];
  for (int r = 0; r < R; ++r) {
    for (int v = 0; v < 4; ++v) acc[r][v] = vdupq_n_s32(0);
  }
  const int64_t quads = g.kc / 4;
  for (int64_t q = 0; q < quads; ++q) {
    int8x16_t av;
    if constexpr (R == 4) {
      av = vld1q_s8(a);
    } else {  // R rows of 4 bytes: no read past the packed block
      int8_t t[16] = {};
      std::memcpy(t, a, 4 * R);
      av = vld1q_s8(t);
    }
    const int8x16_t b0 = vld1q_s8(b), b1 = vld1q_s8(b + 16), b2 = vld1q_s8(b + 32), b3 = vld1q_s8(b + 48);
#define QGEMM_ROW(r)                                    \
  if constexpr (R > r) {                                \
    acc[r][0] = vdotq_laneq_s32(acc[r][0], b0, av, r);  \
    acc[r][1] = vdotq_laneq_s32(acc[r][1], b1, av, r);  \
    acc[r][2] = vdotq_laneq_s32(acc[r][2], b2, av, r);  \
    acc[r][3] = vdotq_laneq_s32(acc[r][3], b3, av, r);  \
  }
    QGEMM_ROW(0) QGEMM_ROW(1) QGEMM_ROW(2) QGEMM_ROW(3)
#undef QGEMM_ROW
    a += 4 * R;
    b += 64;
  }
  for (int r = 0; r < R; ++r) {
    uint32_t t[kNr];
    for (int v = 0; v < 4; ++v) vst1q_u32(t + 4 * v, vreinterpretq_u32_s32(acc[r][v]));
    uint32_t* d = reinterpret_cast<uint32_t*>(g.c + r * g.ldc);
    for (int j = 0; j < g.cols; ++j) {
      const uint32_t base = g.accumulate ? d[j] : g.c_init != nullptr ? static_cast<uint32_t>(g.c_init[j]) : 0u;
      d[j] = base + t[j];  // wraps like the accumulators
    }
  }
}

void micro(const MicroArgs<int32_t>& g) {
  with_rows<kMr>(g.rows, [&](auto r) { micro_rows<r>(g); });
}

}  // namespace

// Blocks of 64 rows x 512 k (not tuned on hardware: qemu only).
// name, requires, priority, min_rows, layout, mr, nr, mc, kc, a_bytes, a_k_pad, shifts, pack_a, micro, begin,
// end, probe
extern const Int8Kernel kS8NeonDotKernel = {
    "neon_dotprod", kFeatNeon | kFeatNeonDot, 20, 0, &kLayoutS8Quads16, kMr, kNr, 64, 512, 1, 1, 0, -128,
    pack_a_quads_s8, micro, nullptr, nullptr, "neon_dotprod",
};

}  // namespace qgemm
