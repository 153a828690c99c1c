// The scalar reference GEMM: straightforward loops over strided operands.
// It is the oracle every kernel is tested against, so it stays simple.
#pragma once

#include "gemm/gemm.h"

namespace qgemm {

// Computes one (non-batched) product of desc's shape; uses desc.a, desc.b and
// desc.c with no batch offset. int32 accumulation wraps modulo 2^32.
void reference_gemm(const GemmDesc& desc);

}  // namespace qgemm
