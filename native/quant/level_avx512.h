// The symmetric int8 level of 16 float32 lanes (AVX-512): clamp to
// [-127, 127], round half to even, NaN to 0, as symmetric_level. Shared by
// the files compiled with AVX-512 flags that quantize (include it only there).
#pragma once

#include <immintrin.h>

namespace qgemm {
namespace {

inline __m128i level16(__m512 v) {
  const __mmask16 ordered = _mm512_cmp_ps_mask(v, v, _CMP_ORD_Q);
  v = _mm512_min_ps(_mm512_max_ps(v, _mm512_set1_ps(-127.0f)), _mm512_set1_ps(127.0f));
  // The rounding is the instruction's own (embedded), not MXCSR's.
  return _mm512_cvtsepi32_epi8(_mm512_maskz_cvt_roundps_epi32(ordered, v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
}

}  // namespace
}  // namespace qgemm
