#include "gemm/kernels/driver.h"

#include <cstdlib>
#include <numeric>
#include <cstring>

#include "gemm/aligned_buffer.h"

namespace qgemm {

namespace {

// Below this many multiply-adds a second thread costs more than it saves.
constexpr int64_t kMinMacsPerThread = 1 << 18;

// Packed A of a few rows spans the whole depth when it fits here, so B
// streams through once in long runs.
constexpr size_t kFewRowsScratchBytes = 128 * 1024;

int64_t round_up(int64_t x, int64_t to) { return (x + to - 1) / to * to; }

// The calling thread's packed-A buffer. Bounded (mc * kc * a_bytes of a
// kernel, or kFewRowsScratchBytes), so failing to get it means the process
// is out of memory for good.
uint8_t* a_scratch(size_t bytes) {
  thread_local AlignedBuffer buffer;
  if (buffer.size() < bytes && !buffer.reset(bytes)) std::abort();
  return buffer.data();
}

template <typename TC>
void zero_block(TC* c, int64_t ldc, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
  for (int64_t i = m0; i < m1; ++i) std::memset(c + i * ldc + n0, 0, static_cast<size_t>(n1 - n0) * sizeof(TC));
}

}  // namespace

void int8_block(const Int8Kernel& kn, const Int8Problem& p, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
  if (m0 >= m1 || n0 >= n1) return;
  if (p.k == 0) return zero_block(p.c, p.ldc, m0, m1, n0, n1);
  const PackLayout& layout = *kn.layout;
  const int64_t kp = layout.padded_k(p.k);
  const int64_t panel_bytes = static_cast<int64_t>(layout.panel_bytes(p.k));
  const int64_t rows = m1 - m0;
  // Depth blocks are multiples of both the layout's k padding and A's.
  const int64_t k_step = std::lcm<int64_t>(layout.k_pad, kn.a_k_pad);
  // Few rows: one row block and the longest depth block that fits the scratch.
  const bool few = rows <= kMaxDirectRows;
  const int64_t mc = few ? rows : kn.mc;
  const int64_t mc_pad = round_up(mc, kn.mr);
  const int64_t kc_few = static_cast<int64_t>(kFewRowsScratchBytes) / (mc_pad * kn.a_bytes) / k_step * k_step;
  const int64_t kc = std::min(kp, few ? std::max(kc_few, k_step) : round_up(kn.kc, k_step));
  uint8_t* scratch = a_scratch(static_cast<size_t>(mc_pad * round_up(kc, kn.a_k_pad) * kn.a_bytes));
  const int32_t* c_init = p.c_init;

  if (kn.begin != nullptr) kn.begin();
  for (int64_t pc = 0; pc < kp; pc += kc) {
    const int64_t kcl = std::min(kc, kp - pc);
    const int64_t kca = round_up(kcl, kn.a_k_pad);  // packed A's depth (zero past kcl)
    const int64_t a_panel = kn.mr * kca * kn.a_bytes;
    for (int64_t ic = m0; ic < m1; ic += mc) {
      const int64_t mrows = std::min(mc, m1 - ic);
      for (int64_t ir = 0; ir < mrows; ir += kn.mr) {
        const int r = static_cast<int>(std::min<int64_t>(kn.mr, mrows - ir));
        kn.pack_a(p.a + (ic + ir) * p.lda, p.lda, p.a_unsigned, r, pc, kca, p.k, scratch + ir / kn.mr * a_panel);
      }
      for (int64_t j0 = n0; j0 < n1; j0 += kn.nr) {
        MicroArgs<int32_t> args;
        args.lda = 0;
        args.b = p.packed_b + layout.offset(p.k, j0, pc);
        args.b_panel_bytes = panel_bytes;
        args.kc = kcl;
        args.ldc = p.ldc;
        args.cols = static_cast<int>(std::min<int64_t>(kn.nr, n1 - j0));
        args.a_unsigned = p.a_unsigned;
        args.accumulate = pc > 0;
        args.c_init = c_init != nullptr ? c_init + j0 : nullptr;
        for (int64_t ir = 0; ir < mrows; ir += kn.mr) {
          args.a = scratch + ir / kn.mr * a_panel;
          args.c = p.c + (ic + ir) * p.ldc + j0;
          args.rows = static_cast<int>(std::min<int64_t>(kn.mr, mrows - ir));
          kn.micro(args);
        }
      }
    }
  }
  if (kn.end != nullptr) kn.end();
}

void int8_slab_block(const Int8Kernel& kn, const Int8DirectArgs& g, const int32_t* c_init, int64_t m0, int64_t m1,
                     int64_t n0, int64_t n1) {
  if (m0 >= m1 || n0 >= n1) return;
  if (g.k == 0) return zero_block(g.c, g.ldc, m0, m1, n0, n1);
  const PackLayout& layout = *kn.layout;
  // 256 k x 128 columns of int8: a 32 KiB slab, packed once and read by every micro-panel of A.
  const int64_t k_step = std::lcm<int64_t>(layout.k_pad, kn.a_k_pad);
  const int64_t kc = round_up(256, k_step);
  const int64_t nc = std::max<int64_t>(round_up(kn.nr, layout.panel), 128 / layout.panel * layout.panel);
  const int64_t rows = m1 - m0, rows_pad = round_up(rows, kn.mr);
  thread_local AlignedBuffer slab_buffer;
  const size_t slab_bytes = layout.bytes(kc, nc);
  if (slab_buffer.size() < slab_bytes && !slab_buffer.reset(slab_bytes)) std::abort();  // 32 KiB per thread
  uint8_t* slab = slab_buffer.data();
  uint8_t* a_packed = a_scratch(static_cast<size_t>(rows_pad * kc * kn.a_bytes));
  if (kn.begin != nullptr) kn.begin();
  for (int64_t pc = 0; pc < g.k; pc += kc) {
    const int64_t kcl = std::min(kc, g.k - pc);             // k of B in this slab
    const int64_t kcp = layout.padded_k(kcl);               // as packed (zero rows after kcl)
    const int64_t kca = round_up(kcp, kn.a_k_pad);          // packed A's depth
    const int64_t a_panel = kn.mr * kca * kn.a_bytes;
    for (int64_t ir = 0; ir < rows; ir += kn.mr) {
      const int r = static_cast<int>(std::min<int64_t>(kn.mr, rows - ir));
      kn.pack_a(g.a + (m0 + ir) * g.lda, g.lda, g.a_unsigned, r, pc, kca, g.k, a_packed + ir / kn.mr * a_panel);
    }
    for (int64_t jc = n0; jc < n1; jc += nc) {
      const int64_t ncl = std::min(nc, n1 - jc);
      const int8_t* src = g.b_transposed ? g.b + jc * g.k + pc : g.b + pc * g.n + jc;
      layout.pack(src, g.b_transposed, g.b_transposed ? g.k : g.n, kcl, ncl, slab);
      MicroArgs<int32_t> args;
      args.lda = 0;
      args.b_panel_bytes = static_cast<int64_t>(layout.panel_bytes(kcl));
      args.kc = kcp;
      args.ldc = g.ldc;
      args.a_unsigned = g.a_unsigned;
      args.accumulate = pc > 0;
      for (int64_t j0 = 0; j0 < ncl; j0 += kn.nr) {
        args.b = slab + j0 / layout.panel * args.b_panel_bytes;
        args.cols = static_cast<int>(std::min<int64_t>(kn.nr, ncl - j0));
        args.c_init = c_init != nullptr ? c_init + jc + j0 : nullptr;
        for (int64_t ir = 0; ir < rows; ir += kn.mr) {
          args.a = a_packed + ir / kn.mr * a_panel;
          args.c = g.c + (m0 + ir) * g.ldc + jc + j0;
          args.rows = static_cast<int>(std::min<int64_t>(kn.mr, rows - ir));
          kn.micro(args);
        }
      }
    }
  }
  if (kn.end != nullptr) kn.end();
}

void f32_block(const F32Kernel& kn, const F32Problem& p, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
  if (m0 >= m1 || n0 >= n1) return;
  if (p.k == 0) return zero_block(p.c, p.ldc, m0, m1, n0, n1);
  const PackLayout& layout = *kn.layout;
  const int64_t panel_bytes = static_cast<int64_t>(layout.panel_bytes(p.k));
  // Few rows: one depth block, so B streams through once. Otherwise depth
  // blocks of equal size, at most the kernel's kc (1536 runs as 2 x 768, not
  // 1024 + 512: every pass over C costs the same).
  const int64_t k_blocks = (p.k + kn.kc - 1) / kn.kc;
  const int64_t kc = m1 - m0 <= kMaxDirectRows ? p.k : (p.k + k_blocks - 1) / k_blocks;
  for (int64_t pc = 0; pc < p.k; pc += kc) {
    const int64_t kcl = std::min(kc, p.k - pc);
    for (int64_t ic = m0; ic < m1; ic += kn.mc) {
      const int64_t mrows = std::min(kn.mc, m1 - ic);
      for (int64_t j0 = n0; j0 < n1; j0 += kn.nr) {
        MicroArgs<float> args;
        args.lda = p.lda;
        args.b = p.packed_b + layout.offset(p.k, j0, pc);
        args.b_panel_bytes = panel_bytes;
        args.kc = kcl;
        args.ldc = p.ldc;
        args.cols = static_cast<int>(std::min<int64_t>(kn.nr, n1 - j0));
        args.a_unsigned = false;
        args.accumulate = pc > 0;
        args.c_init = nullptr;
        for (int64_t ir = 0; ir < mrows; ir += kn.mr) {
          args.a = reinterpret_cast<const uint8_t*>(p.a + (ic + ir) * p.lda + pc);
          args.c = p.c + (ic + ir) * p.ldc + j0;
          args.rows = static_cast<int>(std::min<int64_t>(kn.mr, mrows - ir));
          kn.micro(args);
        }
      }
    }
  }
}

Blocking choose_blocking(int64_t m, int64_t n, int64_t k, int64_t n_align, bool wide) {
  const int64_t macs = m * n * std::max<int64_t>(k, 1);
  const int64_t threads = std::max<int64_t>(
      1, std::min<int64_t>(ThreadPool::global().num_threads(), macs / kMinMacsPerThread));
  Blocking b;
  if (wide) {
    b.m_block = m;
    b.m_blocks = 1;
    b.n_block = std::max(n_align, round_up((n + threads - 1) / threads, n_align));
    b.n_blocks = (n + b.n_block - 1) / b.n_block;
    return b;
  }
  // A short depth (a weight gradient: K = batch) makes each block's C the
  // cost: blocks span up to 2048 columns so C is written in long runs and A
  // packed once per row block (2048 x 2048 x 128 with float32 out at 2
  // threads on Zen 5: 3.4 -> 2.1 ms; with 256 columns 2 threads ran slower
  // than 1).
  b.m_block = std::min<int64_t>(m, 64);
  b.n_block = std::max<int64_t>(n_align, (k <= 256 ? 2048 : 256) / n_align * n_align);
  b.m_blocks = (m + b.m_block - 1) / b.m_block;
  b.n_blocks = (n + b.n_block - 1) / b.n_block;
  // Too few blocks for the threads: cut columns finer, then rows.
  while (b.m_blocks * b.n_blocks < threads * 4 && b.n_block > n_align) {
    b.n_block = std::max(n_align, round_up(b.n_block / 2, n_align));
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

void int8_run(const Int8Kernel& kernel, const Int8Problem& p) {
  run_blocks(choose_blocking(p.m, p.n, p.k, kernel.layout->panel), p.m, p.n,
             [&](int64_t m0, int64_t m1, int64_t n0, int64_t n1) { int8_block(kernel, p, m0, m1, n0, n1); });
}

void f32_run(const F32Kernel& kernel, const F32Problem& p) {
  // Column blocks of whole tiles: a block ending in a 16-wide tile of an
  // 8 x 48 kernel would run its narrowest micro-tile once per row strip.
  run_blocks(choose_blocking(p.m, p.n, p.k, kernel.nr), p.m, p.n,
             [&](int64_t m0, int64_t m1, int64_t n0, int64_t n1) { f32_block(kernel, p, m0, m1, n0, n1); });
}

void int8_direct_run(const Int8DirectKernel& kernel, const Int8DirectArgs& args, int64_t m) {
  run_blocks(choose_blocking(m, args.n, args.k, kernel.n_align, !args.b_transposed), m, args.n,
             [&](int64_t m0, int64_t m1, int64_t n0, int64_t n1) { kernel.compute(args, m0, m1, n0, n1); });
}

}  // namespace qgemm
