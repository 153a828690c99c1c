// The packed-B layouts (see PackLayout in kernel.h). Packing is portable
// code: a layout's bytes are the same whichever CPU packed them.
#pragma once

#include "gemm/kernels/kernel.h"

namespace qgemm {

// int8, k_group 1: [panel of 16][k][16]. The scalar kernel.
extern const PackLayout kLayoutS8Plain16;
// int8, pairs of k interleaved: [panel of 16][k/2][16][2]. vpmaddwd (AVX2).
extern const PackLayout kLayoutS8Pairs16;
// int8, quads of k: [panel of 16][k/4][16][4]. vpdpbusd (AVX-512 VNNI, AVX-VNNI),
// AMX B tiles (16 rows of 64 bytes), SDOT/UDOT.
extern const PackLayout kLayoutS8Quads16;
// int8, 2 columns x 8 k blocks: [panel of 8][k/8][8][8] (column pairs
// side by side). SMMLA/USMMLA.
extern const PackLayout kLayoutS8Mmla8;
// float32: [panel of 16][k][16]. Every float32 kernel.
extern const PackLayout kLayoutF32x16;

}  // namespace qgemm
