// Packing A for the int8 microkernels: portable code (the kernels' inner
// loops, not the packing, need the ISA), one function per packed-A form.
// Each packs rows [0, rows) of A (lda bytes apart) over depth [k0, k0 + kc),
// zero past k, as Int8Kernel::pack_a.
#pragma once

#include <cstdint>

namespace qgemm {

// int32 per element: dst[p * rows + r] = A[r][k0 + p]. The scalar kernel.
void pack_a_int32(const uint8_t* a, int64_t lda, bool a_unsigned, int rows, int64_t k0, int64_t kc, int64_t k,
                  uint8_t* dst);
// Pairs of k widened to int16 in one int32: dst[p/2 * rows + r] = (A[r][k0+p], A[r][k0+p+1]). vpmaddwd.
void pack_a_pairs16(const uint8_t* a, int64_t lda, bool a_unsigned, int rows, int64_t k0, int64_t kc, int64_t k,
                    uint8_t* dst);
// Quads of k, as uint8: int8 A shifted by +128 (a ^ 0x80), uint8 A as is:
// dst[p/4 * rows * 4 + r * 4 + p % 4]. vpdpbusd (u8 x s8).
void pack_a_quads_u8(const uint8_t* a, int64_t lda, bool a_unsigned, int rows, int64_t k0, int64_t kc, int64_t k,
                     uint8_t* dst);
// Quads of k, as int8: uint8 A shifted by -128 (a ^ 0x80), int8 A as is. SDOT (s8 x s8).
void pack_a_quads_s8(const uint8_t* a, int64_t lda, bool a_unsigned, int rows, int64_t k0, int64_t kc, int64_t k,
                     uint8_t* dst);
// Row-major rows of kc bytes, rows up to 32 (zero rows past `rows`): AMX A tiles.
void pack_a_rows32(const uint8_t* a, int64_t lda, bool a_unsigned, int rows, int64_t k0, int64_t kc, int64_t k,
                   uint8_t* dst);
// Row pairs in blocks of 8 k: dst[(p/8) * rows_pad * 8 + (r/2) * 16 + (r%2) * 8 + p%8], rows
// padded to even with a zero row. SMMLA / USMMLA (A as is: the instruction takes its type).
void pack_a_mmla(const uint8_t* a, int64_t lda, bool a_unsigned, int rows, int64_t k0, int64_t kc, int64_t k,
                 uint8_t* dst);

}  // namespace qgemm
