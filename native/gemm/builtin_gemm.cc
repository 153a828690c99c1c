#include "gemm/builtin_gemm.h"

#include <algorithm>
#include <cstdlib>
#include <vector>

#include "cpu/cpu_features.h"
#include "gemm/aligned_buffer.h"
#include "gemm/epilogue.h"
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
// `wide`: B is read row-major in place, so a block reads B's rows in pieces
// as wide as itself; then give each thread one wide column block.
Blocking choose_blocking(int64_t m, int64_t n, int64_t k, int64_t n_align, bool wide = false) {
  const int64_t macs = m * n * std::max<int64_t>(k, 1);
  const int64_t threads = std::max<int64_t>(
      1, std::min<int64_t>(ThreadPool::global().num_threads(), macs / kMinMacsPerThread));
  Blocking b;
  if (wide) {
    b.m_block = m;
    b.m_blocks = 1;
    b.n_block = std::max(n_align, ((n + threads - 1) / threads + n_align - 1) / n_align * n_align);
    b.n_blocks = (n + b.n_block - 1) / b.n_block;
    return b;
  }
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

// At most this many rows of A, an unpacked B is read in place: packing it
// (every call) would cost more than the product, which streams B once anyway.
constexpr int64_t kMaxUnpackedRows = 16;

// The kernel on args.packed_b: this kernel's packed B, or the caller's plain
// B when `unpacked`.
void run_kernel(const GemmDesc& d, const Int8Kernel& kernel, bool unpacked, const Int8KernelArgs& args,
                int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
  if (unpacked) {
    kernel.compute_unpacked(args, d.b.transposed, m0, m1, n0, n1);
  } else {
    kernel.compute(args, m0, m1, n0, n1);
  }
}

// Runs one block through the kernel and the epilogue. int32 and float32
// outputs are converted in place; int8/uint8 ones go through an int32 tile.
void int8_block(const GemmDesc& d, const Int8Kernel& kernel, bool unpacked, const Int8KernelArgs& args,
                const EpilogueContext& ctx, void* c, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
  const Epilogue* e = d.epilogue;
  if (e == nullptr || dtype_size(e->out_type) == 4) {
    run_kernel(d, kernel, unpacked, args, m0, m1, n0, n1);
    if (e != nullptr) {
      apply_epilogue(ctx, args.c + m0 * args.ldc + n0, args.ldc, c, d.n, m0, m1, n0, n1);
    }
    return;
  }
  // Sub-tiles bound the scratch (and keep it in L1/L2) however large the block.
  // Fewer rows get wider tiles of the same size: an unpacked B is read in
  // pieces as wide as the tile, and short pieces defeat the prefetchers.
  constexpr int64_t kTileRows = 32, kTileElements = kTileRows * 256;
  const int64_t tile_rows = std::min(kTileRows, m1 - m0);
  const int64_t tile_cols = std::max(kernel.n_align, kTileElements / tile_rows / kernel.n_align * kernel.n_align);
  thread_local AlignedBuffer tile;
  const size_t bytes = static_cast<size_t>(tile_rows * tile_cols) * sizeof(int32_t);
  if (tile.size() < bytes && !tile.reset(bytes)) std::abort();  // ~32 KiB per thread
  for (int64_t i0 = m0; i0 < m1; i0 += tile_rows) {
    for (int64_t j0 = n0; j0 < n1; j0 += tile_cols) {
      const int64_t i1 = std::min(m1, i0 + tile_rows), j1 = std::min(n1, j0 + tile_cols);
      const int64_t cols = j1 - j0;
      // The kernel addresses C(i, j) as c[i * ldc + j] with global (i, j):
      // shift the base so that (i0, j0) lands at the tile's start.
      Int8KernelArgs tile_args = args;
      tile_args.ldc = cols;
      tile_args.c = reinterpret_cast<int32_t*>(reinterpret_cast<uintptr_t>(tile.data()) -
                                               static_cast<uintptr_t>((i0 * cols + j0) * sizeof(int32_t)));
      run_kernel(d, kernel, unpacked, tile_args, i0, i1, j0, j1);
      apply_epilogue(ctx, reinterpret_cast<const int32_t*>(tile.data()), cols, c, d.n, i0, i1, j0, j1);
    }
  }
}

Status int8_gemm(const GemmDesc& d) {
  AlignedBuffer a_scratch;
  std::unique_ptr<PackedB> owned;
  std::vector<int32_t> sums_of_rows, sums_of_cols;
  const size_t c_size = dtype_size(d.c_type);
  const Int8Kernel& active = int8_kernel_for(active_isa());  // the one PackedB::create would pick
  const bool unpacked = d.packed_b == nullptr && d.m <= kMaxUnpackedRows && active.compute_unpacked != nullptr;
  for (int64_t item = 0; item < d.batch; ++item) {
    Status status;
    const PackedB* pb = nullptr;
    const int8_t* b = nullptr;
    if (unpacked) {
      b = reinterpret_cast<const int8_t*>(offset(d.b.data, item * d.b.batch_stride, d.b.type));
      // PackedB keeps these for every pack; here only when the epilogue reads them.
      if (d.epilogue != nullptr && d.epilogue->needs_col_sums() &&
          (item == 0 || d.b.batch_stride != 0)) {
        sums_of_cols.resize(static_cast<size_t>(d.n));
        int8_col_sums(b, d.b.transposed, d.k, d.n, sums_of_cols.data());
      }
    } else {
      pb = packed_for(d, item, &owned, &status);
      if (pb == nullptr) return status;
    }
    bool ok = true;
    const uint8_t* a = row_major_a<uint8_t>(d, item, &a_scratch, &ok);
    if (!ok) return Status::Error(StatusCode::kOutOfMemory, "cannot allocate scratch for A");
    const bool a_unsigned = d.a.type == DType::kUInt8;
    EpilogueContext ctx{d.epilogue, d.k, item * d.m, nullptr, unpacked ? sums_of_cols.data() : pb->col_sums()};
    if (d.epilogue != nullptr && d.epilogue->needs_row_sums()) {
      sums_of_rows.resize(static_cast<size_t>(d.m));
      row_sums(a, a_unsigned, d.m, d.k, sums_of_rows.data());
      ctx.row_sums = sums_of_rows.data();
    }
    void* c = static_cast<uint8_t*>(d.c) + item * d.c_batch_stride * static_cast<int64_t>(c_size);
    const Int8Kernel& kernel = unpacked ? active : *pb->int8_kernel();
    // For 4-byte outputs the kernel writes int32 straight into C.
    Int8KernelArgs args{a,    d.k, a_unsigned, unpacked ? reinterpret_cast<const uint8_t*>(b) : pb->data(),
                        d.k, d.n, static_cast<int32_t*>(c), d.n};
    run_blocks(choose_blocking(d.m, d.n, d.k, kernel.n_align, unpacked && !d.b.transposed), d.m, d.n,
               [&](int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
                 int8_block(d, kernel, unpacked, args, ctx, c, m0, m1, n0, n1);
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
