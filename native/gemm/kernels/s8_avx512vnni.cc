// AVX-512 VNNI int8 microkernel (vpdpbusd zmm: 64 multiply-adds per
// instruction), compiled with -mavx512{f,bw,vl,dq,vnni}, or against SIMDe for
// the emulated tests (x86_simd.h).
//
// vpdpbusd multiplies unsigned bytes of its first source by signed bytes of
// its second and adds each group of four products to an int32 lane, wrapping
// modulo 2^32 (not the saturating vpdpbusds). B is packed in quads of k
// (layout s8_quads16: one zmm holds 16 columns x 4 k), A's quads are broadcast.
// uint8 A runs as is; int8 A is shifted by +128 into uint8 when packed
// (a ^ 0x80), and the driver starts C at -128 * colsum(B), so
//   sum (a + 128) b - 128 sum b = sum a b   (mod 2^32, exactly).
//
// Tile: 8 rows x 32 columns (two panels), 16 zmm accumulators in named
// variables; partial columns by masked loads and stores.
#include "gemm/kernels/kernel.h"
#include "gemm/kernels/layouts.h"
#include "gemm/kernels/rows.h"
#include "gemm/kernels/pack_a.h"
#include "gemm/kernels/x86_simd.h"

namespace qgemm {

namespace {

constexpr int kMr = 8, kNr = 32;
constexpr int64_t kPrefetchBytes = 1024;

inline __mmask16 mask_of(int cols) { return cols >= 16 ? __mmask16(0xffff) : __mmask16((1u << cols) - 1); }

// Row r of the tile: (up to) two zmm of int32 -> C (=, += or + c_init), cols columns.
template <int V>
inline void store_row(int32_t* c, __m512i x0, __m512i x1, int cols, bool accumulate, const int32_t* init) {
  const __mmask16 m0 = mask_of(cols), m1 = mask_of(cols - 16 > 0 ? cols - 16 : 0);
  const int32_t* base = accumulate ? c : init;
  if (base != nullptr) {
    x0 = _mm512_add_epi32(x0, _mm512_maskz_loadu_epi32(m0, base));
    if constexpr (V == 2) x1 = _mm512_add_epi32(x1, _mm512_maskz_loadu_epi32(m1, base + 16));
  }
  _mm512_mask_storeu_epi32(c, m0, x0);
  if constexpr (V == 2) _mm512_mask_storeu_epi32(c + 16, m1, x1);
}

#define QGEMM_ROWS(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7)

template <int R, int V>
void micro_tile(const MicroArgs<int32_t>& g) {
  const int32_t* a = reinterpret_cast<const int32_t*>(g.a);
  const uint8_t* b0p = g.b;
  const uint8_t* b1p = g.b + g.b_panel_bytes;
#define QGEMM_DECLARE(r) __m512i c##r##0 = _mm512_setzero_si512(), c##r##1 = _mm512_setzero_si512();
  QGEMM_ROWS(QGEMM_DECLARE)
#undef QGEMM_DECLARE
  const int64_t quads = g.kc / 4;
  for (int64_t q = 0; q < quads; ++q) {
    _mm_prefetch(reinterpret_cast<const char*>(b0p + kPrefetchBytes), _MM_HINT_T0);
    const __m512i b0 = _mm512_loadu_si512(b0p);
    __m512i b1 = b0;
    if constexpr (V == 2) {
      _mm_prefetch(reinterpret_cast<const char*>(b1p + kPrefetchBytes), _MM_HINT_T0);
      b1 = _mm512_loadu_si512(b1p);
    }
#define QGEMM_STEP(r)                                          \
  if constexpr (R > r) {                                       \
    const __m512i av = _mm512_set1_epi32(a[r]);                \
    c##r##0 = _mm512_dpbusd_epi32(c##r##0, av, b0);            \
    if constexpr (V == 2) c##r##1 = _mm512_dpbusd_epi32(c##r##1, av, b1); \
  }
    QGEMM_ROWS(QGEMM_STEP)
#undef QGEMM_STEP
    a += R;
    b0p += 64;
    b1p += 64;
  }
#define QGEMM_STORE(r) \
  if constexpr (R > r) store_row<V>(g.c + r * g.ldc, c##r##0, c##r##1, g.cols, g.accumulate, g.c_init);
  QGEMM_ROWS(QGEMM_STORE)
#undef QGEMM_STORE
}

#undef QGEMM_ROWS

template <int R>
void micro_rows(const MicroArgs<int32_t>& g) {
  if (g.cols > 16) {
    micro_tile<R, 2>(g);
  } else {
    micro_tile<R, 1>(g);
  }
}

void micro(const MicroArgs<int32_t>& g) {
  with_rows<kMr>(g.rows, [&](auto r) { micro_rows<r>(g); });
}

}  // namespace

// Many rows: blocks of 64 rows x up to 8192 k of A (up to 512 KiB packed, in
// L2) against 32-column slices of B reused by the block's 8 tiles. A long k
// block means C is read and written once per 8192 k, not once per 1024: the
// best of mc 64..128 x kc 256..8192 on Zen 4 (1 thread, median GOPS, 2048^3:
// 401 at kc 1024, 438 at 4096, 446 at 8192; 64x4096x4096: 434, 439, 445).
extern const Int8Kernel kS8Avx512VnniKernel = {
    "avx512_vnni", kFeatAvx512 | kFeatAvx512Vnni, 30, 0, &kLayoutS8Quads16, kMr, kNr, 64, 8192, 1, 1,
    128, 0, pack_a_quads_u8, micro, nullptr, nullptr, "avx512_vnni",
};

}  // namespace qgemm
