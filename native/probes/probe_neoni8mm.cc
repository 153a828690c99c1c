// AArch64 SMMLA probe (-march=armv8.2-a+dotprod+i8mm) on 16 independent accumulators,
// in assembly (see probe_avx2.cc for why).
#include <cstdint>

#include "probes/probes.h"

namespace qgemm {

namespace {

int64_t neon_i8mm(int64_t iterations) {
  __asm__ volatile(
      "movi v30.4s, #0\n"
      "movi v31.4s, #0\n"
      ".irp acc, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n movi v\\acc\\().4s, #0\n .endr\n"
      ".p2align 6\n"
      "1:\n"
      ".irp acc, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n smmla v\\acc\\().4s, v30.16b, v31.16b\n .endr\n"
      "subs %0, %0, #1\n"
      "bne 1b\n"
      : "+r"(iterations)
      :
      : "v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9", "v10", "v11", "v12", "v13", "v14", "v15", "v30",
        "v31", "cc");
  return iterations;
}

}  // namespace

extern const Probe kProbeNeonI8mm = {"neon_i8mm", "smmla v.4s (2x2x8 per instruction)", kFeatNeonI8mm, 16 * 32 * 2, neon_i8mm};

}  // namespace qgemm
