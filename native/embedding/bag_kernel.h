// The bag lookup, written once over a vector type V and compiled per ISA
// (bag.cc: scalar; bag_avx2.cc, bag_avx512.cc with their own flags). Every
// output element sees the same float operations in the same order whatever
// V is (fma, add, max; the row tail uses the scalar type), so the results
// are identical on every ISA. Internal linkage (an anonymous namespace): the
// copies compiled with different flags must never be merged by the linker.
#pragma once

#include <cmath>
#include <cstring>
#include <type_traits>

#include "embedding/embedding.h"
#include "embedding/half.h"

namespace qgemm {
namespace bag_detail {

// One validated lookup, shared by the ISA entry points.
struct BagJob {
  const uint8_t* table;
  int64_t row_bytes, dim;
  TableFormat format;
  IndexArray ids;
  const int64_t* bounds;  // bags + 1 validated offsets
  const float* weights;
  Pooling pooling;
  int64_t padding_idx;
  float* out;
};

using BagRangeFn = void (*)(const BagJob& job, int64_t b0, int64_t b1);

}  // namespace bag_detail

namespace {

struct ScalarVec {
  using T = float;
  static constexpr int kLanes = 1;
  static T zero() { return 0.0f; }
  static T set1(float x) { return x; }
  static T load_f32(const float* p) { return *p; }
  static T load_u8(const uint8_t* p) { return static_cast<float>(*p); }
  // Column c of a 4-bit row (two codes a byte, even column low).
  static T load_u4(const uint8_t* row, int64_t c) { return static_cast<float>((row[c >> 1] >> ((c & 1) * 4)) & 0xF); }
  static T add(T a, T b) { return a + b; }
  static T fma(T a, T b, T c) { return std::fma(a, b, c); }
  static T max_new(T x, T cur) { return x > cur ? x : cur; }  // PyTorch: replace only when strictly greater
  static void store(float* p, T v) { *p = v; }
  // A 4-bit row's fp16 scale and bias (exact conversions).
  static void load_halves(const uint8_t* p, float* scale, float* bias) {
    uint16_t h[2];
    std::memcpy(h, p, 4);
    *scale = half_to_float(h[0]);
    *bias = half_to_float(h[1]);
  }
};

// Rows are read at random: asking for the row kPrefetchAhead ids ahead keeps
// that many misses in flight instead of one (every id was validated).
constexpr int64_t kPrefetchAhead = 32;

inline void prefetch_row(const uint8_t* row, int64_t row_bytes) {
  for (int64_t b = 0; b < row_bytes; b += 64) __builtin_prefetch(row + b);
  __builtin_prefetch(row + row_bytes - 1);
}

// How a bag's rows combine (mean is kSum, scaled last). Unweighted sums skip
// the weight: fma(1, x, acc) rounds as acc + x does, and 1 * scale is scale.
enum class Pool { kSum, kWeightedSum, kMax };

// Columns [c, c + K * kLanes) of one bag, accumulated in registers; the ids
// read as the caller stored them (Index: int32_t or int64_t). Inlined into
// the bag loop: a call a bag costs short bags (one id a bag, as in DLRM) ~40%.
template <typename V, int K, TableFormat F, Pool P, typename Index>
[[gnu::always_inline]] inline void bag_columns(const bag_detail::BagJob& j, int64_t begin, int64_t end, int64_t c, float* out) {
  using T = typename V::T;
  constexpr int L = V::kLanes;
  // Locals, so that nothing is re-read from the job inside the loop.
  const Index* const ids = static_cast<const Index*>(j.ids.data);
  const uint8_t* const table = j.table;
  const int64_t row_bytes = j.row_bytes, dim = j.dim, padding = j.padding_idx;
  const int64_t prefetch_end = c == 0 ? j.ids.length - kPrefetchAhead : 0;  // the first pass asks for the rows
  // 4-bit rows, two vectors at a time: 2L columns from L bytes, the low
  // nibbles (even columns) and the high ones (odd columns) accumulated apart
  // and interleaved at the store; every column sees the same operations.
  constexpr bool kNibblePairs = F == TableFormat::kRowwise4 && K % 2 == 0;
  T acc[K];
  for (int k = 0; k < K; ++k) acc[k] = V::zero();

  // Row i (null for padding), with the row kPrefetchAhead ids on asked for.
  const auto row_of = [&](int64_t i) -> const uint8_t* {
    if (i < prefetch_end) prefetch_row(table + static_cast<int64_t>(ids[i + kPrefetchAhead]) * row_bytes, row_bytes);
    const int64_t id = ids[i];
    return id == padding ? nullptr : table + id * row_bytes;
  };
  // One row into the accumulators. Max pooling: the first row sets them
  // (kFirst), the others compete.
  const auto pool_row = [&](int64_t i, const uint8_t* row, auto first) {
    constexpr bool kFirst = decltype(first)::value;
    if constexpr (F == TableFormat::kFloat32) {
      const float* r = reinterpret_cast<const float*>(row) + c;
      const T vw = V::set1(P == Pool::kWeightedSum ? j.weights[i] : 1.0f);
      for (int k = 0; k < K; ++k) {
        const T x = V::load_f32(r + k * L);
        if constexpr (P == Pool::kMax) {
          acc[k] = kFirst ? x : V::max_new(x, acc[k]);
        } else if constexpr (P == Pool::kWeightedSum) {
          acc[k] = V::fma(vw, x, acc[k]);
        } else {
          acc[k] = V::add(acc[k], x);
        }
      }
    } else {
      float scale, bias;
      if constexpr (F == TableFormat::kRowwise8) {
        std::memcpy(&scale, row + dim, 4);
        std::memcpy(&bias, row + dim + 4, 4);
      } else {
        V::load_halves(row + (dim + 1) / 2, &scale, &bias);
      }
      if constexpr (P == Pool::kWeightedSum) {
        scale *= j.weights[i];
        bias *= j.weights[i];
      }
      const T vs = V::set1(scale), vb = V::set1(bias);
      const auto pool = [&](int k, T q) {
        if constexpr (P == Pool::kMax) {
          const T x = V::fma(vs, q, V::add(V::zero(), vb));  // the row's value, as a one-row sum
          acc[k] = kFirst ? x : V::max_new(x, acc[k]);
        } else {
          acc[k] = V::fma(vs, q, V::add(acc[k], vb));
        }
      };
      for (int k = 0; k < K; ++k) {
        if constexpr (kNibblePairs) {
          T even, odd;
          V::load_u4_pair(row + ((c + k * L) >> 1), &even, &odd);
          pool(k, even);
          pool(++k, odd);
        } else if constexpr (F == TableFormat::kRowwise8) {
          pool(k, V::load_u8(row + c + k * L));
        } else {
          pool(k, V::load_u4(row, c + k * L));
        }
      }
    }
  };

  int64_t i = begin;
  if constexpr (P == Pool::kMax) {
    for (; i < end; ++i) {
      if (const uint8_t* row = row_of(i)) {
        pool_row(i++, row, std::true_type{});
        break;
      }
    }
  }
  for (; i < end; ++i) {
    if (const uint8_t* row = row_of(i)) pool_row(i, row, std::false_type{});
  }
  if constexpr (kNibblePairs) {
    for (int k = 0; k < K; k += 2) V::store_pair(out + c + k * L, acc[k], acc[k + 1]);
  } else {
    for (int k = 0; k < K; ++k) V::store(out + c + k * L, acc[k]);
  }
}

// Bags [b0, b1): columns in blocks of K vectors, then single vectors, then
// scalar columns; mean pooling scales the sums last.
template <typename V, int K, TableFormat F, Pool P, typename Index>
void bag_range_of(const bag_detail::BagJob& j, int64_t b0, int64_t b1) {
  constexpr int64_t L = V::kLanes;
  for (int64_t b = b0; b < b1; ++b) {
    const int64_t begin = j.bounds[b], end = j.bounds[b + 1];
    float* out = j.out + b * j.dim;
    int64_t c = 0;
    // As few passes over the bag's rows as the registers allow.
    for (; c + K * L <= j.dim; c += K * L) bag_columns<V, K, F, P, Index>(j, begin, end, c, out);
    if constexpr (K > 4) {
      if (c + 4 * L <= j.dim) {
        bag_columns<V, 4, F, P, Index>(j, begin, end, c, out);
        c += 4 * L;
      }
    }
    if constexpr (K > 2) {
      if (c + 2 * L <= j.dim) {
        bag_columns<V, 2, F, P, Index>(j, begin, end, c, out);
        c += 2 * L;
      }
    }
    for (; c + L <= j.dim; c += L) bag_columns<V, 1, F, P, Index>(j, begin, end, c, out);
    for (; c < j.dim; ++c) bag_columns<ScalarVec, 1, F, P, Index>(j, begin, end, c, out);
    if (j.pooling != Pooling::kMean) continue;
    const Index* ids = static_cast<const Index*>(j.ids.data);
    int64_t n = 0;
    for (int64_t i = begin; i < end; ++i) n += ids[i] != j.padding_idx;
    if (n == 0) continue;
    if constexpr (F == TableFormat::kFloat32) {
      const float d = static_cast<float>(n);  // torch divides by the bag size
      for (int64_t k = 0; k < j.dim; ++k) out[k] = out[k] / d;
    } else {
      const float r = 1.0f / static_cast<float>(n);  // FBGEMM's normalize_by_lengths
      for (int64_t k = 0; k < j.dim; ++k) out[k] = out[k] * r;
    }
  }
}

template <typename V, int K, TableFormat F, Pool P>
void bag_range_pool(const bag_detail::BagJob& j, int64_t b0, int64_t b1) {
  if (j.ids.wide) {
    bag_range_of<V, K, F, P, int64_t>(j, b0, b1);
  } else {
    bag_range_of<V, K, F, P, int32_t>(j, b0, b1);
  }
}

template <typename V, int K, TableFormat F>
void bag_range_format(const bag_detail::BagJob& j, int64_t b0, int64_t b1) {
  if (j.pooling == Pooling::kMax) {
    bag_range_pool<V, K, F, Pool::kMax>(j, b0, b1);
  } else if (j.weights != nullptr) {
    bag_range_pool<V, K, F, Pool::kWeightedSum>(j, b0, b1);
  } else {
    bag_range_pool<V, K, F, Pool::kSum>(j, b0, b1);
  }
}

template <typename V, int K>
void bag_range(const bag_detail::BagJob& j, int64_t b0, int64_t b1) {
  switch (j.format) {
    case TableFormat::kFloat32: return bag_range_format<V, K, TableFormat::kFloat32>(j, b0, b1);
    case TableFormat::kRowwise8: return bag_range_format<V, K, TableFormat::kRowwise8>(j, b0, b1);
    case TableFormat::kRowwise4: return bag_range_format<V, K, TableFormat::kRowwise4>(j, b0, b1);
  }
}

}  // namespace
}  // namespace qgemm
