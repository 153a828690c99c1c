// Once per process, before a SIMD kernel is first chosen, it computes a small
// full-range product through the driver and compares it with the scalar
// reference. Kernels are proven exact in tests (natively, under SIMDe, an AMX
// emulator or qemu); this guards the one CPU the tests never ran on. The
// kernel runs under a fault guard (cpu/fault_guard.h): a kernel whose
// instructions fault there (SIGILL, SIGSEGV, SIGBUS) is dropped, not the
// process. A kernel that fails is disabled, dispatch falls back, and info()
// says why.
#pragma once

#include <string>

#include "gemm/kernels/kernel.h"

namespace qgemm {

struct SelfCheck {
  std::string failure;  // empty when the kernel matched the reference
  int signal = 0;       // the signal its run raised, 0 if none
};

// Test hooks: QGEMM_SELF_CHECK_FAIL=name[,name...] makes the named kernels
// compute a wrong element; QGEMM_SELF_CHECK_FAULT=name:SIGNAL[,...] (SIGILL,
// SIGSEGV or SIGBUS) makes them execute a faulting instruction mid-check.
SelfCheck self_check(const Int8Kernel& kernel);
SelfCheck self_check(const F32Kernel& kernel);
SelfCheck self_check(const Int8DirectKernel& kernel);

}  // namespace qgemm
