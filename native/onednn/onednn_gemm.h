// The oneDNN backend: the system oneDNN library's matmul primitive.
// Compiled for real only when CMake finds oneDNN (QGEMM_WITH_ONEDNN);
// otherwise these report "not compiled in".
#pragma once

#include "gemm/gemm.h"

namespace qgemm {

bool onednn_compiled();
// "2.6.3" or "" when not compiled in.
const char* onednn_version();
// oneDNN 2.6.3's int8 kernels for CPUs without VNNI sum u8*s8 pairs with
// vpmaddubsw, which saturates at int16: full-range inputs give wrong results
// (measured on AVX2). Exact only where it runs VNNI (AVX-512 VNNI) or AMX.
bool onednn_int8_exact();
Status onednn_gemm(const GemmDesc& desc);

}  // namespace qgemm
