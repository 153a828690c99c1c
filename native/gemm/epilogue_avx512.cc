// The epilogue's float32 row conversion, 16 lanes (epilogue_row.h).
// GCC 12's false -Wmaybe-uninitialized on _mm512_undefined_* (bug 105593).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#include <immintrin.h>

#include "gemm/epilogue_row.h"

namespace qgemm {
namespace epilogue_detail {

namespace {

struct Avx512 {
  using F = __m512;
  static constexpr int64_t kLanes = 16;
  static F set1(float x) { return _mm512_set1_ps(x); }
  static F load(const float* p) { return _mm512_loadu_ps(p); }
  static F to_float(const int32_t* p) { return _mm512_cvtepi32_ps(_mm512_loadu_si512(p)); }
  static void store(float* p, F x) { _mm512_storeu_ps(p, x); }
  static F mul(F a, F b) { return _mm512_mul_ps(a, b); }
  static F add(F a, F b) { return _mm512_add_ps(a, b); }
  static F max(F a, F b) { return _mm512_max_ps(a, b); }
};

}  // namespace

const Ops& avx512_ops() {
  static const Ops ops{to_float_row_simd<Avx512>};
  return ops;
}

}  // namespace epilogue_detail
}  // namespace qgemm
