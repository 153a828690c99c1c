// The oneDNN backend: the system oneDNN library's matmul primitive.
// Compiled for real only when CMake finds oneDNN (QGEMM_WITH_ONEDNN);
// otherwise these report "not compiled in".
#pragma once

#include "gemm/gemm.h"

namespace qgemm {

bool onednn_compiled();
// "2.6.3" or "" when not compiled in.
const char* onednn_version();
Status onednn_gemm(const GemmDesc& desc);

}  // namespace qgemm
