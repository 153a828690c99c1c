// AArch64 fp32 probe: fmla (baseline Advanced SIMD) on 16 independent accumulators.
#include "probes/probe_neon_loop.h"
#include "probes/probes.h"

namespace qgemm {

namespace {

QGEMM_NEON_PROBE_LOOP(neon_fma, "fmla v\\acc\\().4s, v30.4s, v31.4s")

}  // namespace

extern const Probe kProbeNeonFma = {"neon_fma", "fmla v.4s", kFeatNeon, 16 * 4 * 2, neon_fma};

}  // namespace qgemm
