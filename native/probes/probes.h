// The measured limits the benchmark reports against (instead of a model):
// loops of nothing but a kernel's multiply-add instruction, with enough
// independent accumulators to hide its latency, and a memory-read bandwidth
// probe. One file per ISA (probe_<isa>.cc, compiled with that ISA's flags).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "cpu/isa.h"

namespace qgemm {

struct Probe {
  const char* name;         // e.g. "avx2_madd"
  const char* instruction;  // what the loop runs, for reports
  FeatureSet requires;
  double ops_per_iteration;  // 2 per multiply-add
  // Runs `iterations` iterations; returns a value that depends on every result.
  int64_t (*run)(int64_t iterations);
};

// A read loop for the bandwidth probe: XORs `words` (a multiple of 64) 64-bit
// words, with the widest loads of an ISA.
struct ReadLoop {
  FeatureSet requires;
  uint64_t (*read)(const uint64_t* p, size_t words);
};

// Every probe compiled in (whatever the CPU has).
const std::vector<const Probe*>& probes();

// Runs the probe on `threads` threads at once (one loop each) for about
// `seconds`, best of `repeats`; returns ops per second of all threads.
double probe_ops_per_second(const Probe& probe, int threads, double seconds = 0.05, int repeats = 5);

// Reads a `bytes` buffer (allocated and touched first) with `threads`
// threads, each its own slice; best of `repeats`; bytes per second.
double read_bytes_per_second(int threads, size_t bytes, int repeats = 5);

// Reads uniformly random rows of `row_bytes` from a `bytes` table (rows at
// k * row_bytes, as an embedding table lays them out) on `threads` threads,
// one load per cache line of a row, prefetching 8..64 rows ahead (the best);
// best of `repeats`; row bytes per second. The limit of a lookup of random
// rows, which small rows cannot take from the sequential bandwidth: each
// costs whole cache lines and a miss in flight.
double random_row_bytes_per_second(int threads, size_t bytes, size_t row_bytes, int repeats = 5);

}  // namespace qgemm
