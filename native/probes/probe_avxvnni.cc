// AVX-VNNI probe: VEX vpdpbusd ymm on 12 independent accumulators, in
// assembly (see probe_avx2.cc for why).
#include <cstdint>

#include "probes/probes.h"

namespace qgemm {

namespace {

int64_t avx_vnni(int64_t iterations) {
  __asm__ volatile(
      "vpcmpeqd %%ymm12, %%ymm12, %%ymm12\n"
      "vpcmpeqd %%ymm13, %%ymm13, %%ymm13\n"
      ".irp acc, 0,1,2,3,4,5,6,7,8,9,10,11\n vpxor %%ymm\\acc, %%ymm\\acc, %%ymm\\acc\n .endr\n"
      ".p2align 6\n"
      "1:\n"
      ".irp acc, 0,1,2,3,4,5,6,7,8,9,10,11\n %{vex%} vpdpbusd %%ymm12, %%ymm13, %%ymm\\acc\n .endr\n"
      "dec %0\n"
      "jnz 1b\n"
      "vzeroupper\n"
      : "+r"(iterations)
      :
      : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12",
        "xmm13", "cc");
  return iterations;
}

}  // namespace

// 12 vpdpbusd x 32 multiply-adds (x 2 ops) per iteration.
extern const Probe kProbeAvxVnni = {"avx_vnni", "vpdpbusd ymm (VEX)", kFeatAvxVnni, 12 * 32 * 2, avx_vnni};

}  // namespace qgemm
