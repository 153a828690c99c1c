// Portable int8 kernels for every CPU: the packed microkernel and the direct
// (unpacked B) loops. Unsigned arithmetic wraps modulo 2^32 like the SIMD
// kernels' accumulators.
#include <cstring>

#include "gemm/kernels/kernel.h"
#include "gemm/kernels/layouts.h"
#include "gemm/kernels/pack_a.h"

namespace qgemm {

namespace {

constexpr int kMr = 4, kNr = 16;

void micro(const MicroArgs<int32_t>& g) {
  const int32_t* a = reinterpret_cast<const int32_t*>(g.a);
  const int8_t* b = reinterpret_cast<const int8_t*>(g.b);
  uint32_t acc[kMr][kNr] = {};
  for (int64_t p = 0; p < g.kc; ++p) {
    for (int r = 0; r < g.rows; ++r) {
      const uint32_t av = static_cast<uint32_t>(a[p * g.rows + r]);
      for (int j = 0; j < kNr; ++j) acc[r][j] += av * static_cast<uint32_t>(static_cast<int32_t>(b[p * kNr + j]));
    }
  }
  for (int r = 0; r < g.rows; ++r) {
    uint32_t* c = reinterpret_cast<uint32_t*>(g.c + r * g.ldc);
    for (int j = 0; j < g.cols; ++j) {
      const uint32_t base = g.accumulate ? c[j] : g.c_init != nullptr ? static_cast<uint32_t>(g.c_init[j]) : 0u;
      c[j] = base + acc[r][j];
    }
  }
}

// ---- Direct: B where the caller left it. ----

template <typename TA>
void rows_t(const Int8DirectArgs& g, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
  for (int64_t i = m0; i < m1; ++i) {
    const TA* a = reinterpret_cast<const TA*>(g.a + i * g.lda);
    uint32_t* c = reinterpret_cast<uint32_t*>(g.c + i * g.ldc);
    for (int64_t j = n0; j < n1; ++j) c[j] = 0;
    for (int64_t p = 0; p < g.k; ++p) {
      const uint32_t ap = static_cast<uint32_t>(static_cast<int32_t>(a[p]));
      const int8_t* brow = g.b + p * g.n;
      for (int64_t j = n0; j < n1; ++j) c[j] += ap * static_cast<uint32_t>(static_cast<int32_t>(brow[j]));
    }
  }
}

// B^T ([n][k]): one dot product along k per output.
template <typename TA>
void dots_t(const Int8DirectArgs& g, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
  for (int64_t i = m0; i < m1; ++i) {
    const TA* a = reinterpret_cast<const TA*>(g.a + i * g.lda);
    for (int64_t j = n0; j < n1; ++j) {
      const int8_t* b = g.b + j * g.k;
      uint32_t s = 0;
      for (int64_t p = 0; p < g.k; ++p) {
        s += static_cast<uint32_t>(static_cast<int32_t>(a[p])) * static_cast<uint32_t>(static_cast<int32_t>(b[p]));
      }
      g.c[i * g.ldc + j] = static_cast<int32_t>(s);
    }
  }
}

void direct(const Int8DirectArgs& g, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
  if (g.b_transposed) {
    return g.a_unsigned ? dots_t<uint8_t>(g, m0, m1, n0, n1) : dots_t<int8_t>(g, m0, m1, n0, n1);
  }
  return g.a_unsigned ? rows_t<uint8_t>(g, m0, m1, n0, n1) : rows_t<int8_t>(g, m0, m1, n0, n1);
}

}  // namespace

// name, requires, priority, min_rows, layout, mr, nr, mc, kc, a_bytes, a_k_pad, shifts, pack_a, micro, begin,
// end, probe
extern const Int8Kernel kS8ScalarKernel = {
    "scalar", 0, 0, 0, &kLayoutS8Plain16, kMr, kNr, 64, 256, 4, 1, 0, 0, pack_a_int32, micro, nullptr, nullptr,
    "scalar_madd",
};

extern const Int8DirectKernel kS8ScalarDirectKernel = {"scalar", 0, 0, 1, direct};

}  // namespace qgemm
