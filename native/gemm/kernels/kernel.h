// The seam between the GEMM driver and the per-ISA kernels.
//
// A kernel packs B (k x n) once into its own layout, then computes any block
// C[m0:m1, n0:n1] from a row-major A and that packed B. The driver splits the
// output into blocks for the thread pool; kernels never allocate or thread.
#pragma once

#include <cstddef>
#include <cstdint>

#include "cpu/isa.h"

namespace qgemm {

struct Int8KernelArgs {
  const uint8_t* a;  // row-major, lda bytes per row; int8 or uint8 elements
  int64_t lda;
  bool a_unsigned;
  const uint8_t* packed_b;  // made by this kernel's pack_b
  int64_t k, n;
  int32_t* c;
  int64_t ldc;
};

struct Int8Kernel {
  const char* name;
  Isa isa;
  int64_t n_align;  // block column starts are multiples of this
  size_t (*packed_bytes)(int64_t k, int64_t n);
  // b is k x n row-major, or n x k row-major when transposed.
  void (*pack_b)(const int8_t* b, bool transposed, int64_t k, int64_t n, uint8_t* dst);
  void (*compute)(const Int8KernelArgs& args, int64_t m0, int64_t m1, int64_t n0, int64_t n1);
  // Like compute, but args.packed_b is the caller's plain B (k x n row-major,
  // or n x k when b_transposed) with no slack after it: for a few rows of A,
  // packing all of B would cost more than the product. Null if unsupported.
  void (*compute_unpacked)(const Int8KernelArgs& args, bool b_transposed, int64_t m0, int64_t m1, int64_t n0,
                           int64_t n1);
};

struct F32KernelArgs {
  const float* a;  // row-major, lda floats per row
  int64_t lda;
  const uint8_t* packed_b;
  int64_t k, n;
  float* c;
  int64_t ldc;
};

struct F32Kernel {
  const char* name;
  Isa isa;
  int64_t n_align;
  size_t (*packed_bytes)(int64_t k, int64_t n);
  void (*pack_b)(const float* b, bool transposed, int64_t k, int64_t n, uint8_t* dst);
  void (*compute)(const F32KernelArgs& args, int64_t m0, int64_t m1, int64_t n0, int64_t n1);
};

// The best kernel whose ISA is at or below `isa` (the scalar one always exists).
const Int8Kernel& int8_kernel_for(Isa isa);
const F32Kernel& f32_kernel_for(Isa isa);

}  // namespace qgemm
