// The one driver every kernel runs under (the BLIS loop nest):
//   split C into blocks for the thread pool (choose_blocking, run_blocks);
//   inside a block: depth blocks of kc -> row blocks of mc, A packed once per
//   block -> micro tiles of nr columns (B panels stay in L1 while every
//   micro-panel of mr rows of A passes over them).
// Kernels only provide the microkernel and the packing (kernel.h).
#pragma once

#include <algorithm>
#include <cstdint>

#include "gemm/kernels/kernel.h"
#include "threads/thread_pool.h"

namespace qgemm {

struct Int8Problem {
  const uint8_t* a;  // row-major, lda bytes per row; int8 or uint8
  int64_t lda;
  bool a_unsigned;
  const uint8_t* packed_b;  // kernel.layout
  // Per column (n values), added to every row: -shift * colsum(B) when the
  // kernel shifts A of this type; null when it does not.
  const int32_t* c_init;
  int64_t m, n, k;
  int32_t* c;  // C(i, j) at c[i * ldc + j] (absolute indices)
  int64_t ldc;
};

struct F32Problem {
  const float* a;
  int64_t lda;
  const uint8_t* packed_b;
  int64_t m, n, k;
  float* c;
  int64_t ldc;
};

// C[m0:m1, n0:n1) on the calling thread; n0 is a multiple of the layout's panel.
void int8_block(const Int8Kernel& kernel, const Int8Problem& p, int64_t m0, int64_t m1, int64_t n0, int64_t n1);

// A few rows of A (m1 - m0 <= kMaxDirectRows) times the caller's B read in
// place (args.b, as Int8DirectArgs): slabs of B are packed into the kernel's
// layout in L1/L2 and run by its microkernel, so every ISA has a small-M path
// without packing all of B. c_init: -shift * colsum(B) for all n columns when
// the kernel shifts A of this type, else null. n0 is a multiple of the panel.
void int8_slab_block(const Int8Kernel& kernel, const Int8DirectArgs& args, const int32_t* c_init, int64_t m0,
                     int64_t m1, int64_t n0, int64_t n1);
void f32_block(const F32Kernel& kernel, const F32Problem& p, int64_t m0, int64_t m1, int64_t n0, int64_t n1);

// How C is cut into tasks for the pool.
struct Blocking {
  int64_t m_block, n_block, m_blocks, n_blocks;
};

// Enough blocks for every thread, few enough to keep each block's B panel hot
// in cache. Column blocks start at multiples of n_align. `wide`: B is read
// row-major in place (direct kernels), in pieces as wide as the block, so each
// thread gets one wide column block.
Blocking choose_blocking(int64_t m, int64_t n, int64_t k, int64_t n_align, bool wide = false);

// Runs block(m0, m1, n0, n1) for every block, on the pool when there are several.
template <typename Fn>
void run_blocks(const Blocking& bl, int64_t m, int64_t n, Fn block) {
  auto task = [&](int64_t t) {
    const int64_t mi = t / bl.n_blocks, ni = t % bl.n_blocks;
    const int64_t m0 = mi * bl.m_block, n0 = ni * bl.n_block;
    block(m0, std::min(m, m0 + bl.m_block), n0, std::min(n, n0 + bl.n_block));
  };
  const int64_t tasks = bl.m_blocks * bl.n_blocks;
  if (tasks == 1) {
    task(0);
  } else {
    ThreadPool::global().parallel_for(tasks, task);
  }
}

// The whole of C, on the pool.
void int8_run(const Int8Kernel& kernel, const Int8Problem& p);
void f32_run(const F32Kernel& kernel, const F32Problem& p);
void int8_direct_run(const Int8DirectKernel& kernel, const Int8DirectArgs& args, int64_t m);

}  // namespace qgemm
