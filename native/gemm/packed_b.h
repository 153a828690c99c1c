// B packed once into the layout of the kernel that will run it, reusable for
// any M and any number of calls. Immutable after construction, so one PackedB
// may be used by several threads at once.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "gemm/aligned_buffer.h"
#include "gemm/gemm.h"
#include "gemm/kernels/kernel.h"

namespace qgemm {

// sum_k b[k][j] for each of the n columns of b (k x n, or n x k when
// transposed), wrapping modulo 2^32: the zero-point compensation term.
void int8_col_sums(const int8_t* b, bool transposed, int64_t k, int64_t n, int32_t* out);

class PackedB {
 public:
  // Packs b (k x n, or n x k when b.transposed) for the built-in kernel of the
  // active ISA.
  // b.type must be kInt8 (for int8 GEMMs) or kFloat32.
  static Status create(const Operand& b, int64_t k, int64_t n, std::unique_ptr<PackedB>* out);

  int64_t k() const { return k_; }
  int64_t n() const { return n_; }
  DType type() const { return type_; }
  const char* kernel_name() const;
  size_t bytes() const;

  const Int8Kernel* int8_kernel() const { return int8_kernel_; }
  const F32Kernel* f32_kernel() const { return f32_kernel_; }
  const uint8_t* data() const { return buffer_.data(); }
  // sum_k b[k][n] for each column (int8 packs), for zero-point compensation.
  const int32_t* col_sums() const { return col_sums_.data(); }

 private:
  PackedB() = default;
  int64_t k_ = 0, n_ = 0;
  DType type_ = DType::kInt8;
  const Int8Kernel* int8_kernel_ = nullptr;
  const F32Kernel* f32_kernel_ = nullptr;
  AlignedBuffer buffer_;
  std::vector<int32_t> col_sums_;
};

}  // namespace qgemm
