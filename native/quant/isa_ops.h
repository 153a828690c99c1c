// Picks a file's table of kernels by the CPU features dispatch may use: its
// AVX2 table when the build has the x86 kernels (QGEMM_X86_KERNELS) and the
// CPU and the cap allow AVX2 (cpu/cpu_features.h), else its scalar table. Results
// never depend on the choice: each AVX2 table is bit-identical to its scalar one.
#pragma once

#include "cpu/cpu_features.h"

namespace qgemm {

template <typename T>
struct NoDeduce {
  using type = T;
};

// avx2 is not deduced, so that a plain nullptr (builds without x86 kernels) converts.
template <typename Ops>
const Ops& ops_for_active_isa(const Ops& scalar, typename NoDeduce<const Ops*>::type avx2) {
  return avx2 != nullptr && features_allowed(kFeatAvx2) ? *avx2 : scalar;
}

}  // namespace qgemm

// The AVX2 table of a file (defined in its _avx2.cc), or null in builds without x86 kernels.
#ifdef QGEMM_X86_KERNELS
#define QGEMM_AVX2_OPS(fn) (&fn())
#else
#define QGEMM_AVX2_OPS(fn) nullptr
#endif
