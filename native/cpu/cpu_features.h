// What the CPU (and the OS) let us run, detected once with CPUID and XGETBV.
#pragma once

#include "cpu/isa.h"

namespace qgemm {

struct CpuFeatures {
  bool avx2 = false;         // with FMA
  bool avx512_vnni = false;  // with AVX-512 F/BW/VL and OS support for ZMM state
  bool avx_vnni = false;     // VEX-encoded VNNI (Alder Lake and later)
  bool amx_int8 = false;     // AMX-TILE and AMX-INT8 in CPUID
  bool amx_permitted = false;  // Linux granted the XTILEDATA permission
};

// Detected on first use; thread-safe.
const CpuFeatures& cpu_features();

// The best ISA this CPU and OS support.
Isa best_supported_isa();

// The ISA kernels dispatch to: min(best supported, cap). The cap starts from
// the QGEMM_MAX_ISA environment variable (if set and valid) and can be changed.
Isa active_isa();
Isa isa_cap();
void set_isa_cap(Isa cap);

}  // namespace qgemm
