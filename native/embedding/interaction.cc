#include "embedding/interaction.h"

#include <algorithm>
#include <cstring>

#include "threads/thread_pool.h"

namespace qgemm {

namespace {

// 16 interleaved partial sums: independent chains the compiler keeps in
// vector registers (and a fixed order, so a fixed result).
float dot(const float* a, const float* b, int64_t dim) {
  constexpr int kLanes = 16;
  float acc[kLanes] = {};
  int64_t j = 0;
  for (; j + kLanes <= dim; j += kLanes) {
    for (int l = 0; l < kLanes; ++l) acc[l] += a[j + l] * b[j + l];
  }
  for (int l = 0; j < dim; ++j, ++l) acc[l] += a[j] * b[j];
  for (int width = kLanes / 2; width > 0; width /= 2) {
    for (int l = 0; l < width; ++l) acc[l] += acc[l + width];
  }
  return acc[0];
}

// y += g * x over dim values.
void axpy(float g, const float* x, int64_t dim, float* y) {
  for (int64_t j = 0; j < dim; ++j) y[j] += g * x[j];
}

// Samples in tasks of at least kMinWork multiply-adds: a pool round trip
// costs a few microseconds.
constexpr int64_t kMinWork = 1 << 15;

template <typename PerSample>
void for_samples(int64_t n, int64_t batch, int64_t dim, PerSample per_sample) {
  const int64_t work = std::max<int64_t>(1, n * n * dim);
  const int64_t chunk = std::max<int64_t>(1, kMinWork / work);
  const int64_t tasks = (batch + chunk - 1) / chunk;
  const auto run = [&](int64_t t) {
    for (int64_t s = t * chunk, e = std::min(batch, s + chunk); s < e; ++s) per_sample(s);
  };
  if (tasks <= 1) {
    if (tasks == 1) run(0);
    return;
  }
  ThreadPool::global().parallel_for(tasks, run);
}

}  // namespace

void dot_interaction(const float* const* vectors, int64_t n, int64_t batch, int64_t dim, float* out) {
  const int64_t width = dim + n * (n - 1) / 2;
  for_samples(n, batch, dim, [&](int64_t s) {
    float* row = out + s * width;
    if (n > 0) std::memcpy(row, vectors[0] + s * dim, static_cast<size_t>(dim) * sizeof(float));
    float* p = row + dim;
    for (int64_t i = 1; i < n; ++i) {
      const float* zi = vectors[i] + s * dim;
      for (int64_t j = 0; j < i; ++j) *p++ = dot(zi, vectors[j] + s * dim, dim);
    }
  });
}

void dot_interaction_backward(const float* const* vectors, int64_t n, int64_t batch, int64_t dim, const float* d_out,
                              float* const* d_vectors) {
  const int64_t width = dim + n * (n - 1) / 2;
  for_samples(n, batch, dim, [&](int64_t s) {
    const float* g = d_out + s * width;
    for (int64_t k = 0; k < n; ++k) {
      float* dz = d_vectors[k] + s * dim;
      if (k == 0) {
        std::memcpy(dz, g, static_cast<size_t>(dim) * sizeof(float));
      } else {
        std::memset(dz, 0, static_cast<size_t>(dim) * sizeof(float));
      }
    }
    const float* p = g + dim;
    for (int64_t i = 1; i < n; ++i) {
      const float* zi = vectors[i] + s * dim;
      float* dzi = d_vectors[i] + s * dim;
      for (int64_t j = 0; j < i; ++j, ++p) {
        axpy(*p, vectors[j] + s * dim, dim, dzi);
        axpy(*p, zi, dim, d_vectors[j] + s * dim);
      }
    }
  });
}

}  // namespace qgemm
