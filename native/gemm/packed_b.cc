#include "gemm/packed_b.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "gemm/kernels/registry.h"
#include "threads/thread_pool.h"

namespace qgemm {

namespace {

// sum(x[0..k)) as int8, wrapping. A horizontal sum does not vectorize by
// itself: on x86, sums of bytes flipped to unsigned (psadbw) less 128 a byte.
uint32_t row_sum(const int8_t* x, int64_t k) {
  int64_t p = 0;
  uint32_t s = 0;
#if defined(__SSE2__)
  const __m128i flip = _mm_set1_epi8(static_cast<char>(0x80));
  __m128i acc = _mm_setzero_si128();
  for (; p + 16 <= k; p += 16) {
    const __m128i v = _mm_xor_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x + p)), flip);
    acc = _mm_add_epi64(acc, _mm_sad_epu8(v, _mm_setzero_si128()));
  }
  s = static_cast<uint32_t>(_mm_cvtsi128_si64(acc) + _mm_cvtsi128_si64(_mm_unpackhi_epi64(acc, acc))) -
      128u * static_cast<uint32_t>(p);
#endif
  for (; p < k; ++p) s += static_cast<uint32_t>(static_cast<int32_t>(x[p]));
  return s;
}

// Columns [0, n) of b with ld elements between rows (or, transposed, between columns).
void int8_col_sums_strided(const int8_t* b, bool transposed, int64_t ld, int64_t k, int64_t n, int32_t* out) {
  // Unsigned sums wrap like the GEMM's accumulators; both loops vectorize.
  uint32_t* sums = reinterpret_cast<uint32_t*>(out);
  for (int64_t j = 0; j < n; ++j) sums[j] = 0;
  if (transposed) {
    for (int64_t j = 0; j < n; ++j) sums[j] = row_sum(b + j * ld, k);
    return;
  }
  for (int64_t p = 0; p < k; ++p) {
    for (int64_t j = 0; j < n; ++j) sums[j] += static_cast<uint32_t>(static_cast<int32_t>(b[p * ld + j]));
  }
}

}  // namespace

void int8_col_sums(const int8_t* b, bool transposed, int64_t k, int64_t n, int32_t* out) {
  int8_col_sums_strided(b, transposed, transposed ? k : n, k, n, out);
}

namespace {

// Every nonzero A shift of the kernels that can run `layout`.
std::vector<int32_t> shifts_of(const PackLayout* layout) {
  std::vector<int32_t> shifts;
  for (const Int8Kernel* k : int8_kernels()) {
    if (k->layout != layout) continue;
    for (int32_t s : {k->shift_int8, k->shift_uint8}) {
      bool seen = s == 0;
      for (int32_t t : shifts) seen = seen || t == s;
      if (!seen) shifts.push_back(s);
    }
  }
  return shifts;
}

}  // namespace

namespace {

// Packing streams all of B through memory once; a call that packs per product
// (unpacked B with many rows) pays for it, so the pool shares it: column
// chunks of whole panels, each packed independently, with their column sums
// (int8; null col_sums: none).
void pack_columns_in_parallel(const PackLayout& layout, const Operand& b, int64_t k, int64_t n, uint8_t* dst,
                              int32_t* col_sums) {
  constexpr int64_t kMinBytesPerTask = 1 << 20;
  const int64_t esize = static_cast<int64_t>(dtype_size(b.type));
  const int64_t threads = ThreadPool::global().num_threads();
  const int64_t tasks = std::clamp<int64_t>(k * n * esize / kMinBytesPerTask, 1, threads * 4);
  const int64_t panels = (n + layout.panel - 1) / layout.panel;
  const int64_t chunk = (panels + tasks - 1) / tasks * layout.panel;  // columns per task
  const int64_t ldb = b.transposed ? k : n;
  const auto* src = static_cast<const uint8_t*>(b.data);
  auto task = [&](int64_t t) {
    const int64_t j0 = t * chunk, j1 = std::min(n, j0 + chunk);
    if (j0 >= j1) return;
    const uint8_t* from = src + (b.transposed ? j0 * ldb : j0) * esize;
    layout.pack(from, b.transposed, ldb, k, j1 - j0, dst + layout.offset(k, j0, 0));
    if (col_sums != nullptr) int8_col_sums_strided(reinterpret_cast<const int8_t*>(from), b.transposed, ldb, k, j1 - j0, col_sums + j0);
  };
  const int64_t used = (n + chunk - 1) / chunk;
  if (used <= 1) return task(0);
  ThreadPool::global().parallel_for(used, task);
}

}  // namespace

Status PackedB::allocate(DType type, int64_t k, int64_t n, std::unique_ptr<PackedB>* out) {
  if (k < 0 || n < 0) return Status::Error(StatusCode::kInvalidArgument, "negative dimension");
  if (type != DType::kInt8 && type != DType::kFloat32) {
    return Status::Error(StatusCode::kInvalidArgument, std::string("cannot pack B of type ") + dtype_name(type));
  }
  // Column sums take 4 bytes a column whatever K is: refuse what no machine holds
  // before trying (an empty B may claim any N).
  if (n > (int64_t{1} << 36)) return Status::Error(StatusCode::kOutOfMemory, "B has too many columns to pack");
  std::unique_ptr<PackedB> p(new PackedB());
  p->k_ = k;
  p->n_ = n;
  p->type_ = type;
  const bool int8 = type == DType::kInt8;
  if (int8) {
    const Int8Kernel& kernel = int8_kernel_to_pack();
    p->layout_ = kernel.layout;
    p->kernel_name_ = kernel.name;
  } else {
    const F32Kernel& kernel = f32_kernel_to_pack();
    p->layout_ = kernel.layout;
    p->kernel_name_ = kernel.name;
  }
  if (!p->buffer_.reset(p->layout_->bytes(k, n))) {
    return Status::Error(StatusCode::kOutOfMemory, "cannot allocate packed B");
  }
  try {
    if (int8) {
      p->col_sums_.resize(static_cast<size_t>(n));  // zeros
      for (int32_t shift : shifts_of(p->layout_)) p->compensations_.emplace_back(shift, std::vector<int32_t>(n));
    }
  } catch (const std::exception&) {  // bad_alloc, or length_error past max_size()
    return Status::Error(StatusCode::kOutOfMemory, "cannot allocate the column sums of packed B");
  }
  *out = std::move(p);
  return Status::Ok();
}

Status PackedB::create(const Operand& b, int64_t k, int64_t n, std::unique_ptr<PackedB>* out) {
  std::unique_ptr<PackedB> p;
  Status s = allocate(b.type, k, n, &p);
  if (!s.ok()) return s;
  // An empty B packs to nothing: skip the loops, which may still walk a huge
  // K or N (a raw call may ask for K = 0 with N = 2^40).
  if (k != 0 && n != 0) p->fill(b);
  *out = std::move(p);
  return Status::Ok();
}

void PackedB::fill(const Operand& b) {
  const bool int8 = type_ == DType::kInt8;
  pack_columns_in_parallel(*layout_, b, k_, n_, buffer_.data(), int8 ? col_sums_.data() : nullptr);
  finish_col_sums();
}

void PackedB::finish_col_sums() {
  for (auto& [shift, comp] : compensations_) {
    for (int64_t j = 0; j < n_; ++j) {
      comp[j] = static_cast<int32_t>(0u - static_cast<uint32_t>(shift) * static_cast<uint32_t>(col_sums_[j]));
    }
  }
}

Status PackedB::repack(const Operand& b, int64_t k, int64_t n, std::unique_ptr<PackedB>* pack) {
  PackedB* p = pack->get();
  const PackLayout* wanted = b.type == DType::kInt8 ? int8_kernel_to_pack().layout : f32_kernel_to_pack().layout;
  if (p == nullptr || p->type_ != b.type || p->k_ != k || p->n_ != n || p->layout_ != wanted) {
    pack->reset();
    return create(b, k, n, pack);
  }
  if (k != 0 && n != 0) p->fill(b);
  return Status::Ok();
}

Status PackedB::prepare_int8(int64_t k, int64_t n, std::unique_ptr<PackedB>* pack) {
  PackedB* p = pack->get();
  if (p != nullptr && p->type_ == DType::kInt8 && p->k_ == k && p->n_ == n && p->layout_ == int8_kernel_to_pack().layout) {
    return Status::Ok();
  }
  pack->reset();
  return allocate(DType::kInt8, k, n, pack);
}

const int32_t* PackedB::shift_compensation(int32_t shift) const {
  for (const auto& [s, comp] : compensations_) {
    if (s == shift) return comp.data();
  }
  return nullptr;
}

}  // namespace qgemm
