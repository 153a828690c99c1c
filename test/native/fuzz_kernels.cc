// libFuzzer target: every int8 kernel compiled in, through the driver, against
// a plain wrapping triple loop. scripts/fuzz.sh builds it with the emulated
// ISA files (SIMDe, the AMX emulator), so the AVX-512 VNNI, AVX-VNNI and AMX
// kernels are fuzzed on any x86 CPU.
//
// The input picks the kernel, the shape (M to 80, N to 80, K to 160), A's type
// and a block of C; the remaining bytes fill A and B (zeros once they run
// out). Any mismatch, or a write outside the block, aborts.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "cpu/cpu_features.h"
#include "fuzz_bytes.h"
#include "gemm/aligned_buffer.h"
#include "gemm/kernels/driver.h"
#include "gemm/kernels/registry.h"

using namespace qgemm;

namespace {

// Kernels this build can run: the CPU has their features, or they were
// compiled against an emulation (QGEMM_FUZZ_EMULATED lists those features).
#ifndef QGEMM_FUZZ_EMULATED
#define QGEMM_FUZZ_EMULATED 0
#endif
bool can_run(FeatureSet requires) {
  return (requires & ~(cpu_features().set | static_cast<FeatureSet>(QGEMM_FUZZ_EMULATED))) == 0;
}

[[noreturn]] void fail(const char* kernel, const char* what, int64_t m, int64_t n, int64_t k, int64_t i, int64_t j) {
  std::fprintf(stderr, "fuzz_kernels: %s: %s at (%lld,%lld) for m=%lld n=%lld k=%lld\n", kernel, what,
               (long long)i, (long long)j, (long long)m, (long long)n, (long long)k);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzBytes in{data, size};
  std::vector<const Int8Kernel*> kernels;
  for (const Int8Kernel* k : int8_kernels()) {
    if (can_run(k->requires)) kernels.push_back(k);
  }
  const Int8Kernel& kn = *kernels[in.next() % kernels.size()];
  const int64_t m = 1 + in.next() % 80, n = 1 + in.next() % 80, k = in.next() % 161;
  const uint8_t flags = in.next();
  const bool a_unsigned = flags & 1;
  int64_t m0 = in.next() % m, n0 = (in.next() % n) / kn.layout->panel * kn.layout->panel;
  int64_t m1 = m0 + 1 + in.next() % (m - m0), n1 = n0 + 1 + in.next() % (n - n0);
  if (flags & 2) m0 = 0, m1 = m, n0 = 0, n1 = n;

  std::vector<uint8_t> a(m * k + 1);
  std::vector<int8_t> b(k * n + 1);
  for (auto& x : a) x = in.next();
  for (auto& x : b) x = static_cast<int8_t>(in.next());
  AlignedBuffer packed(kn.layout->bytes(k, n));
  if (k > 0) kn.layout->pack(b.data(), false, n, k, n, packed.data());
  const int32_t shift = a_unsigned ? kn.shift_uint8 : kn.shift_int8;
  std::vector<int32_t> comp(n, 0);
  for (int64_t j = 0; j < n; ++j) {
    uint32_t s = 0;
    for (int64_t p = 0; p < k; ++p) s += static_cast<uint32_t>(static_cast<int32_t>(b[p * n + j]));
    comp[j] = static_cast<int32_t>(0u - static_cast<uint32_t>(shift) * s);
  }
  std::vector<int32_t> c(m * n + 1, 0x7f7f7f7f);
  const Int8Problem p{a.data(), k, a_unsigned, packed.data(), shift != 0 ? comp.data() : nullptr, m, n, k, c.data(), n};
  int8_block(kn, p, m0, m1, n0, n1);

  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      const int32_t got = c[i * n + j];
      if (i < m0 || i >= m1 || j < n0 || j >= n1) {
        if (got != 0x7f7f7f7f) fail(kn.name, "wrote outside the block", m, n, k, i, j);
        continue;
      }
      uint32_t want = 0;
      for (int64_t q = 0; q < k; ++q) {
        const int32_t x = a_unsigned ? a[i * k + q] : static_cast<int8_t>(a[i * k + q]);
        want += static_cast<uint32_t>(x) * static_cast<uint32_t>(static_cast<int32_t>(b[q * n + j]));
      }
      if (got != static_cast<int32_t>(want)) fail(kn.name, "mismatch", m, n, k, i, j);
    }
  }
  if (c[m * n] != 0x7f7f7f7f) fail(kn.name, "wrote past C", m, n, k, m, 0);
  return 0;
}
