// Randomized differential test of qgemm::gemm() against the scalar reference.
//
// Each case runs gemm() under each ISA cap this CPU has (so dispatch picks each
// of its kernels), 1 and 2 threads, B plain and pre-packed, batched and
// broadcast, transposed operands, and zero-point epilogues. int8 results must
// match reference_gemm bit for bit (including wrap-around modulo 2^32 past the
// K limits); fp32 within a summation-error bound. Each kernel on its own,
// through the driver, is isa_test.cc's.
//
// QGEMM_TEST_SEED=<n> replays another seed; QGEMM_TEST_CASES=<n> sets the count.
#include <cfloat>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <vector>

#include "check.h"
#include "cpu/cpu_features.h"
#include "gemm/epilogue.h"
#include "gemm/gemm.h"
#include "gemm/kernels/layouts.h"
#include "gemm/packed_b.h"
#include "gemm/reference.h"
#include "quant/quantize.h"
#include "threads/thread_pool.h"

using namespace qgemm;

namespace {

std::mt19937_64 rng;
int64_t cases_run = 0;

int64_t uniform(int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); }

// Dimensions that stress tails: 1, primes, around multiples of 6, 8, 16, 24.
int64_t pick_dim(int64_t max) {
  static const int64_t kEdge[] = {1, 2, 3, 5, 6, 7, 8, 9, 11, 13, 15, 16, 17, 23, 24, 25, 31, 32, 33, 47, 48,
                                  49, 63, 64, 65, 97, 127, 128, 129, 191, 255, 256, 257, 263, 293, 300};
  if (uniform(0, 2) == 0) return uniform(1, max);
  int64_t d;
  do d = kEdge[uniform(0, sizeof(kEdge) / sizeof(kEdge[0]) - 1)]; while (d > max);
  return d;
}

// Full range, with the extremes over-represented.
int32_t pick_int(int32_t lo, int32_t hi) {
  switch (uniform(0, 7)) {
    case 0: return lo;
    case 1: return hi;
    default: return static_cast<int32_t>(uniform(lo, hi));
  }
}

// The caps that select each ISA this CPU has.
std::vector<Isa> isas_to_test() {
  std::vector<Isa> isas;
  for (int i = 0; i < static_cast<int>(Isa::kAll); ++i) {
    const Isa isa = static_cast<Isa>(i);
    if ((isa_features(isa) & ~cpu_features().set) == 0) isas.push_back(isa);
  }
  return isas;
}

// One problem: operands stored as the flags say, batch items `stride` apart.
template <typename TA, typename TB>
struct Problem {
  int64_t m, n, k, batch = 1;
  bool ta, tb, b_broadcast = false;
  DType a_type;
  std::vector<TA> a;
  std::vector<TB> b;

  GemmDesc desc(void* c) const {
    GemmDesc d;
    d.m = m, d.n = n, d.k = k, d.batch = batch;
    d.a = Operand{a.data(), a_type, ta, m * k};
    d.b = Operand{b.data(), std::is_same<TB, float>::value ? DType::kFloat32 : DType::kInt8, tb,
                  b_broadcast ? 0 : k * n};
    d.c = c;
    d.c_type = std::is_same<TB, float>::value ? DType::kFloat32 : DType::kInt32;
    d.c_batch_stride = m * n;
    return d;
  }

  // Reference result of every batch item.
  template <typename TC>
  std::vector<TC> reference() const {
    std::vector<TC> c(static_cast<size_t>(batch * m * n));
    for (int64_t item = 0; item < batch; ++item) {
      GemmDesc d = desc(c.data() + item * m * n);
      d.batch = 1;
      d.a.data = a.data() + item * m * k;
      d.b.data = b.data() + (b_broadcast ? 0 : item * k * n);
      reference_gemm(d);
    }
    return c;
  }

  // Element (i, p) of an item's A and (p, j) of its B, whatever the storage.
  TA a_at(int64_t i, int64_t p, int64_t item = 0) const {
    return a[item * m * k + (ta ? p * m + i : i * k + p)];
  }
  TB b_at(int64_t p, int64_t j, int64_t item = 0) const {
    return b[(b_broadcast ? 0 : item * k * n) + (tb ? j * k + p : p * n + j)];
  }
};

template <typename TA>
bool same(int32_t x, int32_t y, const Problem<TA, int8_t>&, int64_t, int64_t, int64_t = 0) { return x == y; }

// |fp32 error| of two k-term sums, each within k * eps * sum|a*b|.
bool same(float x, float y, const Problem<float, float>& p, int64_t i, int64_t j, int64_t item = 0) {
  double sum_abs = 0;
  for (int64_t q = 0; q < p.k; ++q) sum_abs += std::fabs(double(p.a_at(i, q, item)) * double(p.b_at(q, j, item)));
  return std::fabs(double(x) - double(y)) <= 2.0 * double(p.k + 1) * FLT_EPSILON * sum_abs;
}

template <typename TA, typename TB, typename TC>
bool compare(const char* what, const Problem<TA, TB>& p, const TC* got, const TC* want, int64_t count,
             int64_t ldc_got) {
  for (int64_t idx = 0; idx < count; ++idx) {
    const int64_t i = idx / p.n % p.m, j = idx % p.n;
    const TC g = got[idx / p.n * ldc_got + j];
    if (!same(g, want[idx], p, i, j, idx / (p.m * p.n))) {
      std::fprintf(stderr,
                   "%s mismatch: m=%" PRId64 " n=%" PRId64 " k=%" PRId64 " batch=%" PRId64
                   " a_type=%s ta=%d tb=%d at item %" PRId64 " (%" PRId64 ",%" PRId64 "): got %.9g want %.9g\n",
                   what, p.m, p.n, p.k, p.batch, dtype_name(p.a_type), p.ta, p.tb, idx / (p.m * p.n), i, j,
                   double(g), double(want[idx]));
      return false;
    }
  }
  return true;
}

// Runs the problem through qgemm::gemm() at every ISA cap and thread count,
// with B passed plain and pre-packed.
template <typename TA, typename TB, typename TC>
void check_through_gemm(const Problem<TA, TB>& p, const std::vector<TC>& want) {
  for (Isa isa : isas_to_test()) {
    set_isa_cap(isa);
    for (int threads : {1, 2}) {
      ThreadPool::global().set_num_threads(threads);
      for (bool prepack : {false, true}) {
        if (prepack && p.batch > 1 && !p.b_broadcast) continue;  // packed B is one matrix
        std::vector<TC> c(want.size(), TC(77));
        GemmDesc d = p.desc(c.data());
        std::unique_ptr<PackedB> packed;
        if (prepack) {
          CHECK(PackedB::create(d.b, p.k, p.n, &packed).ok());
          d.packed_b = packed.get();
        }
        const Status s = gemm(d, Backend::kBuiltin);
        if (!EXPECT(s.ok())) {
          std::fprintf(stderr, "gemm failed: %s\n", s.message.c_str());
          continue;
        }
        char what[96];
        std::snprintf(what, sizeof(what), "gemm(isa cap %s, %d threads%s)", isa_name(isa), threads,
                      prepack ? ", packed B" : "");
        EXPECT(compare(what, p, c.data(), want.data(), static_cast<int64_t>(want.size()), p.n));
        ++cases_run;
      }
    }
  }
  ThreadPool::global().set_num_threads(1);
}

// gemm() with an int32-out epilogue that subtracts zero points (per tensor for
// A, per column for B), against sum_k (a - za) * (b - zb) computed directly:
// exercises the column and row sums of packed and unpacked B.
template <typename TA>
void check_zero_points(const Problem<TA, int8_t>& p) {
  if (p.m * p.n * std::max<int64_t>(p.k, 1) * p.batch > 2000000) return;
  const int32_t za = static_cast<int32_t>(uniform(-300, 300)) | 1;
  std::vector<int32_t> zb(static_cast<size_t>(p.n));
  for (int32_t& z : zb) z = static_cast<int32_t>(uniform(-200, 200));
  std::vector<int32_t> want(static_cast<size_t>(p.batch * p.m * p.n));
  for (int64_t item = 0; item < p.batch; ++item) {
    for (int64_t i = 0; i < p.m; ++i) {
      for (int64_t j = 0; j < p.n; ++j) {
        uint32_t s = 0;
        for (int64_t q = 0; q < p.k; ++q) {
          s += static_cast<uint32_t>(static_cast<int32_t>(p.a_at(i, q, item)) - za) *
               static_cast<uint32_t>(static_cast<int32_t>(p.b_at(q, j, item)) - zb[j]);
        }
        want[(item * p.m + i) * p.n + j] = static_cast<int32_t>(s);
      }
    }
  }
  Epilogue e;
  e.a_zero_point = &za;
  e.b_zero_point = zb.data();
  e.b_zero_point_per_column = true;
  for (Isa isa : isas_to_test()) {
    set_isa_cap(isa);
    for (bool prepack : {false, true}) {
      if (prepack && p.batch > 1 && !p.b_broadcast) continue;
      std::vector<int32_t> c(want.size(), 77);
      GemmDesc d = p.desc(c.data());
      d.epilogue = &e;
      std::unique_ptr<PackedB> packed;
      if (prepack) {
        CHECK(PackedB::create(d.b, p.k, p.n, &packed).ok());
        d.packed_b = packed.get();
      }
      const Status s = gemm(d, Backend::kBuiltin);
      if (!EXPECT(s.ok())) continue;
      char what[96];
      std::snprintf(what, sizeof(what), "zero points (isa cap %s%s)", isa_name(isa), prepack ? ", packed B" : "");
      EXPECT(compare(what, p, c.data(), want.data(), static_cast<int64_t>(want.size()), p.n));
      // int8 out: the int32 tiles of the driver, then quantization.
      Epilogue e8 = e;
      e8.out_type = DType::kInt8;
      e8.y_scale = 4096.0f;
      e8.y_zero_point = 3;
      std::vector<int8_t> c8(want.size(), 77);
      d.epilogue = &e8;
      d.c = c8.data();
      d.c_type = DType::kInt8;
      if (!EXPECT(gemm(d, Backend::kBuiltin).ok())) continue;
      for (size_t idx = 0; idx < want.size(); ++idx) {
        const int32_t q = quantize_value(static_cast<float>(want[idx]), e8.y_scale, e8.y_zero_point, -128, 127);
        if (!EXPECT(c8[idx] == q)) {
          std::fprintf(stderr, "%s, int8 out: m=%" PRId64 " n=%" PRId64 " k=%" PRId64 " element %zu got %d want %d\n",
                       what, p.m, p.n, p.k, idx, c8[idx], q);
          break;
        }
      }
      cases_run += 2;
    }
  }
}

template <typename TA, typename TB>
void shape(Problem<TA, TB>& p, int64_t m, int64_t n, int64_t k) {
  p.m = m, p.n = n, p.k = k;
  p.ta = uniform(0, 1), p.tb = uniform(0, 1);
  p.batch = uniform(0, 5) == 0 ? 2 : 1;
  p.b_broadcast = p.batch > 1 && uniform(0, 1);
  p.a.resize(static_cast<size_t>(p.batch * m * k));
  p.b.resize(static_cast<size_t>((p.b_broadcast ? 1 : p.batch) * k * n));
  // Non-null even when empty: the scalar pack_b memcpy()s from B, and
  // memcpy(dst, nullptr, 0) is undefined behaviour that UBSan reports.
  p.a.reserve(1);
  p.b.reserve(1);
}

// Int8 problem; `fill` gives A and B values (random by default).
template <typename TA>
void int8_case(int64_t m, int64_t n, int64_t k, int a_fill = 1000, int b_fill = 1000) {
  Problem<TA, int8_t> p;
  shape(p, m, n, k);
  p.a_type = std::is_same<TA, uint8_t>::value ? DType::kUInt8 : DType::kInt8;
  const int32_t lo = std::is_same<TA, uint8_t>::value ? 0 : -128, hi = std::is_same<TA, uint8_t>::value ? 255 : 127;
  for (TA& x : p.a) x = static_cast<TA>(a_fill == 1000 ? pick_int(lo, hi) : a_fill);
  for (int8_t& x : p.b) x = static_cast<int8_t>(b_fill == 1000 ? pick_int(-128, 127) : b_fill);
  const std::vector<int32_t> want = p.template reference<int32_t>();
  check_through_gemm(p, want);
  check_zero_points(p);
}

void f32_case(int64_t m, int64_t n, int64_t k) {
  Problem<float, float> p;
  shape(p, m, n, k);
  p.a_type = DType::kFloat32;
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  for (float& x : p.a) x = dist(rng);
  for (float& x : p.b) x = dist(rng);
  const std::vector<float> want = p.reference<float>();
  check_through_gemm(p, want);
}

uint64_t env_u64(const char* name, uint64_t fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::strtoull(v, nullptr, 10) : fallback;
}

}  // namespace

// Every layout packs B and B^T of the same matrix to the same bytes, padding
// included (the two paths share no loop: a slip in either shows here).
template <typename T>
void pack_paths_agree(const PackLayout& layout) {
  for (int64_t k : {1, 3, 15, 16, 17, 33, 100}) {
    for (int64_t n : {1, 7, 16, 17, 40, 64, 300}) {
      std::vector<T> b(static_cast<size_t>(k * n)), bt(b.size());
      for (int64_t p = 0; p < k; ++p) {
        for (int64_t j = 0; j < n; ++j) b[p * n + j] = bt[j * k + p] = static_cast<T>((p * 31 + j * 7) % 113 - 50);
      }
      std::vector<uint8_t> plain(layout.bytes(k, n), 0xAA), transposed(layout.bytes(k, n), 0x55);
      layout.pack(b.data(), false, n, k, n, plain.data());
      layout.pack(bt.data(), true, k, k, n, transposed.data());
      EXPECT(plain == transposed);
    }
  }
}

int main() {
  pack_paths_agree<float>(kLayoutF32x16);
  for (const PackLayout* l : {&kLayoutS8Plain16, &kLayoutS8Pairs16, &kLayoutS8Quads16, &kLayoutS8Mmla8}) {
    pack_paths_agree<int8_t>(*l);
  }
  const uint64_t seed = env_u64("QGEMM_TEST_SEED", 20240611);
  const uint64_t cases = env_u64("QGEMM_TEST_CASES", 120);
  rng.seed(seed);
  std::printf("kernels_test: seed %" PRIu64 " (set QGEMM_TEST_SEED to replay), CPU features %s\n", seed,
              feature_names(cpu_features().set).c_str());

  // Edge shapes first: K = 0, K = 1, single rows and columns.
  for (int64_t k : {0, 1, 2, 3}) {
    int8_case<uint8_t>(uniform(1, 20), uniform(1, 40), k);
    int8_case<int8_t>(uniform(1, 20), uniform(1, 40), k);
    f32_case(uniform(1, 20), uniform(1, 40), k);
  }
  int8_case<uint8_t>(1, 1, 1, 255, -128);
  int8_case<int8_t>(1, 300, 299, -128, -128);

  for (uint64_t c = 0; c < cases; ++c) {
    const int64_t m = pick_dim(300), n = pick_dim(300);
    const int64_t k = uniform(0, 15) == 0 ? 0 : pick_dim(300);
    // Keep the slow reference affordable: shrink one side of huge cases.
    const int64_t m_eff = m * n * std::max<int64_t>(k, 1) > 6000000 ? std::max<int64_t>(1, m / 4) : m;
    switch (c % 3) {
      case 0: int8_case<uint8_t>(m_eff, n, k); break;
      case 1: int8_case<int8_t>(m_eff, n, k); break;
      default: f32_case(m_eff, n, k); break;
    }
  }

  // Past the exact-K limits the int32 sums wrap; every kernel must wrap the
  // same way. 20 rows also takes the kernels' many-rows (K-blocked) path.
  int8_case<uint8_t>(3, 37, 70000, 255, -128);
  int8_case<uint8_t>(20, 19, 70001, 255, -128);
  int8_case<int8_t>(20, 17, 140001, -128, -128);
  int8_case<uint8_t>(5, 33, 66001);  // random values, long K

  // Few rows with B unpacked: panel, column-group and k-chunk tails (shifted
  // back so as not to read past B), odd K, and K blocks of the B^T path
  // (16 rows: 1024 k per block) with a final block shorter than 16.
  for (int64_t m : {1, 2, 5, 8, 16}) {
    for (int64_t n : {1, 3, 4, 5, 15, 16, 17, 31, 33, 100}) {
      for (int64_t k : {1, 2, 15, 16, 17, 31, 33, 64, 65}) {
        if (uniform(0, 3) == 0) (uniform(0, 1) ? int8_case<uint8_t>(m, n, k) : int8_case<int8_t>(m, n, k));
      }
    }
  }
  int8_case<uint8_t>(16, 37, 2053);
  int8_case<int8_t>(16, 20, 1024 + 17);
  int8_case<uint8_t>(9, 33, 3001, 255, -128);
  int8_case<uint8_t>(1, 4100, 33);

  // K long enough that the many-rows paths cut it into blocks and add them.
  int8_case<int8_t>(30, 41, 2001);
  int8_case<uint8_t>(50, 23, 1500);
  f32_case(40, 50, 1301);
  f32_case(70, 45, 3001);  // equal depth blocks (3 x 1001 with kc 1024), two row blocks
  f32_case(7, 33, 1100);

  std::printf("kernels_test: %" PRId64 " checks ran\n", cases_run);
  return check::exit_code();
}
