#include "gemm/kernels/layouts.h"

#include <algorithm>
#include <cstring>

namespace qgemm {

namespace {

// Element (p, j) of B as stored, with the layout's zero padding.
template <typename T>
struct Source {
  const T* b;
  bool transposed;
  int64_t k, n;
  T at(int64_t p, int64_t j) const {
    if (p >= k || j >= n) return T(0);
    return transposed ? b[j * k + p] : b[p * n + j];
  }
};

// Packs panels of `panel` columns whose k runs in groups of G: the bytes of
// one group of one panel are [panel][G]. Row-major B is read a group of rows
// at a time, sequentially; B^T a column's run of k at a time.
template <typename T, int kPanel, int G>
void pack_grouped(const void* src, bool transposed, int64_t k, int64_t n, int64_t kp, T* out) {
  const Source<T> s{static_cast<const T*>(src), transposed, k, n};
  const int64_t panels = (n + kPanel - 1) / kPanel;
  const size_t panel_elems = static_cast<size_t>(kp * kPanel);
  if (transposed) {
    for (int64_t jp = 0; jp < panels; ++jp) {
      T* dst = out + jp * panel_elems;
      for (int jj = 0; jj < kPanel; ++jj) {
        const int64_t j = jp * kPanel + jj;
        for (int64_t p = 0; p < kp; ++p) dst[(p / G) * kPanel * G + jj * G + p % G] = s.at(p, j);
      }
    }
    return;
  }
  for (int64_t p0 = 0; p0 < kp; p0 += G) {
    const T* rows[G];
    bool full_rows = true;
    for (int t = 0; t < G; ++t) {
      full_rows = full_rows && p0 + t < k;
      rows[t] = s.b + std::min(p0 + t, k - 1) * n;
    }
    const int64_t full_panels = full_rows ? n / kPanel : 0;
    for (int64_t jp = 0; jp < full_panels; ++jp) {
      T* dst = out + jp * panel_elems + p0 * kPanel;
      for (int jj = 0; jj < kPanel; ++jj) {
        for (int t = 0; t < G; ++t) dst[jj * G + t] = rows[t][jp * kPanel + jj];
      }
    }
    for (int64_t jp = full_panels; jp < panels; ++jp) {  // padding rows or columns
      T* dst = out + jp * panel_elems + p0 * kPanel;
      for (int jj = 0; jj < kPanel; ++jj) {
        for (int t = 0; t < G; ++t) dst[jj * G + t] = s.at(p0 + t, jp * kPanel + jj);
      }
    }
  }
}

template <typename T, int kPanel, int G, int kPad>
void pack(const void* b, bool transposed, int64_t k, int64_t n, uint8_t* dst) {
  const int64_t kp = (k + kPad - 1) / kPad * kPad;
  pack_grouped<T, kPanel, G>(b, transposed, k, n, kp, reinterpret_cast<T*>(dst));
}

}  // namespace

const PackLayout kLayoutS8Plain16 = {"s8_plain16", 16, 1, 1, 1, pack<int8_t, 16, 1, 1>};
const PackLayout kLayoutS8Pairs16 = {"s8_pairs16", 16, 2, 2, 1, pack<int8_t, 16, 2, 2>};
const PackLayout kLayoutS8Quads16 = {"s8_quads16", 16, 4, 4, 1, pack<int8_t, 16, 4, 4>};
const PackLayout kLayoutS8Mmla8 = {"s8_mmla8", 8, 8, 8, 1, pack<int8_t, 8, 8, 8>};
const PackLayout kLayoutF32x16 = {"f32_x16", 16, 1, 1, 4, pack<float, 16, 1, 1>};

}  // namespace qgemm
