// B packed once into the layout of the best kernel for this CPU, reusable for
// any M and any number of calls (every kernel of that layout can run it).
// Immutable after construction, so one PackedB may be used by several
// threads at once.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "gemm/aligned_buffer.h"
#include "gemm/types.h"
#include "gemm/kernels/kernel.h"

namespace qgemm {

// sum_k b[k][j] for each of the n columns of b (k x n, or n x k when
// transposed), wrapping modulo 2^32: the zero-point compensation term.
void int8_col_sums(const int8_t* b, bool transposed, int64_t k, int64_t n, int32_t* out);

class PackedB {
 public:
  // Packs b (k x n, or n x k when b.transposed) for the kernel dispatch picks
  // for new weights. b.type must be kInt8 (for int8 GEMMs) or kFloat32.
  static Status create(const Operand& b, int64_t k, int64_t n, std::unique_ptr<PackedB>* out);

  int64_t k() const { return k_; }
  int64_t n() const { return n_; }
  DType type() const { return type_; }
  const PackLayout* layout() const { return layout_; }
  // The kernel it was packed for.
  const char* kernel_name() const { return kernel_name_; }
  size_t bytes() const { return buffer_.size(); }
  const uint8_t* data() const { return buffer_.data(); }
  // sum_k b[k][n] for each column (int8 packs), for zero-point compensation.
  const int32_t* col_sums() const { return col_sums_.data(); }
  // -shift * col_sums (int8 packs): what a kernel that adds `shift` to A must
  // add to C. Null for shift 0 (nothing to add).
  const int32_t* shift_compensation(int32_t shift) const;

  // Training, where W changes every step: packs new values into `*pack` in
  // place (same type and shape, and dispatch still packs this layout), else
  // creates it anew. No allocation in the steady state. Not for a pack that
  // another thread may be reading (packs users share are immutable).
  static Status repack(const Operand& b, int64_t k, int64_t n, std::unique_ptr<PackedB>* pack);

  // For a producer that writes the packed bytes itself (train/weight_pack.h):
  // makes *pack an int8 pack of k x n in the layout dispatch packs now, as
  // repack does, without filling it. The producer then writes all of
  // mutable_data() (padding included) in layout() and every column sum, and
  // calls finish_col_sums().
  static Status prepare_int8(int64_t k, int64_t n, std::unique_ptr<PackedB>* pack);
  uint8_t* mutable_data() { return buffer_.data(); }
  int32_t* mutable_col_sums() { return col_sums_.data(); }
  void finish_col_sums();

 private:
  PackedB() = default;
  static Status allocate(DType type, int64_t k, int64_t n, std::unique_ptr<PackedB>* out);
  // Packs b into buffer_ and fills the column sums and compensations (sized already).
  void fill(const Operand& b);
  int64_t k_ = 0, n_ = 0;
  DType type_ = DType::kInt8;
  const PackLayout* layout_ = nullptr;
  const char* kernel_name_ = "";
  AlignedBuffer buffer_;
  std::vector<int32_t> col_sums_;
  // For each nonzero shift a kernel of this layout uses: (shift, -shift * col_sums).
  std::vector<std::pair<int32_t, std::vector<int32_t>>> compensations_;
};

}  // namespace qgemm
