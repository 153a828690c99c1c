// AVX-512 probes: vpdpbusd zmm and fp32 FMA zmm on 16 independent
// accumulators, in assembly (see probe_avx2.cc for why).
// GCC 12's false -Wuninitialized on _mm512_undefined_* (bug 105593).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#include "probes/probes.h"

namespace qgemm {

namespace {

#define QGEMM_ACCS "0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15"
#define QGEMM_CLOBBER_ZMM                                                                                      \
  "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", \
      "xmm13", "xmm14", "xmm15", "xmm30", "xmm31"

int64_t avx512_vnni(int64_t iterations) {
  __asm__ volatile(
      "vpternlogd $0xff, %%zmm30, %%zmm30, %%zmm30\n"
      "vpternlogd $0xff, %%zmm31, %%zmm31, %%zmm31\n"
      ".irp acc, " QGEMM_ACCS "\n vpxord %%zmm\\acc, %%zmm\\acc, %%zmm\\acc\n .endr\n"
      ".p2align 6\n"
      "1:\n"
      ".irp acc, " QGEMM_ACCS "\n vpdpbusd %%zmm30, %%zmm31, %%zmm\\acc\n .endr\n"
      "dec %0\n"
      "jnz 1b\n"
      "vzeroupper\n"
      : "+r"(iterations)
      :
      : QGEMM_CLOBBER_ZMM, "cc");
  return iterations;
}

int64_t avx512_fma(int64_t iterations) {
  __asm__ volatile(
      "vpxord %%zmm30, %%zmm30, %%zmm30\n"
      "vpxord %%zmm31, %%zmm31, %%zmm31\n"
      ".irp acc, " QGEMM_ACCS "\n vpxord %%zmm\\acc, %%zmm\\acc, %%zmm\\acc\n .endr\n"
      ".p2align 6\n"
      "1:\n"
      ".irp acc, " QGEMM_ACCS "\n vfmadd231ps %%zmm30, %%zmm31, %%zmm\\acc\n .endr\n"
      "dec %0\n"
      "jnz 1b\n"
      "vzeroupper\n"
      : "+r"(iterations)
      :
      : QGEMM_CLOBBER_ZMM, "cc");
  return iterations;
}

// Four 64-byte loads an iteration into four accumulators (words: a multiple of 64).
uint64_t read_avx512(const uint64_t* p, size_t words) {
  __m512i acc0 = _mm512_setzero_si512(), acc1 = acc0, acc2 = acc0, acc3 = acc0;
  for (size_t i = 0; i < words; i += 32) {
    const __m512i* v = reinterpret_cast<const __m512i*>(p + i);
    acc0 = _mm512_xor_si512(acc0, _mm512_load_si512(v));
    acc1 = _mm512_xor_si512(acc1, _mm512_load_si512(v + 1));
    acc2 = _mm512_xor_si512(acc2, _mm512_load_si512(v + 2));
    acc3 = _mm512_xor_si512(acc3, _mm512_load_si512(v + 3));
  }
  const __m512i x = _mm512_xor_si512(_mm512_xor_si512(acc0, acc1), _mm512_xor_si512(acc2, acc3));
  return static_cast<uint64_t>(_mm512_reduce_add_epi64(x));
}

}  // namespace

extern const ReadLoop kReadAvx512 = {kFeatAvx512, read_avx512};

// 16 vpdpbusd x 64 uint8 x int8 multiply-adds (x 2 ops) per iteration.
extern const Probe kProbeAvx512Vnni = {"avx512_vnni", "vpdpbusd zmm", kFeatAvx512 | kFeatAvx512Vnni, 16 * 64 * 2,
                                       avx512_vnni};
extern const Probe kProbeAvx512Fma = {"avx512_fma", "vfmadd231ps zmm", kFeatAvx512, 16 * 16 * 2, avx512_fma};

}  // namespace qgemm
