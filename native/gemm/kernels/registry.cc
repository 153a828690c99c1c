// Maps an ISA level to the best kernel compiled for it. Kernels for x86 ISAs
// are compiled (each with its own flags) only on x86-64 builds.
#include "gemm/kernels/kernel.h"

namespace qgemm {

extern const Int8Kernel kScalarInt8Kernel;
extern const F32Kernel kScalarF32Kernel;

#ifdef QGEMM_X86_KERNELS
extern const Int8Kernel kAvx2Int8Kernel;
extern const F32Kernel kAvx2F32Kernel;
#endif

namespace {

template <typename K, size_t N>
const K& best_at_or_below(Isa isa, const K* const (&kernels)[N]) {
  const K* best = kernels[0];
  for (const K* k : kernels) {
    if (static_cast<int>(k->isa) <= static_cast<int>(isa) &&
        static_cast<int>(k->isa) >= static_cast<int>(best->isa)) {
      best = k;
    }
  }
  return *best;
}

const Int8Kernel* const kInt8Kernels[] = {
    &kScalarInt8Kernel,
#ifdef QGEMM_X86_KERNELS
    &kAvx2Int8Kernel,
#endif
};

const F32Kernel* const kF32Kernels[] = {
    &kScalarF32Kernel,
#ifdef QGEMM_X86_KERNELS
    &kAvx2F32Kernel,
#endif
};

}  // namespace

const Int8Kernel& int8_kernel_for(Isa isa) { return best_at_or_below(isa, kInt8Kernels); }
const F32Kernel& f32_kernel_for(Isa isa) { return best_at_or_below(isa, kF32Kernels); }

}  // namespace qgemm
