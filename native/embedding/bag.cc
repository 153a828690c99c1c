// EmbeddingBag: validation of every id and offset before any table read,
// then the lookup on the pool, one chunk of bags per task, with the widest
// vector kernel the CPU and the ISA cap allow.
#include <algorithm>
#include <limits>
#include <type_traits>
#include <new>
#include <string>
#include <vector>

#include "cpu/cpu_features.h"
#include "embedding/bag_kernel.h"
#include "embedding/embedding.h"
#include "threads/thread_pool.h"

namespace qgemm {

namespace bag_detail {
#ifdef QGEMM_KERNEL_EMBED_AVX2
void bag_range_avx2(const BagJob& j, int64_t b0, int64_t b1);
#endif
#ifdef QGEMM_KERNEL_EMBED_AVX512
void bag_range_avx512(const BagJob& j, int64_t b0, int64_t b1);
#endif
}  // namespace bag_detail

namespace {

using bag_detail::BagJob;

bag_detail::BagRangeFn active_kernel() {
#ifdef QGEMM_KERNEL_EMBED_AVX512
  if (features_allowed(kFeatAvx512)) return bag_detail::bag_range_avx512;
#endif
#ifdef QGEMM_KERNEL_EMBED_AVX2
  if (features_allowed(kFeatAvx2)) return bag_detail::bag_range_avx2;
#endif
  return bag_range<ScalarVec, 1>;
}

// Whether every id is a row of the table, in one pass without branches: the
// largest id as unsigned (a negative id becomes larger than any row), kept
// in independent lanes so that the loop vectorizes without one long
// dependency chain. The first bad id is looked for only when there is one.
template <typename Index>
bool ids_within(const Index* ids, int64_t n, int64_t rows) {
  using U = std::make_unsigned_t<Index>;
  const uint64_t limit = std::min<uint64_t>(rows, uint64_t{std::numeric_limits<Index>::max()} + 1);
  constexpr int kLanes = 16;
  U top[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (int k = 0; k < kLanes; ++k) top[k] = std::max(top[k], static_cast<U>(ids[i + k]));
  }
  for (; i < n; ++i) top[0] = std::max(top[0], static_cast<U>(ids[i]));
  U largest = 0;
  for (const U t : top) largest = std::max(largest, t);
  return n == 0 || uint64_t{largest} < limit;
}

Status invalid(const std::string& message) { return Status::Error(StatusCode::kInvalidArgument, message); }

}  // namespace

int64_t bag_count(const BagDesc& d) {
  const int64_t n = d.offsets.length;
  return d.include_last_offset ? (n > 0 ? n - 1 : 0) : n;
}

Status validate_bags(const BagDesc& d) {
  const EmbeddingTable& t = d.table;
  if (table_row_bytes(t.format, t.dim) <= 0 && t.dim > 0) return invalid("unknown table format");
  if (t.rows < 0 || t.dim < 0 || d.ids.length < 0 || d.offsets.length < 0) return invalid("negative size");
  if (d.pooling != Pooling::kSum && d.pooling != Pooling::kMean && d.pooling != Pooling::kMax) {
    return invalid("unknown pooling");
  }
  if (d.per_sample_weights != nullptr && d.pooling != Pooling::kSum) {
    return invalid("per-sample weights need sum pooling");
  }
  if (d.padding_idx >= t.rows) return invalid("paddingIdx " + std::to_string(d.padding_idx) + " is not a row of the table");
  for (int64_t b = 0; b < d.offsets.length; ++b) {
    const int64_t o = d.offsets.at(b);
    if (b == 0 && o != 0) return Status::Error(StatusCode::kOutOfBounds, "offsets[0] must be 0");
    if (o < 0 || o > d.ids.length) {
      return Status::Error(StatusCode::kOutOfBounds, "offsets[" + std::to_string(b) + "] = " + std::to_string(o) +
                                                         " is outside [0, " + std::to_string(d.ids.length) + "]");
    }
    if (b > 0 && o < d.offsets.at(b - 1)) {
      return Status::Error(StatusCode::kOutOfBounds, "offsets must not decrease (at " + std::to_string(b) + ")");
    }
  }
  if (d.include_last_offset && d.offsets.length == 0 && d.ids.length > 0) {
    return Status::Error(StatusCode::kOutOfBounds, "includeLastOffset needs at least one offset");
  }
  const bool ids_ok = d.ids.wide ? ids_within(static_cast<const int64_t*>(d.ids.data), d.ids.length, t.rows)
                                 : ids_within(static_cast<const int32_t*>(d.ids.data), d.ids.length, t.rows);
  if (ids_ok) return Status::Ok();
  for (int64_t i = 0; i < d.ids.length; ++i) {
    const int64_t id = d.ids.at(i);
    if (id < 0 || id >= t.rows) {
      return Status::Error(StatusCode::kOutOfBounds, "ids[" + std::to_string(i) + "] = " + std::to_string(id) +
                                                         " is outside the table's " + std::to_string(t.rows) + " rows");
    }
  }
  return Status::Ok();
}

Status embedding_bag(const BagDesc& d) {
  Status s = validate_bags(d);
  if (!s.ok()) return s;
  const int64_t bags = bag_count(d);
  if (bags == 0 || d.table.dim == 0) return Status::Ok();
  std::vector<int64_t> bounds;
  try {
    bounds.resize(static_cast<size_t>(bags) + 1);
  } catch (const std::bad_alloc&) {
    return Status::Error(StatusCode::kOutOfMemory, "cannot allocate the bag bounds");
  }
  for (int64_t b = 0; b < bags; ++b) bounds[b] = d.offsets.at(b);
  bounds[bags] = d.include_last_offset ? d.offsets.at(bags) : d.ids.length;
  const BagJob job{static_cast<const uint8_t*>(d.table.data), table_row_bytes(d.table.format, d.table.dim),
                   d.table.dim, d.table.format, d.ids, bounds.data(), d.per_sample_weights, d.pooling,
                   d.padding_idx < 0 ? -1 : d.padding_idx, d.out};
  const bag_detail::BagRangeFn run = active_kernel();
  // Chunks of about 16k ids' worth of bags (at least one bag): a task is big
  // enough to pay for the pool's hand-off, and there are enough to balance.
  const int64_t per_bag = std::max<int64_t>(1, d.ids.length / bags);
  const int64_t chunk = std::max<int64_t>(1, 16384 / per_bag);
  const int64_t tasks = (bags + chunk - 1) / chunk;
  if (tasks == 1) {
    run(job, 0, bags);
  } else {
    ThreadPool::global().parallel_for(tasks, [&](int64_t t) { run(job, t * chunk, std::min(bags, (t + 1) * chunk)); });
  }
  return Status::Ok();
}

}  // namespace qgemm
