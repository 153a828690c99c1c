// Built instead of onednn_loader.cc when oneDNN is not found.
#include "onednn/onednn_gemm.h"

namespace qgemm {

bool onednn_compiled() { return false; }
const char* onednn_version() { return ""; }
const char* onednn_unavailable_reason() { return "qgemm was built without oneDNN"; }
bool onednn_int8_exact() { return false; }
Status onednn_gemm(const GemmDesc&) {
  return Status::Error(StatusCode::kUnsupported, "qgemm was built without oneDNN");
}
Status onednn_prepare(const GemmDesc&, OneDnnPrepared**) {
  return Status::Error(StatusCode::kUnsupported, "qgemm was built without oneDNN");
}
Status onednn_run_prepared(OneDnnPrepared*, const void*, void*) {
  return Status::Error(StatusCode::kUnsupported, "qgemm was built without oneDNN");
}
void onednn_release(OneDnnPrepared*) {}

}  // namespace qgemm
