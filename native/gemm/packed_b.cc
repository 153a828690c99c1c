#include "gemm/packed_b.h"

#include <stdexcept>
#include <string>

#include "cpu/cpu_features.h"

namespace qgemm {

void int8_col_sums(const int8_t* b, bool transposed, int64_t k, int64_t n, int32_t* out) {
  // Unsigned sums wrap like the GEMM's accumulators; both loops vectorize.
  uint32_t* sums = reinterpret_cast<uint32_t*>(out);
  for (int64_t j = 0; j < n; ++j) sums[j] = 0;
  if (transposed) {
    for (int64_t j = 0; j < n; ++j) {
      uint32_t s = 0;
      for (int64_t p = 0; p < k; ++p) s += static_cast<uint32_t>(static_cast<int32_t>(b[j * k + p]));
      sums[j] = s;
    }
    return;
  }
  for (int64_t p = 0; p < k; ++p) {
    for (int64_t j = 0; j < n; ++j) sums[j] += static_cast<uint32_t>(static_cast<int32_t>(b[p * n + j]));
  }
}

Status PackedB::create(const Operand& b, int64_t k, int64_t n, std::unique_ptr<PackedB>* out) {
  if (k < 0 || n < 0) return Status::Error(StatusCode::kInvalidArgument, "negative dimension");
  if (b.type != DType::kInt8 && b.type != DType::kFloat32) {
    return Status::Error(StatusCode::kInvalidArgument,
                         std::string("cannot pack B of type ") + dtype_name(b.type));
  }
  // Column sums take 4 bytes a column whatever K is: refuse what no machine holds
  // before trying (an empty B may claim any N).
  if (n > (int64_t{1} << 36)) return Status::Error(StatusCode::kOutOfMemory, "B has too many columns to pack");
  std::unique_ptr<PackedB> p(new PackedB());
  p->k_ = k;
  p->n_ = n;
  p->type_ = b.type;
  size_t bytes;
  if (b.type == DType::kInt8) {
    p->int8_kernel_ = &int8_kernel_for(active_isa());
    bytes = p->int8_kernel_->packed_bytes(k, n);
  } else {
    p->f32_kernel_ = &f32_kernel_for(active_isa());
    bytes = p->f32_kernel_->packed_bytes(k, n);
  }
  if (!p->buffer_.reset(bytes)) return Status::Error(StatusCode::kOutOfMemory, "cannot allocate packed B");
  try {
    if (b.type == DType::kInt8) p->col_sums_.resize(static_cast<size_t>(n));  // zeros
  } catch (const std::exception&) {  // bad_alloc, or length_error past max_size()
    return Status::Error(StatusCode::kOutOfMemory, "cannot allocate the column sums of packed B");
  }
  // An empty B packs to nothing: skip the loops, which may still walk a huge
  // K or N (a raw call may ask for K = 0 with N = 2^40).
  if (k == 0 || n == 0) {
    *out = std::move(p);
    return Status::Ok();
  }
  if (b.type == DType::kInt8) {
    int8_col_sums(static_cast<const int8_t*>(b.data), b.transposed, k, n, p->col_sums_.data());
    p->int8_kernel_->pack_b(static_cast<const int8_t*>(b.data), b.transposed, k, n, p->buffer_.data());
  } else {
    p->f32_kernel_->pack_b(static_cast<const float*>(b.data), b.transposed, k, n, p->buffer_.data());
  }
  *out = std::move(p);
  return Status::Ok();
}

const char* PackedB::kernel_name() const {
  return int8_kernel_ != nullptr ? int8_kernel_->name : f32_kernel_->name;
}

size_t PackedB::bytes() const { return buffer_.size(); }

}  // namespace qgemm
