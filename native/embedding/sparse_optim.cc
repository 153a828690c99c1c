// Fused sparse optimizers over the touched rows, one row per task item: a
// row's update never depends on another's, so rows run in parallel and the
// result does not depend on the thread count.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "embedding/sparse.h"
#include "threads/thread_pool.h"

namespace qgemm {

namespace {

// SplitMix64's finalizer: a well-mixed 64-bit hash of a counter.
inline uint64_t mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

Status check_rows(const MutableTable& t, const SparseRows& g) {
  if (t.format != TableFormat::kFloat32 && t.format != TableFormat::kRowwise8) {
    return Status::Error(StatusCode::kInvalidArgument, "the sparse optimizers update float32 and rowwise8 tables");
  }
  for (int64_t k = 0; k < g.count; ++k) {
    const int64_t id = g.ids[k];
    if (id < 0 || id >= t.rows || (k > 0 && id <= g.ids[k - 1])) {
      return Status::Error(StatusCode::kOutOfBounds, "rows[" + std::to_string(k) + "] = " + std::to_string(id) +
                                                         " is not a row of the table above the previous one");
    }
  }
  return Status::Ok();
}

// Runs update(x, g, id) on each touched row as float32 values, writing it back.
template <typename Update>
void for_touched_rows(const MutableTable& t, const SparseRows& g, uint64_t seed, Update update) {
  const int64_t dim = t.dim, rb = table_row_bytes(t.format, dim);
  const auto one = [&](int64_t k, float* scratch) {
    const int64_t id = g.ids[k];
    const float* grad = g.grads + k * dim;
    if (t.format == TableFormat::kFloat32) {
      update(static_cast<float*>(t.data) + id * dim, grad, id);
      return;
    }
    uint8_t* row = static_cast<uint8_t*>(t.data) + id * rb;
    dequantize_row8(row, dim, scratch);
    update(scratch, grad, id);
    quantize_row8_stochastic(scratch, dim, mix(seed ^ mix(static_cast<uint64_t>(id) + 0x9E3779B97F4A7C15ull)), row);
  };
  constexpr int64_t kChunk = 32;
  const int64_t tasks = (g.count + kChunk - 1) / kChunk;
  ThreadPool::global().parallel_for(tasks, [&](int64_t task) {
    std::vector<float> scratch(t.format == TableFormat::kFloat32 ? 0 : static_cast<size_t>(dim));
    for (int64_t k = task * kChunk, e = std::min(g.count, k + kChunk); k < e; ++k) one(k, scratch.data());
  });
}

}  // namespace

void quantize_row8_stochastic(const float* x, int64_t dim, uint64_t seed, uint8_t* row) {
  constexpr float kEpsilon = 1e-8f;
  float lo = dim > 0 ? x[0] : 0.0f, hi = lo;
  for (int64_t i = 1; i < dim; ++i) {
    lo = x[i] < lo ? x[i] : lo;
    hi = x[i] > hi ? x[i] : hi;
  }
  const float range = hi - lo, scale = range / 255.0f;
  std::memcpy(row + dim, &scale, 4);
  std::memcpy(row + dim + 4, &lo, 4);
  const float inverse_scale = 255.0f / (range + kEpsilon);
  // One hash per row seeds a 64-bit LCG whose top 24 bits give each column's u:
  // a multiply-add per value instead of a full hash.
  uint64_t state = mix(seed);
  for (int64_t i = 0; i < dim; ++i) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    const float u = static_cast<float>(state >> 40) * (1.0f / 16777216.0f);
    const float q = std::floor((x[i] - lo) * inverse_scale + u);
    row[i] = static_cast<uint8_t>(q < 0.0f ? 0.0f : q > 255.0f ? 255.0f : q);  // NaN -> 0
  }
}

Status rowwise_adagrad_step(const MutableTable& t, const SparseRows& g, float* state, const RowwiseAdagradParams& p,
                            uint64_t seed) {
  Status s = check_rows(t, g);
  if (!s.ok()) return s;
  const int64_t dim = t.dim;
  for_touched_rows(t, g, seed, [&](float* w, const float* grad, int64_t id) {
    float sum = 0.0f;
    for (int64_t j = 0; j < dim; ++j) {
      const float gj = grad[j] + p.weight_decay * w[j];
      sum += gj * gj;
    }
    const float h = state[id] + (dim > 0 ? sum / static_cast<float>(dim) : 0.0f);
    state[id] = h;
    const float step = p.lr / (std::sqrt(h) + p.eps);
    for (int64_t j = 0; j < dim; ++j) w[j] -= step * (grad[j] + p.weight_decay * w[j]);
  });
  return Status::Ok();
}

Status sparse_adam_step(const MutableTable& t, const SparseRows& g, float* m, float* v, const SparseAdamParams& p,
                        uint64_t seed) {
  Status s = check_rows(t, g);
  if (!s.ok()) return s;
  const int64_t dim = t.dim;
  const float omb1 = 1.0f - p.beta1, omb2 = 1.0f - p.beta2;
  for_touched_rows(t, g, seed, [&](float* w, const float* grad, int64_t id) {
    float* mr = m + id * dim;
    float* vr = v + id * dim;
    for (int64_t j = 0; j < dim; ++j) {
      const float gj = grad[j] + p.weight_decay * w[j];
      mr[j] = p.beta1 * mr[j] + omb1 * gj;
      vr[j] = p.beta2 * vr[j] + omb2 * gj * gj;
      w[j] -= p.step_size * mr[j] / (std::sqrt(vr[j]) + p.eps);
    }
  });
  return Status::Ok();
}

}  // namespace qgemm
