#include "onednn_prepared.h"

#include <string>

#include "args.h"
#include "errors.h"
#include "onednn/onednn_gemm.h"

namespace qgemm_binding {

namespace {

// Marks the handles this module makes, so no other External passes for one.
constexpr napi_type_tag kHandleTag = {0x71676d6d6f6e6564ULL, 0x6e6e707265706172ULL};

struct Handle {
  qgemm::OneDnnPrepared* prepared;
  int64_t m, n, k;
  qgemm::DType a_type, c_type;
  int64_t external_bytes;  // what V8 was told this handle holds (its reordered weights)
};

}  // namespace

Napi::Value onednn_prepare(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const ArrayView b = arg_array(info, 0, "b");
  const int64_t m = arg_size(info, 1, "m"), n = arg_size(info, 2, "n"), k = arg_size(info, 3, "k");
  const int64_t a_type = arg_size(info, 4, "aType");
  const bool transpose_b = arg_bool(info, 5, "transposeB");
  const bool allow_inexact = arg_bool(info, 6, "allowInexact");
  if (m == 0 || n == 0 || k == 0 || m > (1 << 20) || n > (1 << 20) || k > (1 << 20)) {
    throw_range_error(env, "ERR_QGEMM_SHAPE", "m, n and k must be in 1..2^20");
  }
  const bool float_gemm = b.type == qgemm::DType::kFloat32;
  if (float_gemm ? a_type != static_cast<int64_t>(qgemm::DType::kFloat32)
                 : b.type != qgemm::DType::kInt8 || (a_type != static_cast<int64_t>(qgemm::DType::kInt8) &&
                                                     a_type != static_cast<int64_t>(qgemm::DType::kUInt8))) {
    throw_type_error(env, "ERR_QGEMM_DTYPE", "int8 or uint8 A with int8 B, or float32 with float32");
  }
  if (!float_gemm && !allow_inexact && !qgemm::onednn_int8_exact()) {
    throw_range_error(env, "ERR_QGEMM_INEXACT_BACKEND", "oneDNN's int8 matmul saturates on this CPU");
  }
  check_fits(env, b, 1, k, n, 0, "b");
  qgemm::GemmDesc d;
  d.m = m, d.n = n, d.k = k;
  d.a = qgemm::Operand{nullptr, static_cast<qgemm::DType>(a_type), false, 0};
  d.b = qgemm::Operand{b.data, b.type, transpose_b, 0};
  d.c_type = float_gemm ? qgemm::DType::kFloat32 : qgemm::DType::kInt32;
  qgemm::OneDnnPrepared* prepared = nullptr;
  const qgemm::Status status = qgemm::onednn_prepare(d, &prepared);
  if (!status.ok()) throw_status(env, status);
  // oneDNN keeps its own reordered copy of B: tell V8, so garbage collection weighs it.
  const int64_t bytes = k * n * static_cast<int64_t>(qgemm::dtype_size(b.type));
  Handle* handle = new Handle{prepared, m, n, k, d.a.type, d.c_type, bytes};
  Napi::MemoryManagement::AdjustExternalMemory(env, bytes);
  Napi::External<Handle> external = Napi::External<Handle>::New(env, handle, [](Napi::Env finalize_env, Handle* h) {
    Napi::MemoryManagement::AdjustExternalMemory(finalize_env, -h->external_bytes);
    qgemm::onednn_release(h->prepared);
    delete h;
  });
  external.TypeTag(&kHandleTag);
  return external;
}

Napi::Value onednn_run_prepared(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsExternal() || !info[0].As<Napi::External<Handle>>().CheckTypeTag(&kHandleTag)) {
    throw_type_error(env, "ERR_QGEMM_ARG_TYPE", "handle must come from onednnPrepare");
  }
  const Handle& h = *info[0].As<Napi::External<Handle>>().Data();
  const ArrayView a = arg_array(info, 1, "a"), c = arg_array(info, 2, "c");
  if (a.type != h.a_type || c.type != h.c_type) throw_type_error(env, "ERR_QGEMM_DTYPE", "a or c of another type");
  check_fits(env, a, 1, h.m, h.k, 0, "a");
  check_fits(env, c, 1, h.m, h.n, 0, "c");
  const qgemm::Status status = qgemm::onednn_run_prepared(h.prepared, a.data, c.data);
  if (!status.ok()) throw_status(env, status);
  return env.Undefined();
}

}  // namespace qgemm_binding
