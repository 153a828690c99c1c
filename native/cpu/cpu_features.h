// What the CPU (and the OS) let us run, detected once with CPUID and XGETBV
// on x86-64, HWCAP (Linux) or sysctl (macOS) on AArch64.
#pragma once

#include "cpu/isa.h"

namespace qgemm {

struct CpuFeatures {
  bool avx2 = false;         // with FMA
  bool avx512 = false;       // F/BW/VL/DQ and OS support for ZMM state
  bool avx512_vnni = false;  // with avx512
  bool avx_vnni = false;     // VEX-encoded VNNI (Alder Lake and later)
  bool amx_int8 = false;     // AMX-TILE and AMX-INT8 in CPUID
  bool amx_permitted = false;  // Linux granted the XTILEDATA permission
  bool neon = false;
  bool neon_dotprod = false;
  bool neon_i8mm = false;
  FeatureSet set = 0;        // the usable features (AMX only when permitted)
};

// Detected on first use; thread-safe.
const CpuFeatures& cpu_features();

// The cap starts from the QGEMM_MAX_ISA environment variable (if set and
// valid; otherwise no cap) and can be changed at any time.
Isa isa_cap();
void set_isa_cap(Isa cap);

// Features dispatch may use now: the CPU's, limited by the cap.
FeatureSet allowed_features();
inline bool features_allowed(FeatureSet required) { return (required & ~allowed_features()) == 0; }

}  // namespace qgemm
