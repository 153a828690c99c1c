#include "gemm/builtin_gemm.h"

#include <algorithm>
#include <cstdlib>
#include <vector>

#include "gemm/aligned_buffer.h"
#include "gemm/epilogue.h"
#include "gemm/kernels/driver.h"
#include "gemm/kernels/registry.h"
#include "gemm/packed_b.h"
#include "gemm/transpose.h"

namespace qgemm {

namespace {

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
  transpose(a, d.k, d.m, dst);  // A^T is [k][m]
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

// The kernel of one product: a packed kernel on packed B; or, for a few rows
// of A with the caller's B (packing all of B on every call would cost more
// than the product, which reads B once anyway), a direct kernel, or a packed
// kernel run on slabs of B packed as it goes (int8_slab_block) where the best
// kernel for few rows outranks the best direct one (VNNI, AMX, Arm).
struct Int8Runner {
  const Int8Kernel* packed = nullptr;
  Int8Problem problem{};
  const Int8DirectKernel* direct = nullptr;
  const Int8Kernel* slabs = nullptr;
  const int32_t* slab_c_init = nullptr;  // -shift * colsum(B) when slabs shifts A
  Int8DirectArgs direct_args{};

  int64_t n_align() const {
    return direct != nullptr ? direct->n_align : slabs != nullptr ? slabs->layout->panel : packed->layout->panel;
  }
  // C(i, j) goes to c[i * ldc + j] for the block [m0, m1) x [n0, n1).
  void run(int32_t* c, int64_t ldc, int64_t m0, int64_t m1, int64_t n0, int64_t n1) const {
    if (direct != nullptr || slabs != nullptr) {
      Int8DirectArgs args = direct_args;
      args.c = c;
      args.ldc = ldc;
      if (direct != nullptr) {
        direct->compute(args, m0, m1, n0, n1);
      } else {
        int8_slab_block(*slabs, args, slab_c_init, m0, m1, n0, n1);
      }
    } else {
      Int8Problem p = problem;
      p.c = c;
      p.ldc = ldc;
      int8_block(*packed, p, m0, m1, n0, n1);
    }
  }
};

// Runs one block through the kernel and the epilogue. int32 and float32
// outputs are converted in place; int8/uint8 ones go through an int32 tile.
void int8_block_out(const GemmDesc& d, const Int8Runner& runner, const EpilogueContext& ctx, void* c, int64_t m0,
                    int64_t m1, int64_t n0, int64_t n1) {
  const Epilogue* e = d.epilogue;
  int32_t* c32 = static_cast<int32_t*>(c);
  if (e == nullptr) return runner.run(c32, d.n, m0, m1, n0, n1);
  if (dtype_size(e->out_type) == 4 && e->consume == nullptr) {
    // Converted in place, in tiles small enough (256 KiB of int32) to stay in
    // L2 between the kernel and the epilogue: a whole block converted after
    // the kernel went out to memory and back (2048 x 2048 x 128 with float32
    // out took 1.8x the int32-out time on Zen 5).
    constexpr int64_t kRows = 64, kCols = 1024;
    const int64_t align = runner.n_align();
    const int64_t tile_cols = std::max(align, kCols / align * align);
    for (int64_t i0 = m0; i0 < m1; i0 += kRows) {
      for (int64_t j0 = n0; j0 < n1; j0 += tile_cols) {
        const int64_t i1 = std::min(m1, i0 + kRows), j1 = std::min(n1, j0 + tile_cols);
        runner.run(c32, d.n, i0, i1, j0, j1);
        apply_epilogue(ctx, c32 + i0 * d.n + j0, d.n, c, d.n, i0, i1, j0, j1);
      }
    }
    return;
  }
  // Sub-tiles bound the scratch (and keep it in L1/L2) however large the block.
  // Fewer rows get wider tiles of the same size: an unpacked B is read in
  // pieces as wide as the tile, and short pieces defeat the prefetchers.
  // A consumer takes float32 blocks as large as the in-place path's (L2).
  const bool consume = e->consume != nullptr;
  const int64_t kTileRows = consume ? 64 : 32, kTileElements = kTileRows * (consume ? 1024 : 256);
  const int64_t align = runner.n_align();
  const int64_t tile_rows = std::min(kTileRows, m1 - m0);
  const int64_t tile_cols = std::max(align, kTileElements / tile_rows / align * align);
  thread_local AlignedBuffer tile;
  const size_t bytes = static_cast<size_t>(tile_rows * tile_cols) * sizeof(int32_t);
  if (tile.size() < bytes && !tile.reset(bytes)) std::abort();  // 32 KiB per thread (256 KiB for a consumer)
  for (int64_t i0 = m0; i0 < m1; i0 += tile_rows) {
    for (int64_t j0 = n0; j0 < n1; j0 += tile_cols) {
      const int64_t i1 = std::min(m1, i0 + tile_rows), j1 = std::min(n1, j0 + tile_cols);
      const int64_t cols = j1 - j0;
      // The kernel addresses C(i, j) as c[i * ldc + j] with global (i, j):
      // shift the base so that (i0, j0) lands at the tile's start.
      int32_t* base = reinterpret_cast<int32_t*>(reinterpret_cast<uintptr_t>(tile.data()) -
                                                 static_cast<uintptr_t>((i0 * cols + j0) * sizeof(int32_t)));
      runner.run(base, cols, i0, i1, j0, j1);
      if (e->consume != nullptr) {  // converted in place in the tile (float32, shifted alike), then consumed
        apply_epilogue(ctx, reinterpret_cast<const int32_t*>(tile.data()), cols, base, cols, i0, i1, j0, j1);
        e->consume(e->consume_ctx, reinterpret_cast<const float*>(tile.data()), cols, i0, i1, j0, j1);
        continue;
      }
      apply_epilogue(ctx, reinterpret_cast<const int32_t*>(tile.data()), cols, c, d.n, i0, i1, j0, j1);
    }
  }
}

Status int8_gemm(const GemmDesc& d) {
  AlignedBuffer a_scratch;
  std::unique_ptr<PackedB> owned;
  std::vector<int32_t> sums_of_rows, sums_of_cols, slab_comp;
  const size_t c_size = dtype_size(d.c_type);
  const bool direct = d.packed_b == nullptr && d.m <= kMaxDirectRows;
  const bool a_unsigned = d.a.type == DType::kUInt8;
  const Int8DirectKernel* direct_kernel = direct ? &int8_direct_kernel() : nullptr;
  // One to four rows stream B once (the direct kernels' row and dot paths);
  // packing slabs of B for them cost more than it saved.
  constexpr int64_t kMinSlabRows = 5;
  const Int8Kernel* slab_kernel = direct && d.m >= kMinSlabRows ? &int8_kernel_for_rows(d.m) : nullptr;
  if (slab_kernel != nullptr && slab_kernel->priority <= direct_kernel->priority) slab_kernel = nullptr;
  const int32_t slab_shift =
      slab_kernel == nullptr ? 0 : a_unsigned ? slab_kernel->shift_uint8 : slab_kernel->shift_int8;
  for (int64_t item = 0; item < d.batch; ++item) {
    Int8Runner runner;
    const int32_t* col_sums = nullptr;
    if (direct) {
      const int8_t* b = reinterpret_cast<const int8_t*>(offset(d.b.data, item * d.b.batch_stride, d.b.type));
      // PackedB keeps these for every pack; here only when the epilogue or a
      // shifting slab kernel reads them.
      const bool need_sums = (d.epilogue != nullptr && d.epilogue->needs_col_sums()) || slab_shift != 0;
      if (need_sums && (item == 0 || d.b.batch_stride != 0)) {
        sums_of_cols.resize(static_cast<size_t>(d.n));
        int8_col_sums(b, d.b.transposed, d.k, d.n, sums_of_cols.data());
        if (slab_shift != 0) {
          slab_comp.resize(static_cast<size_t>(d.n));
          for (int64_t j = 0; j < d.n; ++j) {
            slab_comp[j] = static_cast<int32_t>(0u - static_cast<uint32_t>(slab_shift) * static_cast<uint32_t>(sums_of_cols[j]));
          }
        }
      }
      col_sums = sums_of_cols.data();
      if (slab_kernel != nullptr) {
        runner.slabs = slab_kernel;
        runner.slab_c_init = slab_shift != 0 ? slab_comp.data() : nullptr;
      } else {
        runner.direct = direct_kernel;
      }
      runner.direct_args = Int8DirectArgs{nullptr, d.k, a_unsigned, b, d.b.transposed, d.k, d.n, nullptr, d.n};
    } else {
      Status status;
      const PackedB* pb = packed_for(d, item, &owned, &status);
      if (pb == nullptr) return status;
      runner.packed = int8_kernel_for(pb->layout(), d.m);
      if (runner.packed == nullptr) {
        return Status::Error(StatusCode::kUnsupported, "no kernel that can run these packed weights is left enabled");
      }
      col_sums = pb->col_sums();
      const int32_t shift = a_unsigned ? runner.packed->shift_uint8 : runner.packed->shift_int8;
      runner.problem = Int8Problem{nullptr, d.k, a_unsigned, pb->data(), pb->shift_compensation(shift),
                                   d.m, d.n, d.k, nullptr, d.n};
    }
    bool ok = true;
    const uint8_t* a = row_major_a<uint8_t>(d, item, &a_scratch, &ok);
    if (!ok) return Status::Error(StatusCode::kOutOfMemory, "cannot allocate scratch for A");
    runner.direct_args.a = a;
    runner.problem.a = a;
    EpilogueContext ctx{d.epilogue, d.k, item * d.m, nullptr, col_sums};
    if (d.epilogue != nullptr && d.epilogue->needs_row_sums()) {
      sums_of_rows.resize(static_cast<size_t>(d.m));
      row_sums(a, a_unsigned, d.m, d.k, sums_of_rows.data());
      ctx.row_sums = sums_of_rows.data();
    }
    void* c = static_cast<uint8_t*>(d.c) + item * d.c_batch_stride * static_cast<int64_t>(c_size);
    run_blocks(choose_blocking(d.m, d.n, d.k, runner.n_align(), direct && !d.b.transposed), d.m, d.n,
               [&](int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
                 int8_block_out(d, runner, ctx, c, m0, m1, n0, n1);
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
    const F32Kernel* kernel = f32_kernel_for(pb->layout());
    if (kernel == nullptr) {
      return Status::Error(StatusCode::kUnsupported, "no kernel that can run these packed weights is left enabled");
    }
    f32_run(*kernel, F32Problem{a, d.k, pb->data(), d.m, d.n, d.k, static_cast<float*>(d.c) + item * d.c_batch_stride,
                                d.n});
  }
  return Status::Ok();
}

}  // namespace

Status builtin_gemm(const GemmDesc& d) {
  if (d.m == 0 || d.n == 0 || d.batch == 0) return Status::Ok();
  return d.a.type == DType::kFloat32 ? f32_gemm(d) : int8_gemm(d);
}

}  // namespace qgemm
