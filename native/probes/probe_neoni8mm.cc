// AArch64 SMMLA probe (compiled with -march=armv8.2-a+dotprod+i8mm) on 16 independent accumulators.
#include "probes/probe_neon_loop.h"
#include "probes/probes.h"

namespace qgemm {

namespace {

QGEMM_NEON_PROBE_LOOP(neon_i8mm, "smmla v\\acc\\().4s, v30.16b, v31.16b")

}  // namespace

extern const Probe kProbeNeonI8mm = {"neon_i8mm", "smmla v.4s (2x2x8 per instruction)", kFeatNeonI8mm, 16 * 32 * 2, neon_i8mm};

}  // namespace qgemm
