// libFuzzer target: qgemm::gemm (builtin backend) against reference_gemm.
//
// The input picks the shape (each dimension 0..64), A's type, transposes, the
// ISA cap and thread count; the remaining bytes fill A and B (zeros once they
// run out). int8 must match bit for bit, fp32 within a summation-error bound.
// Any mismatch or failed call aborts.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "cpu/cpu_features.h"
#include "fuzz_bytes.h"
#include "gemm/gemm.h"
#include "gemm/reference.h"
#include "threads/thread_pool.h"

using namespace qgemm;

namespace {

using Bytes = FuzzBytes;

[[noreturn]] void fail(const char* what, int64_t m, int64_t n, int64_t k, int64_t i, int64_t j) {
  std::fprintf(stderr, "fuzz_gemm: %s at (%lld,%lld) for m=%lld n=%lld k=%lld\n", what, (long long)i,
               (long long)j, (long long)m, (long long)n, (long long)k);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Bytes in{data, size};
  const int64_t m = in.next() % 65, n = in.next() % 65, k = in.next() % 65;
  const uint8_t flags = in.next();
  const DType a_type = flags % 3 == 0 ? DType::kInt8 : flags % 3 == 1 ? DType::kUInt8 : DType::kFloat32;
  const bool ta = flags & 4, tb = flags & 8;
  set_isa_cap(flags & 16 ? Isa::kAll : Isa::kScalar);
  ThreadPool::global().set_num_threads(flags & 32 ? 2 : 1);
  const bool f32 = a_type == DType::kFloat32;

  // +1: never empty, so no null data pointers.
  std::vector<uint8_t> a8(m * k + 1), b8(k * n + 1);
  std::vector<float> af(m * k + 1), bf(k * n + 1);
  for (auto& x : a8) x = in.next();
  for (auto& x : b8) x = in.next();
  // Small integers keep fp32 products exact; a few bytes add fractions.
  for (size_t i = 0; i < af.size(); ++i) af[i] = static_cast<int8_t>(a8[i]) / (a8[i] & 1 ? 4.0f : 1.0f);
  for (size_t i = 0; i < bf.size(); ++i) bf[i] = static_cast<int8_t>(b8[i]) / (b8[i] & 1 ? 8.0f : 1.0f);

  GemmDesc d;
  d.m = m, d.n = n, d.k = k;
  d.a = Operand{f32 ? static_cast<const void*>(af.data()) : a8.data(), a_type, ta, 0};
  d.b = Operand{f32 ? static_cast<const void*>(bf.data()) : b8.data(), f32 ? DType::kFloat32 : DType::kInt8, tb, 0};
  d.c_type = f32 ? DType::kFloat32 : DType::kInt32;
  std::vector<int32_t> got(m * n + 1, 0x7f7f7f7f), want(m * n + 1, 0);
  d.c = got.data();
  if (!gemm(d, Backend::kBuiltin).ok()) fail("gemm failed", m, n, k, -1, -1);
  d.c = want.data();
  reference_gemm(d);

  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      const int64_t idx = i * n + j;
      if (!f32) {
        if (got[idx] != want[idx]) fail("int8 mismatch", m, n, k, i, j);
        continue;
      }
      float g, w;
      std::memcpy(&g, &got[idx], 4);
      std::memcpy(&w, &want[idx], 4);
      // Every |a*b| <= 128*128, so 2*k*eps*k*16384 bounds both sums' error.
      if (std::fabs(double(g) - double(w)) > 2.0 * (k + 1) * 1.2e-7 * k * 16384.0) {
        fail("fp32 mismatch", m, n, k, i, j);
      }
    }
  }
  if (got[m * n] != 0x7f7f7f7f) fail("wrote past C", m, n, k, m, 0);
  return 0;
}
