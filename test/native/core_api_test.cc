// The public C++ API without Node: bounds arithmetic, descriptor validation,
// the ISA cap, and gemm() against the reference on every backend compiled in.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <random>
#include <vector>

#include "cpu/cpu_features.h"
#include "gemm/bounds.h"
#include "gemm/gemm.h"
#include "gemm/kernels/registry.h"
#include "gemm/reference.h"
#include "onednn/onednn_gemm.h"

namespace {

int failures = 0;
#define EXPECT(cond)                                                    \
  do {                                                                  \
    if (!(cond)) {                                                      \
      std::fprintf(stderr, "%s:%d: EXPECT(%s) failed\n", __FILE__, __LINE__, #cond); \
      ++failures;                                                       \
    }                                                                   \
  } while (0)

void test_bounds() {
  int64_t n = 0;
  EXPECT(qgemm::required_elements(3, 4, 5, 20, &n) && n == 60);
  EXPECT(qgemm::required_elements(3, 4, 5, 0, &n) && n == 20);  // broadcast
  EXPECT(qgemm::required_elements(0, 4, 5, 20, &n) && n == 0);
  EXPECT(!qgemm::required_elements(1, -1, 5, 0, &n));
  EXPECT(!qgemm::required_elements(1, int64_t{1} << 40, int64_t{1} << 40, 0, &n));
  EXPECT(!qgemm::required_elements(int64_t{1} << 40, 1, 1, int64_t{1} << 40, &n));
}

void test_validation() {
  int8_t a[4] = {}, b[4] = {};
  int32_t c[4] = {};
  qgemm::GemmDesc d;
  d.m = d.n = d.k = 2;
  d.a = {a, qgemm::DType::kInt8, false, 0};
  d.b = {b, qgemm::DType::kInt8, false, 0};
  d.c = c;
  d.c_type = qgemm::DType::kFloat32;  // int8 GEMM into float32: refused
  EXPECT(qgemm::gemm(d, qgemm::Backend::kBuiltin).code == qgemm::StatusCode::kInvalidArgument);
  d.c_type = qgemm::DType::kInt32;
  d.m = -1;
  EXPECT(qgemm::gemm(d, qgemm::Backend::kBuiltin).code == qgemm::StatusCode::kInvalidArgument);
  d.m = 2;
  d.a.data = nullptr;
  EXPECT(qgemm::gemm(d, qgemm::Backend::kBuiltin).code == qgemm::StatusCode::kInvalidArgument);
}

void test_isa_cap() {
  const qgemm::FeatureSet cpu = qgemm::cpu_features().set;
  qgemm::set_isa_cap(qgemm::Isa::kScalar);
  EXPECT(qgemm::allowed_features() == 0);
  EXPECT(std::string(qgemm::int8_kernel_to_pack().name) == "scalar");
  qgemm::set_isa_cap(qgemm::Isa::kAll);
  EXPECT(qgemm::allowed_features() == cpu);
  // A cap never allows what the CPU lacks (no ladder): an Ice Lake server capped
  // at avx_vnni, which it lacks, keeps only avx2.
  for (int i = 0; i <= static_cast<int>(qgemm::Isa::kAll); ++i) {
    qgemm::set_isa_cap(static_cast<qgemm::Isa>(i));
    EXPECT((qgemm::allowed_features() & ~cpu) == 0);
    EXPECT((qgemm::int8_kernel_to_pack().requires & ~cpu) == 0);
    EXPECT((qgemm::int8_kernel_to_pack().requires & ~qgemm::isa_allows(static_cast<qgemm::Isa>(i))) == 0);
  }
  qgemm::set_isa_cap(qgemm::Isa::kAll);
  EXPECT((qgemm::isa_allows(qgemm::Isa::kAvxVnni) & qgemm::kFeatAvx512Vnni) == 0);
  EXPECT((qgemm::isa_allows(qgemm::Isa::kAvx512Vnni) & qgemm::kFeatAmxInt8) == 0);
  qgemm::Isa parsed;
  EXPECT(qgemm::parse_isa("avx512_vnni", &parsed) && parsed == qgemm::Isa::kAvx512Vnni);
  EXPECT(qgemm::parse_isa("neon_i8mm", &parsed) && parsed == qgemm::Isa::kNeonI8mm);
  EXPECT(!qgemm::parse_isa("sse2", &parsed));
}

// Random full-range int8 products on each backend and ISA level agree with the reference.
void test_against_reference() {
  std::mt19937 rng(1234);
  int cases = 0;
  for (int iter = 0; iter < 40; ++iter) {
    const int64_t m = 1 + rng() % 40, n = 1 + rng() % 40, k = 1 + rng() % 90;
    const bool a_unsigned = rng() % 2, ta = rng() % 2, tb = rng() % 2;
    std::vector<uint8_t> a(m * k);
    std::vector<int8_t> b(k * n);
    for (auto& x : a) x = static_cast<uint8_t>(rng());
    for (auto& x : b) x = static_cast<int8_t>(rng());
    qgemm::GemmDesc d;
    d.m = m, d.n = n, d.k = k;
    d.a = {a.data(), a_unsigned ? qgemm::DType::kUInt8 : qgemm::DType::kInt8, ta, 0};
    d.b = {b.data(), qgemm::DType::kInt8, tb, 0};
    std::vector<int32_t> want(m * n), got(m * n);
    d.c = want.data();
    qgemm::reference_gemm(d);
    d.c = got.data();
    for (int isa = 0; isa <= static_cast<int>(qgemm::Isa::kAll); ++isa) {
      qgemm::set_isa_cap(static_cast<qgemm::Isa>(isa));
      std::fill(got.begin(), got.end(), 0x5a5a5a5a);
      EXPECT(qgemm::gemm(d, qgemm::Backend::kBuiltin).ok());
      EXPECT(got == want);
      ++cases;
    }
    if (qgemm::onednn_compiled()) {
      const qgemm::Status s = qgemm::gemm(d, qgemm::Backend::kOneDnn);
      if (qgemm::onednn_int8_exact()) {
        EXPECT(s.ok() && got == want);
        ++cases;
      } else {
        EXPECT(s.code == qgemm::StatusCode::kInexact);
      }
    }
  }
  qgemm::set_isa_cap(qgemm::Isa::kAll);
  std::printf("core_api_test: %d random products checked\n", cases);
}

}  // namespace

int main() {
  test_bounds();
  test_validation();
  test_isa_cap();
  test_against_reference();
  if (failures != 0) {
    std::fprintf(stderr, "%d failures\n", failures);
    return 1;
  }
  std::puts("core_api_test: all passed");
  return 0;
}
