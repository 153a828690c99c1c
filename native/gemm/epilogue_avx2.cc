// The epilogue's float32 row conversion, 8 lanes (epilogue_row.h).
#include <immintrin.h>

#include "gemm/epilogue_row.h"

namespace qgemm {
namespace epilogue_detail {

namespace {

struct Avx2 {
  using F = __m256;
  static constexpr int64_t kLanes = 8;
  static F set1(float x) { return _mm256_set1_ps(x); }
  static F load(const float* p) { return _mm256_loadu_ps(p); }
  static F to_float(const int32_t* p) {
    return _mm256_cvtepi32_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
  }
  static void store(float* p, F x) { _mm256_storeu_ps(p, x); }
  static F mul(F a, F b) { return _mm256_mul_ps(a, b); }
  static F add(F a, F b) { return _mm256_add_ps(a, b); }
  static F max(F a, F b) { return _mm256_max_ps(a, b); }
};

}  // namespace

const Ops& avx2_ops() {
  static const Ops ops{to_float_row_simd<Avx2>};
  return ops;
}

}  // namespace epilogue_detail
}  // namespace qgemm
