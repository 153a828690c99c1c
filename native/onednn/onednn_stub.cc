// Built instead of onednn_gemm.cc when oneDNN is not found.
#include "onednn/onednn_gemm.h"

namespace qgemm {

bool onednn_compiled() { return false; }
const char* onednn_version() { return ""; }
bool onednn_int8_exact() { return false; }
Status onednn_gemm(const GemmDesc&) {
  return Status::Error(StatusCode::kUnsupported, "qgemm was built without oneDNN");
}

}  // namespace qgemm
