// AArch64 SDOT probe (compiled with -march=armv8.2-a+dotprod) on 16 independent accumulators.
#include "probes/probe_neon_loop.h"
#include "probes/probes.h"

namespace qgemm {

namespace {

QGEMM_NEON_PROBE_LOOP(neon_dot, "sdot v\\acc\\().4s, v30.16b, v31.16b")

}  // namespace

extern const Probe kProbeNeonDot = {"neon_dotprod", "sdot v.4s", kFeatNeonDot, 16 * 16 * 2, neon_dot};

}  // namespace qgemm
