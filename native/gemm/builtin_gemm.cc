#include "gemm/builtin_gemm.h"

#include <algorithm>

#include "cpu/cpu_features.h"
#include "gemm/aligned_buffer.h"
#include "gemm/packed_b.h"
#include "threads/thread_pool.h"

namespace qgemm {

namespace {

// Below this many multiply-adds a second thread costs more than it saves.
constexpr int64_t kMinMacsPerThread = 1 << 18;

struct Blocking {
  int64_t m_block, n_block, m_blocks, n_blocks;
};

// Splits C into blocks: enough for every thread, few enough to keep each
// block's B panel hot in cache. Column blocks start at multiples of n_align.
Blocking choose_blocking(int64_t m, int64_t n, int64_t k, int64_t n_align) {
  const int64_t macs = m * n * std::max<int64_t>(k, 1);
  const int64_t threads = std::max<int64_t>(
      1, std::min<int64_t>(ThreadPool::global().num_threads(), macs / kMinMacsPerThread));
  Blocking b;
  b.m_block = std::min<int64_t>(m, 64);
  b.n_block = std::max<int64_t>(n_align, 256 / n_align * n_align);
  b.m_blocks = (m + b.m_block - 1) / b.m_block;
  b.n_blocks = (n + b.n_block - 1) / b.n_block;
  // Too few blocks for the threads: cut columns finer, then rows.
  while (b.m_blocks * b.n_blocks < threads * 4 && b.n_block > n_align) {
    b.n_block = std::max(n_align, (b.n_block / 2 + n_align - 1) / n_align * n_align);
    b.n_blocks = (n + b.n_block - 1) / b.n_block;
  }
  while (b.m_blocks * b.n_blocks < threads * 4 && b.m_block > 1) {
    b.m_block = (b.m_block + 1) / 2;
    b.m_blocks = (m + b.m_block - 1) / b.m_block;
  }
  if (threads == 1) {  // one task: no pool round trip
    b.m_block = m;
    b.n_block = n;
    b.m_blocks = b.n_blocks = 1;
  }
  return b;
}

template <typename Fn>
void run_blocks(const Blocking& bl, int64_t m, int64_t n, Fn compute) {
  auto task = [&](int64_t t) {
    const int64_t mi = t / bl.n_blocks, ni = t % bl.n_blocks;
    const int64_t m0 = mi * bl.m_block, n0 = ni * bl.n_block;
    compute(m0, std::min(m, m0 + bl.m_block), n0, std::min(n, n0 + bl.n_block));
  };
  const int64_t tasks = bl.m_blocks * bl.n_blocks;
  if (tasks == 1) {
    task(0);
  } else {
    ThreadPool::global().parallel_for(tasks, task);
  }
}

// Copies a transposed A ([k][m]) into row-major [m][k].
template <typename T>
void transpose_into(const T* src, int64_t m, int64_t k, T* dst) {
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t p = 0; p < k; ++p) dst[i * k + p] = src[p * m + i];
  }
}

const uint8_t* offset(const void* base, int64_t elements, DType t) {
  return static_cast<const uint8_t*>(base) + elements * static_cast<int64_t>(dtype_size(t));
}

// Returns the row-major A of batch item `item`, transposing into scratch if needed.
template <typename T>
const T* row_major_a(const GemmDesc& d, int64_t item, AlignedBuffer* scratch, bool* ok) {
  const T* a = reinterpret_cast<const T*>(offset(d.a.data, item * d.a.batch_stride, d.a.type));
  if (!d.a.transposed) return a;
  if (scratch->size() < static_cast<size_t>(d.m * d.k) * sizeof(T) &&
      !scratch->reset(static_cast<size_t>(d.m * d.k) * sizeof(T))) {
    *ok = false;
    return nullptr;
  }
  T* dst = reinterpret_cast<T*>(scratch->data());
  transpose_into(a, d.m, d.k, dst);
  return dst;
}

// The PackedB for batch item `item`: the caller's, or B packed into `owned`.
const PackedB* packed_for(const GemmDesc& d, int64_t item, std::unique_ptr<PackedB>* owned,
                          Status* status) {
  if (d.packed_b != nullptr) return d.packed_b;
  if (*owned != nullptr && d.b.batch_stride == 0) return owned->get();  // broadcast B: pack once
  Operand b = d.b;
  b.data = offset(d.b.data, item * d.b.batch_stride, d.b.type);
  *status = PackedB::create(b, d.k, d.n, owned);
  return status->ok() ? owned->get() : nullptr;
}

Status int8_gemm(const GemmDesc& d) {
  AlignedBuffer a_scratch;
  std::unique_ptr<PackedB> owned;
  for (int64_t item = 0; item < d.batch; ++item) {
    Status status;
    const PackedB* pb = packed_for(d, item, &owned, &status);
    if (pb == nullptr) return status;
    bool ok = true;
    const uint8_t* a = row_major_a<uint8_t>(d, item, &a_scratch, &ok);
    if (!ok) return Status::Error(StatusCode::kOutOfMemory, "cannot allocate scratch for A");
    const Int8Kernel& kernel = *pb->int8_kernel();
    Int8KernelArgs args{a, d.k, d.a.type == DType::kUInt8, pb->data(), d.k, d.n,
                        static_cast<int32_t*>(d.c) + item * d.c_batch_stride, d.n};
    run_blocks(choose_blocking(d.m, d.n, d.k, kernel.n_align), d.m, d.n,
               [&](int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
                 kernel.compute(args, m0, m1, n0, n1);
               });
  }
  return Status::Ok();
}

Status f32_gemm(const GemmDesc& d) {
  AlignedBuffer a_scratch;
  std::unique_ptr<PackedB> owned;
  for (int64_t item = 0; item < d.batch; ++item) {
    Status status;
    const PackedB* pb = packed_for(d, item, &owned, &status);
    if (pb == nullptr) return status;
    bool ok = true;
    const float* a = row_major_a<float>(d, item, &a_scratch, &ok);
    if (!ok) return Status::Error(StatusCode::kOutOfMemory, "cannot allocate scratch for A");
    const F32Kernel& kernel = *pb->f32_kernel();
    F32KernelArgs args{a, d.k, pb->data(), d.k, d.n,
                       static_cast<float*>(d.c) + item * d.c_batch_stride, d.n};
    run_blocks(choose_blocking(d.m, d.n, d.k, kernel.n_align), d.m, d.n,
               [&](int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
                 kernel.compute(args, m0, m1, n0, n1);
               });
  }
  return Status::Ok();
}

}  // namespace

Status builtin_gemm(const GemmDesc& d) {
  if (d.m == 0 || d.n == 0 || d.batch == 0) return Status::Ok();
  return d.a.type == DType::kFloat32 ? f32_gemm(d) : int8_gemm(d);
}

}  // namespace qgemm
