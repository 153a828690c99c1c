// AVX2 probes: the exact int8 path's vpmaddwd + vpaddd, and fp32 FMA, on 12
// independent accumulators (as many as the 6 x 16 microkernels keep). Written
// in assembly so the loop runs exactly these instructions: with intrinsics the
// compiler merges the identical multiplies and measures vpaddd instead.
#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#include "probes/probes.h"

namespace qgemm {

namespace {

#define QGEMM_ACCS "0,1,2,3,4,5,6,7,8,9,10,11"
#define QGEMM_CLOBBER_YMM                                                                                      \
  "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", \
      "xmm13", "xmm14", "xmm15"

int64_t avx2_madd(int64_t iterations) {
  __asm__ volatile(
      "vpcmpeqd %%ymm12, %%ymm12, %%ymm12\n"
      "vpcmpeqd %%ymm13, %%ymm13, %%ymm13\n"
      ".irp acc, " QGEMM_ACCS "\n vpxor %%ymm\\acc, %%ymm\\acc, %%ymm\\acc\n .endr\n"
      ".p2align 6\n"
      "1:\n"
      ".irp acc, " QGEMM_ACCS "\n"
      "  vpmaddwd %%ymm12, %%ymm13, %%ymm14\n"
      "  vpaddd %%ymm14, %%ymm\\acc, %%ymm\\acc\n"
      ".endr\n"
      "dec %0\n"
      "jnz 1b\n"
      "vzeroupper\n"
      : "+r"(iterations)
      :
      : QGEMM_CLOBBER_YMM, "cc");
  return iterations;
}

int64_t avx2_fma(int64_t iterations) {
  __asm__ volatile(
      "vxorps %%ymm12, %%ymm12, %%ymm12\n"
      "vxorps %%ymm13, %%ymm13, %%ymm13\n"
      ".irp acc, " QGEMM_ACCS "\n vxorps %%ymm\\acc, %%ymm\\acc, %%ymm\\acc\n .endr\n"
      ".p2align 6\n"
      "1:\n"
      ".irp acc, " QGEMM_ACCS "\n vfmadd231ps %%ymm12, %%ymm13, %%ymm\\acc\n .endr\n"
      "dec %0\n"
      "jnz 1b\n"
      "vzeroupper\n"
      : "+r"(iterations)
      :
      : QGEMM_CLOBBER_YMM, "cc");
  return iterations;
}

// Four 32-byte loads an iteration into four accumulators (words: a multiple of 64).
uint64_t read_avx2(const uint64_t* p, size_t words) {
  __m256i acc0 = _mm256_setzero_si256(), acc1 = acc0, acc2 = acc0, acc3 = acc0;
  for (size_t i = 0; i < words; i += 16) {
    const __m256i* v = reinterpret_cast<const __m256i*>(p + i);
    acc0 = _mm256_xor_si256(acc0, _mm256_load_si256(v));
    acc1 = _mm256_xor_si256(acc1, _mm256_load_si256(v + 1));
    acc2 = _mm256_xor_si256(acc2, _mm256_load_si256(v + 2));
    acc3 = _mm256_xor_si256(acc3, _mm256_load_si256(v + 3));
  }
  const __m256i x = _mm256_xor_si256(_mm256_xor_si256(acc0, acc1), _mm256_xor_si256(acc2, acc3));
  return static_cast<uint64_t>(_mm256_extract_epi64(x, 0) ^ _mm256_extract_epi64(x, 3));
}

}  // namespace

extern const ReadLoop kReadAvx2 = {kFeatAvx2, read_avx2};

// 12 vpmaddwd x 16 int16 multiply-adds (x 2 ops) per iteration.
extern const Probe kProbeAvx2Madd = {"avx2_madd", "vpmaddwd + vpaddd ymm (exact int8 via int16)", kFeatAvx2,
                                     12 * 16 * 2, avx2_madd};
extern const Probe kProbeAvx2Fma = {"avx2_fma", "vfmadd231ps ymm", kFeatAvx2, 12 * 8 * 2, avx2_fma};

}  // namespace qgemm
