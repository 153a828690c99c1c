// Calls f(std::integral_constant<int, R>) for R = rows, 1 <= rows <= kMax:
// a microkernel's entry point picks its row-count specialization with it.
//   void micro(const MicroArgs<int32_t>& g) { with_rows<kMr>(g.rows, [&](auto r) { micro_rows<r>(g); }); }
#pragma once

#include <type_traits>

namespace qgemm {

template <int kMax, typename F>
inline void with_rows(int rows, F&& f) {
  if constexpr (kMax > 1) {
    if (rows < kMax) return with_rows<kMax - 1>(rows, f);
  }
  f(std::integral_constant<int, kMax>{});
}

}  // namespace qgemm
