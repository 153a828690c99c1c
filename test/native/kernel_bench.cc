// Times one kernel through the driver on one thread (or the pool), packed B,
// best and median of repeated runs: for tuning a microkernel's tile and
// blocking without the JS layers. Not a test; built with the native tests.
//
//   kernel_bench <kernel> <M>x<N>x<K> [threads] [uint8|int8]
//   kernel_bench probes [threads]          the instruction and bandwidth probes
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "gemm/aligned_buffer.h"
#include "gemm/kernels/driver.h"
#include "cpu/cpu_features.h"
#include "gemm/kernels/registry.h"
#include "probes/probes.h"
#include "threads/thread_pool.h"

using namespace qgemm;

int probes_main(int threads) {
  for (const Probe* p : probes()) {
    if ((p->requires & ~cpu_features().set) != 0) continue;
    std::printf("probe %-12s %-45s %d thr: %.1f GOPS\n", p->name, p->instruction, threads,
                probe_ops_per_second(*p, threads) / 1e9);
  }
  std::printf("probe read bandwidth %d thr: %.1f GB/s\n", threads, read_bytes_per_second(threads, 256u << 20) / 1e9);
  return 0;
}

int main(int argc, char** argv) {
  if (argc >= 2 && std::strcmp(argv[1], "probes") == 0) return probes_main(argc > 2 ? std::atoi(argv[2]) : 1);
  if (argc < 3) {
    std::fprintf(stderr, "usage: kernel_bench <kernel> <M>x<N>x<K> [threads] [uint8|int8]\n");
    return 2;
  }
  // The kernels run here without the registry: ask for AMX tile permission
  // (and read the CPU) first, as dispatch does, or AMX faults.
  (void)cpu_features();
  const std::string name = argv[1];
  long long m, n, k;
  if (std::sscanf(argv[2], "%lldx%lldx%lld", &m, &n, &k) != 3) return 2;
  const int threads = argc > 3 ? std::atoi(argv[3]) : 1;
  const bool a_unsigned = argc <= 4 || std::strcmp(argv[4], "int8") != 0;
  ThreadPool::global().set_num_threads(threads);
  std::vector<uint8_t> a(m * k);
  std::vector<int8_t> b(k * n);
  for (size_t i = 0; i < a.size(); ++i) a[i] = static_cast<uint8_t>(i * 7);
  for (size_t i = 0; i < b.size(); ++i) b[i] = static_cast<int8_t>(i * 13);
  std::vector<float> af(a.begin(), a.end()), bf(b.begin(), b.end());
  for (const Int8Kernel* kn : int8_kernels()) {
    if (name != kn->name) continue;
    AlignedBuffer packed(kn->layout->bytes(k, n));
    kn->layout->pack(b.data(), false, n, k, n, packed.data());
    std::vector<int32_t> c(m * n), comp(n, 0);
    const int32_t shift = a_unsigned ? kn->shift_uint8 : kn->shift_int8;
    const Int8Problem p{a.data(), k, a_unsigned, packed.data(), shift ? comp.data() : nullptr, m, n, k, c.data(), n};
    std::vector<double> ts;
    double total = 0;
    while (ts.size() < 5 || total < 1.0) {
      const auto t0 = std::chrono::steady_clock::now();
      int8_run(*kn, p);
      const double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      ts.push_back(dt);
      total += dt;
    }
    std::sort(ts.begin(), ts.end());
    const double ops = 2.0 * m * n * k;
    std::printf("%s int8 %lldx%lldx%lld %d thr: best %.1f GOPS, median %.1f GOPS (%zu runs)\n", kn->name, m, n, k,
                threads, ops / ts.front() / 1e9, ops / ts[ts.size() / 2] / 1e9, ts.size());
  }
  for (const F32Kernel* kn : f32_kernels()) {
    if (name != kn->name) continue;
    AlignedBuffer packed(kn->layout->bytes(k, n));
    kn->layout->pack(bf.data(), false, n, k, n, packed.data());
    std::vector<float> c(m * n);
    const F32Problem p{af.data(), k, packed.data(), m, n, k, c.data(), n};
    std::vector<double> ts;
    double total = 0;
    while (ts.size() < 5 || total < 1.0) {
      const auto t0 = std::chrono::steady_clock::now();
      f32_run(*kn, p);
      const double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      ts.push_back(dt);
      total += dt;
    }
    std::sort(ts.begin(), ts.end());
    const double ops = 2.0 * m * n * k;
    std::printf("%s f32 %lldx%lldx%lld %d thr: best %.1f GFLOPS, median %.1f GFLOPS (%zu runs)\n", kn->name, m, n, k,
                threads, ops / ts.front() / 1e9, ops / ts[ts.size() / 2] / 1e9, ts.size());
  }
  return 0;
}
