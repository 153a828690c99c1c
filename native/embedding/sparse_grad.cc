// The bag lookup's backward: sort (id, position) pairs, then each distinct id's
// gradient row is summed over its positions in order, rows in parallel.
#include <algorithm>
#include <new>
#include <utility>
#include <vector>

#include "embedding/sparse.h"
#include "threads/thread_pool.h"

namespace qgemm {

Status bag_backward(const BagDesc& d, const float* dout, int32_t* ids_out, float* grads_out, int64_t* count) {
  *count = 0;
  if (d.pooling == Pooling::kMax) {
    return Status::Error(StatusCode::kInvalidArgument, "the backward of max pooling is not supported");
  }
  if (d.table.rows > INT32_MAX) return Status::Error(StatusCode::kInvalidArgument, "tables over 2^31 - 1 rows");
  Status s = validate_bags(d);
  if (!s.ok()) return s;
  const int64_t bags = bag_count(d), dim = d.table.dim, n = d.ids.length;
  const int64_t pad = d.padding_idx < 0 ? -1 : d.padding_idx;
  std::vector<std::pair<int32_t, int64_t>> order;  // (id, position)
  std::vector<int64_t> bag_of;
  std::vector<float> coef;
  try {
    order.reserve(static_cast<size_t>(n));
    bag_of.assign(static_cast<size_t>(n), -1);
    coef.assign(static_cast<size_t>(n), 0.0f);
  } catch (const std::bad_alloc&) {
    return Status::Error(StatusCode::kOutOfMemory, "cannot allocate the backward's index");
  }
  for (int64_t b = 0; b < bags; ++b) {
    const int64_t begin = d.offsets.at(b);
    const int64_t end = b + 1 < bags ? d.offsets.at(b + 1) : (d.include_last_offset ? d.offsets.at(bags) : n);
    int64_t live = 0;
    for (int64_t i = begin; i < end; ++i) live += d.ids.at(i) != pad;
    const float mean = live > 0 ? 1.0f / static_cast<float>(live) : 0.0f;
    for (int64_t i = begin; i < end; ++i) {
      const int64_t id = d.ids.at(i);
      if (id == pad) continue;
      bag_of[i] = b;
      coef[i] = d.pooling == Pooling::kMean ? mean : (d.per_sample_weights != nullptr ? d.per_sample_weights[i] : 1.0f);
      order.emplace_back(static_cast<int32_t>(id), i);
    }
  }
  std::sort(order.begin(), order.end());
  std::vector<int64_t> starts;  // where each distinct id begins in `order`
  for (size_t k = 0; k < order.size(); ++k) {
    if (k == 0 || order[k].first != order[k - 1].first) starts.push_back(static_cast<int64_t>(k));
  }
  const int64_t unique = static_cast<int64_t>(starts.size());
  starts.push_back(static_cast<int64_t>(order.size()));
  const auto row = [&](int64_t u) {
    float* g = grads_out + u * dim;
    std::fill(g, g + dim, 0.0f);
    ids_out[u] = order[starts[u]].first;
    for (int64_t k = starts[u]; k < starts[u + 1]; ++k) {
      const int64_t i = order[k].second;
      const float c = coef[i];
      const float* dy = dout + bag_of[i] * dim;
      for (int64_t j = 0; j < dim; ++j) g[j] += c * dy[j];
    }
  };
  constexpr int64_t kChunk = 64;
  const int64_t tasks = (unique + kChunk - 1) / kChunk;
  if (tasks <= 1) {
    for (int64_t u = 0; u < unique; ++u) row(u);
  } else {
    ThreadPool::global().parallel_for(tasks, [&](int64_t t) {
      for (int64_t u = t * kChunk, e = std::min(unique, u + kChunk); u < e; ++u) row(u);
    });
  }
  *count = unique;
  return Status::Ok();
}

}  // namespace qgemm
