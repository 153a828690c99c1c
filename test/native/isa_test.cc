// Differential test of every kernel compiled into this build, each through
// the one driver, against a plain wrapping triple loop.
//
// The same source runs in three builds (scripts/test-isa.sh):
//   native    every kernel the CPU has, as the addon runs them;
//   emulated  x86 kernels for ISAs this CPU may lack: AVX-512 VNNI and
//             AVX-VNNI compiled against SIMDe, AMX against the in-repo
//             emulator (native/gemm/kernels/amx_emulator.h);
//   qemu      the arm64 build under qemu-aarch64 -cpu max (dotprod, i8mm).
// Each kernel prints one line, `isa <name> <mode> <checks> checks exact`, or
// the first mismatch; the exit status is non-zero on any mismatch.
//
// Coverage per kernel: every partial-tile edge (M to 3*mr+1, N to 3*nr+1,
// K to 3*k_group+1, the rest random), random shapes to 300, many-rows
// blocking (M past mc, K past kc), full-range values with the extremes
// frequent, wrap-around past the exact-K limits, int8 and uint8 A, random
// sub-blocks with a check that nothing outside is written, 1 and 2 threads.
//
//   isa_test [--mode native|emulated|qemu] [--only name] [--cases n]
#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "check.h"
#include "cpu/cpu_features.h"
#include "gemm/aligned_buffer.h"
#include "gemm/kernels/driver.h"
#include "gemm/kernels/registry.h"
#include "threads/thread_pool.h"

using namespace qgemm;

namespace {

std::mt19937_64 rng(20261201);
int64_t uniform(int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); }

// Full range, with the extremes (which break saturating instructions) over-represented.
int32_t pick(int32_t lo, int32_t hi) {
  switch (uniform(0, 5)) {
    case 0: return lo;
    case 1: return hi;
    default: return static_cast<int32_t>(uniform(lo, hi));
  }
}

struct Shape {
  int64_t m, n, k;
};

// A (m x k, lda >= k), B (k x n row-major, and its transpose), C's reference.
struct Int8Case {
  Shape s;
  bool a_unsigned;
  int64_t lda;
  std::vector<uint8_t> a;
  std::vector<int8_t> b, bt;
  std::vector<int32_t> want;
};

Int8Case make_int8(Shape s, bool a_unsigned, int fill = 0) {
  Int8Case c{s, a_unsigned, s.k + uniform(0, 3), {}, {}, {}, {}};
  c.a.assign(static_cast<size_t>(s.m * c.lda + 1), 0);
  c.b.resize(static_cast<size_t>(s.k * s.n + 1));
  c.bt.resize(c.b.size());
  for (int64_t i = 0; i < s.m; ++i) {
    for (int64_t p = 0; p < s.k; ++p) {
      const int32_t v = fill != 0 ? (a_unsigned ? 255 : -128) : a_unsigned ? pick(0, 255) : pick(-128, 127);
      c.a[i * c.lda + p] = static_cast<uint8_t>(v);
    }
  }
  for (int64_t p = 0; p < s.k; ++p) {
    for (int64_t j = 0; j < s.n; ++j) {
      const int8_t v = static_cast<int8_t>(fill != 0 ? -128 : pick(-128, 127));
      c.b[p * s.n + j] = v;
      c.bt[j * s.k + p] = v;
    }
  }
  c.want.assign(static_cast<size_t>(s.m * s.n), 0);
  for (int64_t i = 0; i < s.m; ++i) {
    for (int64_t j = 0; j < s.n; ++j) {
      uint32_t acc = 0;
      for (int64_t p = 0; p < s.k; ++p) {
        const uint8_t av = c.a[i * c.lda + p];
        const int32_t x = a_unsigned ? av : static_cast<int8_t>(av);
        acc += static_cast<uint32_t>(x) * static_cast<uint32_t>(static_cast<int32_t>(c.b[p * s.n + j]));
      }
      c.want[i * s.n + j] = static_cast<int32_t>(acc);
    }
  }
  return c;
}

struct Block {
  int64_t m0, m1, n0, n1;
};

Block random_block(const Shape& s, int64_t n_align) {
  if (uniform(0, 2) == 0) return Block{0, s.m, 0, s.n};
  Block b;
  b.m0 = uniform(0, s.m - 1);
  b.m1 = uniform(b.m0 + 1, s.m);
  b.n0 = uniform(0, (s.n - 1) / n_align) * n_align;
  b.n1 = uniform(b.n0 + 1, s.n);
  return b;
}

// C (ldc >= n) filled with a sentinel, `run` writes block bl; every element
// inside must equal the reference, every element outside the sentinel.
template <typename TC, typename Want, typename Run>
bool check_block(const std::string& what, const Shape& s, const Block& bl, const Want& want, Run run) {
  const int64_t ldc = s.n + uniform(0, 3);
  const TC sentinel = TC(-12345);
  std::vector<TC> c(static_cast<size_t>(s.m * ldc), sentinel);
  run(c.data(), ldc);
  for (int64_t i = 0; i < s.m; ++i) {
    for (int64_t j = 0; j < ldc; ++j) {
      const bool inside = i >= bl.m0 && i < bl.m1 && j >= bl.n0 && j < bl.n1;
      const TC got = c[i * ldc + j];
      const bool ok = inside ? want(i, j, got) : got == sentinel;
      if (!ok) {
        std::fprintf(stderr,
                     "%s: m=%" PRId64 " n=%" PRId64 " k=%" PRId64 " block [%" PRId64 ",%" PRId64 ")x[%" PRId64
                     ",%" PRId64 "): %s (%" PRId64 ",%" PRId64 "), got %.9g\n",
                     what.c_str(), s.m, s.n, s.k, bl.m0, bl.m1, bl.n0, bl.n1,
                     inside ? "wrong value at" : "wrote outside the block at", i, j, double(got));
        return false;
      }
    }
  }
  return true;
}

std::string describe(const char* kernel, const Int8Case& c, const char* how) {
  return std::string(kernel) + " (" + how + ", " + (c.a_unsigned ? "uint8" : "int8") + " A)";
}

// One packed kernel on one case: a random block on this thread, then the whole
// of C on the pool.
bool run_packed(const Int8Kernel& kn, const Int8Case& c) {
  const Shape& s = c.s;
  AlignedBuffer packed(kn.layout->bytes(s.k, s.n));
  CHECK(packed.data() != nullptr);
  if (s.k > 0) kn.layout->pack(c.b.data(), false, s.n, s.k, s.n, packed.data());
  AlignedBuffer packed_t(kn.layout->bytes(s.k, s.n));  // the same bytes from B^T
  CHECK(packed_t.data() != nullptr);
  if (s.k > 0) {
    kn.layout->pack(c.bt.data(), true, s.k, s.k, s.n, packed_t.data());
    if (std::memcmp(packed.data(), packed_t.data(), packed.size()) != 0) {
      std::fprintf(stderr, "%s: layout %s packs B and B^T differently (k=%" PRId64 " n=%" PRId64 ")\n", kn.name,
                   kn.layout->name, s.k, s.n);
      return false;
    }
  }
  const int32_t shift = c.a_unsigned ? kn.shift_uint8 : kn.shift_int8;
  std::vector<int32_t> comp(static_cast<size_t>(s.n) + 1, 0);
  for (int64_t j = 0; j < s.n; ++j) {
    uint32_t sum = 0;
    for (int64_t p = 0; p < s.k; ++p) sum += static_cast<uint32_t>(static_cast<int32_t>(c.b[p * s.n + j]));
    comp[j] = static_cast<int32_t>(0u - static_cast<uint32_t>(shift) * sum);
  }
  const auto want = [&](int64_t i, int64_t j, int32_t got) { return got == c.want[i * s.n + j]; };
  Int8Problem p{c.a.data(), c.lda, c.a_unsigned, packed.data(), shift != 0 ? comp.data() : nullptr,
                s.m, s.n, s.k, nullptr, 0};
  const Block bl = random_block(s, kn.layout->panel);
  bool ok = check_block<int32_t>(describe(kn.name, c, "block"), s, bl, want, [&](int32_t* out, int64_t ldc) {
    p.c = out;
    p.ldc = ldc;
    int8_block(kn, p, bl.m0, bl.m1, bl.n0, bl.n1);
  });
  const int threads = static_cast<int>(uniform(1, 2));
  ThreadPool::global().set_num_threads(threads);
  ok = ok && check_block<int32_t>(describe(kn.name, c, threads == 1 ? "1 thread" : "2 threads"), s,
                                  Block{0, s.m, 0, s.n}, want, [&](int32_t* out, int64_t ldc) {
                                    p.c = out;
                                    p.ldc = ldc;
                                    int8_run(kn, p);
                                  });
  return ok;
}

// A few rows through the driver's slab path: B read in place (an allocation of
// exactly k*n bytes, so that ASan sees any read past its end), row-major and
// transposed, packed slab by slab into the kernel's layout.
bool run_slabs(const Int8Kernel& kn, const Int8Case& c) {
  const Shape& s = c.s;
  const int32_t shift = c.a_unsigned ? kn.shift_uint8 : kn.shift_int8;
  std::vector<int32_t> comp(static_cast<size_t>(s.n) + 1, 0);
  for (int64_t j = 0; j < s.n; ++j) {
    uint32_t sum = 0;
    for (int64_t p = 0; p < s.k; ++p) sum += static_cast<uint32_t>(static_cast<int32_t>(c.b[p * s.n + j]));
    comp[j] = static_cast<int32_t>(0u - static_cast<uint32_t>(shift) * sum);
  }
  bool ok = true;
  for (bool transposed : {false, true}) {
    const std::vector<int8_t>& src = transposed ? c.bt : c.b;
    std::vector<int8_t> b(static_cast<size_t>(s.k * s.n));
    std::copy(src.begin(), src.begin() + s.k * s.n, b.begin());
    b.reserve(1);
    const Int8DirectArgs args{c.a.data(), c.lda, c.a_unsigned, b.data(), transposed, s.k, s.n, nullptr, 0};
    const Block bl = random_block(s, kn.layout->panel);
    const auto want = [&](int64_t i, int64_t j, int32_t got) { return got == c.want[i * s.n + j]; };
    ok = ok && check_block<int32_t>(describe(kn.name, c, transposed ? "slabs, B^T" : "slabs"), s, bl, want,
                                    [&](int32_t* out, int64_t ldc) {
                                      Int8DirectArgs a = args;
                                      a.c = out;
                                      a.ldc = ldc;
                                      int8_slab_block(kn, a, shift != 0 ? comp.data() : nullptr, bl.m0, bl.m1, bl.n0,
                                                      bl.n1);
                                    });
  }
  return ok;
}

// A direct kernel reads B where the caller left it: B in an allocation of
// exactly k*n bytes, so that ASan sees any read past its end.
bool run_direct(const Int8DirectKernel& kn, const Int8Case& c) {
  const Shape& s = c.s;
  bool ok = true;
  for (bool transposed : {false, true}) {
    const std::vector<int8_t>& src = transposed ? c.bt : c.b;
    std::vector<int8_t> b(static_cast<size_t>(s.k * s.n));
    std::copy(src.begin(), src.begin() + s.k * s.n, b.begin());
    b.reserve(1);
    const Int8DirectArgs args{c.a.data(), c.lda, c.a_unsigned, b.data(), transposed, s.k, s.n, nullptr, 0};
    const Block bl = random_block(s, kn.n_align);
    const auto want = [&](int64_t i, int64_t j, int32_t got) { return got == c.want[i * s.n + j]; };
    ok = ok && check_block<int32_t>(describe(kn.name, c, transposed ? "direct, B^T" : "direct"), s, bl, want,
                                    [&](int32_t* out, int64_t ldc) {
                                      Int8DirectArgs a = args;
                                      a.c = out;
                                      a.ldc = ldc;
                                      kn.compute(a, bl.m0, bl.m1, bl.n0, bl.n1);
                                    });
  }
  return ok;
}

// float32: small integers and halves keep every product and partial sum exact,
// so any order of summation gives the reference bit for bit.
bool run_f32(const F32Kernel& kn, const Shape& s) {
  const int64_t lda = s.k + uniform(0, 3);
  std::vector<float> a(static_cast<size_t>(s.m * lda + 1)), b(static_cast<size_t>(s.k * s.n + 1));
  for (float& x : a) x = static_cast<float>(uniform(-16, 16)) / 2;
  for (float& x : b) x = static_cast<float>(uniform(-16, 16)) / 2;
  std::vector<float> want(static_cast<size_t>(s.m * s.n), 0.0f);
  for (int64_t i = 0; i < s.m; ++i) {
    for (int64_t j = 0; j < s.n; ++j) {
      double acc = 0;
      for (int64_t p = 0; p < s.k; ++p) acc += double(a[i * lda + p]) * double(b[p * s.n + j]);
      want[i * s.n + j] = static_cast<float>(acc);
    }
  }
  AlignedBuffer packed(kn.layout->bytes(s.k, s.n));
  CHECK(packed.data() != nullptr);
  // Half the cases pack from B^T ([n][k]), the layout's other reader.
  if (s.k > 0 && uniform(0, 1) == 1) {
    std::vector<float> bt(static_cast<size_t>(s.k * s.n));
    for (int64_t p = 0; p < s.k; ++p) {
      for (int64_t j = 0; j < s.n; ++j) bt[j * s.k + p] = b[p * s.n + j];
    }
    kn.layout->pack(bt.data(), true, s.k, s.k, s.n, packed.data());
  } else if (s.k > 0) {
    kn.layout->pack(b.data(), false, s.n, s.k, s.n, packed.data());
  }
  F32Problem p{a.data(), lda, packed.data(), s.m, s.n, s.k, nullptr, 0};
  const Block bl = random_block(s, kn.layout->panel);
  const auto ok_value = [&](int64_t i, int64_t j, float got) { return got == want[i * s.n + j]; };
  ThreadPool::global().set_num_threads(static_cast<int>(uniform(1, 2)));
  return check_block<float>(std::string(kn.name) + " (float32)", s, bl, ok_value, [&](float* out, int64_t ldc) {
    p.c = out;
    p.ldc = ldc;
    if (bl.m0 == 0 && bl.m1 == s.m && bl.n0 == 0 && bl.n1 == s.n) {
      f32_run(kn, p);
    } else {
      f32_block(kn, p, bl.m0, bl.m1, bl.n0, bl.n1);
    }
  });
}

// The shapes every kernel runs: the tile edges of its own mr, nr and k group,
// then random ones, then the blocking and wrap-around cases.
std::vector<Shape> shapes_for(int mr, int nr, int kg, int64_t cases, int64_t max_dim) {
  std::vector<Shape> out;
  const auto dim = [&](int64_t hi) { return uniform(1, hi); };
  for (int64_t m = 1; m <= 3 * mr + 1; ++m) out.push_back({m, dim(3 * nr + 1), dim(3 * kg + 1)});
  for (int64_t n = 1; n <= 3 * nr + 1; ++n) out.push_back({dim(3 * mr + 1), n, dim(3 * kg + 1)});
  for (int64_t k = 0; k <= 3 * kg + 1; ++k) out.push_back({dim(3 * mr + 1), dim(3 * nr + 1), k});
  for (int64_t c = 0; c < cases; ++c) out.push_back({dim(max_dim), dim(max_dim), dim(max_dim)});
  out.push_back({1, 1, 1});
  out.push_back({97, 45, 1500});  // past mc of every kernel, kc of the short-kc ones
  out.push_back({70, 40, 8300});  // past the longest kc (8192) and mc 64
  out.push_back({130, 70, 200});
  out.push_back({17, 100, 300});  // just past the few-rows limit
  return out;
}

struct Options {
  std::string mode = "native";
  std::string only;
  int64_t cases = 40;
  int64_t max_dim = 160;
};

bool selected(const Options& o, const char* name) { return o.only.empty() || o.only == name; }

// Native builds test what this CPU can run; emulated and qemu builds test every
// kernel compiled into them.
bool testable(const Options& o, FeatureSet requires, const char* name) {
  if (o.mode != "native" || (requires & ~cpu_features().set) == 0) return true;
  std::printf("isa %s skipped: this CPU lacks %s (see the emulated build)\n", name,
              feature_names(requires & ~cpu_features().set).c_str());
  return false;
}

void report(const Options& o, const char* name, const char* kind, int64_t checks, bool ok) {
  if (ok) {
    std::printf("isa %s %s %" PRId64 " checks exact (%s)\n", name, o.mode.c_str(), checks, kind);
  } else {
    std::printf("isa %s %s MISMATCH (%s)\n", name, o.mode.c_str(), kind);
  }
  std::fflush(stdout);
}

void test_int8(const Options& o, const Int8Kernel& kn) {
  int64_t checks = 0;
  bool ok = true;
  for (const Shape& s : shapes_for(kn.mr, kn.nr, kn.layout->k_group, o.cases, o.max_dim)) {
    if (!ok) break;
    for (bool a_unsigned : {false, true}) {
      const Int8Case c = make_int8(s, a_unsigned);
      ok = ok && run_packed(kn, c);
      checks += 2;
      if (s.m <= kMaxDirectRows) {
        ok = ok && run_slabs(kn, c);
        checks += 2;
      }
    }
  }
  // Past the exact-K limits the int32 sums wrap; every kernel wraps the same way.
  for (const Shape s : {Shape{3, 37, 70001}, Shape{20, 19, 140001}}) {
    ok = ok && run_packed(kn, make_int8(s, s.k < 100000, /*fill extremes*/ 1));
    checks += 2;
  }
  ok = ok && run_packed(kn, make_int8({5, 33, 66001}, true));
  ok = ok && run_slabs(kn, make_int8({7, 300, 700}, false));  // several slabs each way
  checks += 4;
  report(o, kn.name, "int8", checks, ok);
  EXPECT(ok);
}

void test_direct(const Options& o, const Int8DirectKernel& kn) {
  int64_t checks = 0;
  bool ok = true;
  for (Shape s : shapes_for(kMaxDirectRows, 16, 16, o.cases, o.max_dim)) {
    if (!ok) break;
    s.m = std::min(s.m, kMaxDirectRows);
    for (bool a_unsigned : {false, true}) {
      ok = ok && run_direct(kn, make_int8(s, a_unsigned));
      checks += 2;
    }
  }
  ok = ok && run_direct(kn, make_int8({9, 33, 70001}, true, 1));
  checks += 2;
  report(o, kn.name, "int8 direct", checks, ok);
  EXPECT(ok);
}

void test_f32(const Options& o, const F32Kernel& kn) {
  int64_t checks = 0;
  bool ok = true;
  for (const Shape& s : shapes_for(kn.mr, kn.nr, 1, o.cases, o.max_dim)) {
    if (!ok) break;
    ok = ok && run_f32(kn, s);
    ++checks;
  }
  report(o, kn.name, "float32", checks, ok);
  EXPECT(ok);
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--mode") o.mode = value;
    else if (flag == "--only") o.only = value;
    else if (flag == "--cases") o.cases = std::atoll(value.c_str());
  }
  if (const char* c = std::getenv("QGEMM_ISA_TEST_CASES")) o.cases = std::atoll(c);
  std::printf("isa_test: %s build, CPU features: %s\n", o.mode.c_str(), feature_names(cpu_features().set).c_str());
  for (const Int8Kernel* k : int8_kernels()) {
    if (selected(o, k->name) && testable(o, k->requires, k->name)) test_int8(o, *k);
  }
  for (const Int8DirectKernel* k : int8_direct_kernels()) {
    if (selected(o, k->name) && testable(o, k->requires, k->name)) test_direct(o, *k);
  }
  for (const F32Kernel* k : f32_kernels()) {
    if (selected(o, k->name) && testable(o, k->requires, k->name)) test_f32(o, *k);
  }
  return check::exit_code();
}
