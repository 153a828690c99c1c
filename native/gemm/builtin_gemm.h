// The built-in backend: qgemm's own kernels, dispatched by ISA, on its pool.
#pragma once

#include "gemm/gemm.h"

namespace qgemm {

Status builtin_gemm(const GemmDesc& desc);

}  // namespace qgemm
