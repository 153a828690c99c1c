// Once per process, before a SIMD kernel is first chosen, it computes a small
// full-range product through the driver and compares it with the scalar
// reference. Kernels are proven exact in tests (natively, under SIMDe, an AMX
// emulator or qemu); this guards the one CPU the tests never ran on. A kernel
// that fails is disabled, dispatch falls back, and info() says why.
#pragma once

#include <string>

#include "gemm/kernels/kernel.h"

namespace qgemm {

// Empty when the kernel matched the reference; otherwise what went wrong.
// QGEMM_SELF_CHECK_FAIL=name[,name...] makes the named kernels fail (tests).
std::string self_check(const Int8Kernel& kernel);
std::string self_check(const F32Kernel& kernel);
std::string self_check(const Int8DirectKernel& kernel);

}  // namespace qgemm
