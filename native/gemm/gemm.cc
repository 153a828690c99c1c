#include "gemm/gemm.h"

#include "gemm/builtin_gemm.h"
#include "gemm/packed_b.h"
#include "onednn/onednn_gemm.h"

namespace qgemm {

const char* backend_name(Backend b) {
  switch (b) {
    case Backend::kAuto: return "auto";
    case Backend::kBuiltin: return "builtin";
    case Backend::kOneDnn: return "onednn";
  }
  return "unknown";
}

namespace {

Status invalid(const char* message) { return Status::Error(StatusCode::kInvalidArgument, message); }

Status validate(const GemmDesc& d) {
  if (d.m < 0 || d.n < 0 || d.k < 0 || d.batch < 0) return invalid("negative dimension");
  if (d.a.batch_stride < 0 || d.b.batch_stride < 0 || d.c_batch_stride < 0) {
    return invalid("negative batch stride");
  }
  const bool float_gemm = d.a.type == DType::kFloat32;
  const DType b_type = d.packed_b != nullptr ? d.packed_b->type() : d.b.type;
  if (float_gemm) {
    if (b_type != DType::kFloat32 || d.c_type != DType::kFloat32) {
      return invalid("float32 A needs float32 B and float32 C");
    }
  } else {
    if (d.a.type != DType::kInt8 && d.a.type != DType::kUInt8) return invalid("A must be int8, uint8 or float32");
    if (b_type != DType::kInt8 || d.c_type != DType::kInt32) return invalid("int8 GEMM needs int8 B and int32 C");
  }
  if (d.packed_b != nullptr && (d.packed_b->k() != d.k || d.packed_b->n() != d.n)) {
    return invalid("packed B has another shape");
  }
  if ((d.a.data == nullptr && d.m * d.k * d.batch != 0) || (d.c == nullptr && d.m * d.n * d.batch != 0) ||
      (d.packed_b == nullptr && d.b.data == nullptr && d.k * d.n * d.batch != 0)) {
    return invalid("null buffer");
  }
  return Status::Ok();
}

}  // namespace

Status gemm(const GemmDesc& desc, Backend backend, bool allow_inexact) {
  Status status = validate(desc);
  if (!status.ok()) return status;
  if (backend == Backend::kOneDnn) {
    if (desc.packed_b != nullptr) {
      return Status::Error(StatusCode::kUnsupported, "weights packed for the builtin backend");
    }
    if (onednn_compiled() && desc.a.type != DType::kFloat32 && !allow_inexact && !onednn_int8_exact()) {
      return Status::Error(StatusCode::kInexact,
                           "oneDNN's int8 matmul saturates on this CPU (no AVX-512 VNNI or AMX) and would "
                           "return wrong results; use the builtin backend");
    }
    return onednn_gemm(desc);
  }
  return builtin_gemm(desc);
}

bool onednn_available() { return onednn_compiled(); }

}  // namespace qgemm
