#include "probes/probes.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <exception>
#include <thread>
#include <vector>

#include "cpu/cpu_features.h"
#include "gemm/aligned_buffer.h"

namespace qgemm {

extern const Probe kProbeScalarMadd;
#ifdef QGEMM_KERNEL_PROBE_AVX2
extern const Probe kProbeAvx2Madd;
extern const Probe kProbeAvx2Fma;
extern const ReadLoop kReadAvx2;
#endif
#ifdef QGEMM_KERNEL_PROBE_AVX512
extern const Probe kProbeAvx512Vnni;
extern const Probe kProbeAvx512Fma;
extern const ReadLoop kReadAvx512;
#endif
#ifdef QGEMM_KERNEL_PROBE_AVXVNNI
extern const Probe kProbeAvxVnni;
#endif
#ifdef QGEMM_KERNEL_PROBE_AMX
extern const Probe kProbeAmx;
#endif
#ifdef QGEMM_KERNEL_PROBE_NEON
extern const Probe kProbeNeonFma;
#endif
#ifdef QGEMM_KERNEL_PROBE_NEONDOT
extern const Probe kProbeNeonDot;
#endif
#ifdef QGEMM_KERNEL_PROBE_NEONI8MM
extern const Probe kProbeNeonI8mm;
#endif

const std::vector<const Probe*>& probes() {
  static const std::vector<const Probe*> list = {
      &kProbeScalarMadd,
#ifdef QGEMM_KERNEL_PROBE_AVX2
      &kProbeAvx2Madd,   &kProbeAvx2Fma,
#endif
#ifdef QGEMM_KERNEL_PROBE_AVX512
      &kProbeAvx512Vnni, &kProbeAvx512Fma,
#endif
#ifdef QGEMM_KERNEL_PROBE_AVXVNNI
      &kProbeAvxVnni,
#endif
#ifdef QGEMM_KERNEL_PROBE_AMX
      &kProbeAmx,
#endif
#ifdef QGEMM_KERNEL_PROBE_NEON
      &kProbeNeonFma,
#endif
#ifdef QGEMM_KERNEL_PROBE_NEONDOT
      &kProbeNeonDot,
#endif
#ifdef QGEMM_KERNEL_PROBE_NEONI8MM
      &kProbeNeonI8mm,
#endif
  };
  return list;
}

namespace {

using Clock = std::chrono::steady_clock;

// Runs body(t) on `threads` threads released together; returns the seconds
// from the release to the last one's end. Plain threads, not the pool: a probe
// must not depend on the pool's scheduling (or its priority).
template <typename Body>
double timed_on_threads(int threads, Body body) {
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> team;
  for (int t = 1; t < threads; ++t) {
    team.emplace_back([&, t] {
      ready.fetch_add(1);
      while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
      body(t);
    });
  }
  while (ready.load() != threads - 1) std::this_thread::yield();
  const auto t0 = Clock::now();
  go.store(true, std::memory_order_release);
  body(0);
  for (std::thread& th : team) th.join();
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

std::atomic<int64_t> sink{0};

}  // namespace

double probe_ops_per_second(const Probe& probe, int threads, double seconds, int repeats) {
  // Size the loop to about `seconds` on one thread.
  int64_t iterations = 1 << 12;
  for (;;) {
    const auto t0 = Clock::now();
    sink += probe.run(iterations);
    const double dt = std::chrono::duration<double>(Clock::now() - t0).count();
    if (dt > seconds / 4 || iterations > (int64_t{1} << 40)) {
      iterations = static_cast<int64_t>(static_cast<double>(iterations) * seconds / std::max(dt, 1e-9)) + 1;
      break;
    }
    iterations *= 4;
  }
  double best = 0;
  for (int r = 0; r < repeats; ++r) {
    const double dt = timed_on_threads(threads, [&](int) { sink += probe.run(iterations); });
    best = std::max(best, probe.ops_per_iteration * static_cast<double>(iterations) * threads / dt);
  }
  return best;
}

namespace {

uint64_t read_portable(const uint64_t* p, size_t words) {
  uint64_t acc[8] = {};
  for (size_t i = 0; i < words; i += 8) {
    for (int j = 0; j < 8; ++j) acc[j] ^= p[i + j];
  }
  uint64_t s = 0;
  for (uint64_t x : acc) s ^= x;
  return s;
}

const ReadLoop kReadPortable = {0, read_portable};

// The widest read loop this CPU runs.
const ReadLoop& read_loop() {
  static const ReadLoop* const loops[] = {
#ifdef QGEMM_KERNEL_PROBE_AVX512
      &kReadAvx512,
#endif
#ifdef QGEMM_KERNEL_PROBE_AVX2
      &kReadAvx2,
#endif
      &kReadPortable,
  };
  for (const ReadLoop* l : loops) {
    if ((l->requires & ~cpu_features().set) == 0) return *l;
  }
  return kReadPortable;
}

}  // namespace

double read_bytes_per_second(int threads, size_t bytes, int repeats) {
  const size_t words = bytes / sizeof(uint64_t) / threads / 64 * 64;
  AlignedBuffer buffer(words * threads * sizeof(uint64_t));
  if (buffer.data() == nullptr) return 0;
  uint64_t* data = reinterpret_cast<uint64_t*>(buffer.data());
  // Touch every page from the thread that will read it.
  timed_on_threads(threads, [&](int t) {
    for (size_t i = 0; i < words; ++i) data[t * words + i] = i;
  });
  double best = 0;
  for (int r = 0; r < repeats; ++r) {
    const ReadLoop& loop = read_loop();
    const double dt = timed_on_threads(threads, [&](int t) {
      sink += static_cast<int64_t>(loop.read(data + t * words, words));
    });
    best = std::max(best, static_cast<double>(words * threads * sizeof(uint64_t)) / dt);
  }
  return best;
}

namespace {

// Touches rows ids[0..n) of a table (one load per 64-byte line the row
// spans, its last byte included), asking for row ids[i + ahead] first.
uint64_t read_rows(const uint8_t* table, size_t row_bytes, const uint32_t* ids, size_t n, size_t ahead) {
  uint64_t acc = 0;
  for (size_t i = 0; i < n; ++i) {
    if (i + ahead < n) {
      const uint8_t* next = table + static_cast<size_t>(ids[i + ahead]) * row_bytes;
      for (size_t b = 0; b < row_bytes; b += 64) __builtin_prefetch(next + b);
      __builtin_prefetch(next + row_bytes - 1);
    }
    const uint8_t* row = table + static_cast<size_t>(ids[i]) * row_bytes;
    for (size_t b = 0; b < row_bytes; b += 64) acc += row[b];
    acc += row[row_bytes - 1];
  }
  return acc;
}

}  // namespace

double random_row_bytes_per_second(int threads, size_t bytes, size_t row_bytes, int repeats) {
  const size_t rows = bytes / row_bytes;
  AlignedBuffer buffer(rows * row_bytes);
  if (rows == 0 || buffer.data() == nullptr) return 0;
  uint8_t* table = buffer.data();
  for (size_t i = 0; i < rows * row_bytes; i += 4096) table[i] = static_cast<uint8_t>(i >> 12);
  constexpr size_t kReads = size_t{1} << 18;  // per thread, far more rows than the caches hold
  std::vector<uint32_t> ids;
  try {
    ids.resize(kReads * threads);
  } catch (const std::exception&) {
    return 0;
  }
  uint64_t x = 0x9E3779B97F4A7C15ull;
  for (uint32_t& id : ids) {  // xorshift64: uniformly random rows, no reuse to speak of
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    id = static_cast<uint32_t>(x % rows);
  }
  double best = 0;
  // The prefetch distance that serves this machine best is part of the limit.
  for (const size_t ahead : {8, 16, 32, 64}) {
    for (int r = 0; r < repeats; ++r) {
      const double dt = timed_on_threads(threads, [&](int t) {
        sink += static_cast<int64_t>(read_rows(table, row_bytes, ids.data() + t * kReads, kReads, ahead));
      });
      best = std::max(best, static_cast<double>(kReads * threads * row_bytes) / dt);
    }
  }
  return best;
}

// The portable floor: one int32 multiply-add chain per lane of 8 independent chains.
namespace {
int64_t scalar_madd(int64_t iterations) {
  uint32_t acc[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  uint32_t x = 3;
  for (int64_t i = 0; i < iterations; ++i) {
    __asm__ volatile("" : "+r"(x));
    for (uint32_t& a : acc) a = a * x + 1;  // kept scalar by the dependence through x
  }
  int64_t s = 0;
  for (uint32_t a : acc) s += a;
  return s;
}
}  // namespace

extern const Probe kProbeScalarMadd = {"scalar_madd", "imul + add (int32, 8 chains)", 0, 16, scalar_madd};

}  // namespace qgemm
