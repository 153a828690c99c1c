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

// The AVX-512 table where the CPU and the cap allow AVX-512, else as above.
template <typename Ops>
const Ops& ops_for_active_isa(const Ops& scalar, typename NoDeduce<const Ops*>::type avx2,
                              typename NoDeduce<const Ops*>::type avx512) {
  return avx512 != nullptr && features_allowed(kFeatAvx512) ? *avx512 : ops_for_active_isa(scalar, avx2);
}

}  // namespace qgemm

// The AVX-512 table of a file (its _avx512.cc), or null where that file is not compiled.
#ifdef QGEMM_KERNEL_QUANT_AVX512
#define QGEMM_AVX512_OPS(fn) (&fn())
#else
#define QGEMM_AVX512_OPS(fn) nullptr
#endif

// The AVX2 table of a file (defined in its _avx2.cc), or null in builds without x86 kernels.
#ifdef QGEMM_X86_KERNELS
#define QGEMM_AVX2_OPS(fn) (&fn())
#else
#define QGEMM_AVX2_OPS(fn) nullptr
#endif
