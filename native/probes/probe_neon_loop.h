// The AArch64 probe loop: `instruction` (with operands "v\\acc\\().4s, v30.., v31..")
// on 16 independent accumulators, in assembly (see probe_avx2.cc for why).
// Each probe_neon*.cc expands it under its own -march flags.
#pragma once

#include <cstdint>

#define QGEMM_NEON_PROBE_LOOP(function, instruction)                                                               \
  int64_t function(int64_t iterations) {                                                                           \
    __asm__ volatile(                                                                                              \
        "movi v30.4s, #0\n"                                                                                        \
        "movi v31.4s, #0\n"                                                                                        \
        ".irp acc, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n movi v\\acc\\().4s, #0\n .endr\n"                      \
        ".p2align 6\n"                                                                                             \
        "1:\n"                                                                                                     \
        ".irp acc, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n " instruction "\n .endr\n"                             \
        "subs %0, %0, #1\n"                                                                                        \
        "bne 1b\n"                                                                                                 \
        : "+r"(iterations)                                                                                         \
        :                                                                                                          \
        : "v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9", "v10", "v11", "v12", "v13", "v14", "v15",   \
          "v30", "v31", "cc");                                                                                     \
    return iterations;                                                                                             \
  }
