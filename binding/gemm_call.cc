#include "gemm_call.h"

#include <cstring>

#include "args.h"
#include "gemm/bounds.h"
#include "errors.h"
#include "packed_weights.h"

namespace qgemm_binding {

namespace {

qgemm::Backend to_backend(Napi::Env env, int64_t code) {
  if (code > 2) throw_range_error(env, "ERR_QGEMM_OPTION", "backend code out of range");
  return static_cast<qgemm::Backend>(code);
}

int64_t bytes_of(int64_t batch, int64_t rows, int64_t cols, int64_t stride, qgemm::DType t) {
  int64_t elements = 0;
  qgemm::required_elements(batch, rows, cols, stride, &elements);  // already checked by check_fits
  return elements * static_cast<int64_t>(qgemm::dtype_size(t));
}

}  // namespace

std::unique_ptr<GemmCall> GemmCall::parse(const Napi::CallbackInfo& info, const Napi::FunctionReference& packed_class, FieldNames& names,
                                          bool native_out) {
  const Descriptor desc(info, "gemm", names);
  const Dims dims(desc, kGemmDimNames, kGemmDims);
  Napi::Env env = desc.env();
  auto call = std::make_unique<GemmCall>();
  qgemm::GemmDesc& d = call->desc;
  d.m = dims.size(kGemmM);
  d.n = dims.size(kGemmN);
  d.k = dims.size(kGemmK);
  d.batch = dims.size(kGemmBatch);
  const ArrayView a = desc.array(kFieldA);
  const ArrayView c = desc.array(kFieldC);
  d.a = {a.data, a.type, dims.flag(kGemmTransposeA), dims.size(kGemmAStride)};
  d.c = c.data;
  d.c_type = c.type;
  d.c_batch_stride = dims.size(kGemmCStride);
  const int64_t b_stride = dims.size(kGemmBStride);
  const bool b_transposed = dims.flag(kGemmTransposeB);
  call->backend = to_backend(env, dims.size(kGemmBackend));
  call->allow_inexact = dims.flag(kGemmAllowInexact);
  const Napi::Value b_value = desc.required(kFieldB);
  if (b_value.IsObject() && b_value.As<Napi::Object>().InstanceOf(packed_class.Value())) {
    call->packed = PackedWeights::Unwrap(b_value.As<Napi::Object>())->get(env);
    d.packed_b = call->packed.get();
  } else {
    const ArrayView b = read_array(env, b_value, "b");
    check_fits(env, b, d.batch, d.k, d.n, b_stride, "b");
    d.b = {b.data, b.type, b_transposed, b_stride};
    call->b_bytes = bytes_of(d.batch, d.k, d.n, b_stride, b.type);
  }
  check_fits(env, a, d.batch, d.m, d.k, d.a.batch_stride, "a");
  if (native_out) {
    if (d.c_batch_stride != d.m * d.n) throw_range_error(env, "ERR_QGEMM_INVALID", "cStride must be m * n");
    ArrayView sized = c;
    sized.length = INT64_MAX;
    check_fits(env, sized, d.batch, d.m, d.n, d.c_batch_stride, "c");  // overflow check only
    call->c_bytes = bytes_of(d.batch, d.m, d.n, d.c_batch_stride, c.type);
  } else {
    check_fits(env, c, d.batch, d.m, d.n, d.c_batch_stride, "c");
    // Output items must not overlap: with cStride < m * n a huge batch would pass
    // the bounds check on a tiny buffer and rewrite it batch times (a hang, not a result).
    if (d.batch > 1 && d.c_batch_stride < d.m * d.n) {
      throw_range_error(env, "ERR_QGEMM_INVALID", "cStride must be at least m * n when batch > 1");
    }
  }
  call->a_bytes = bytes_of(d.batch, d.m, d.k, d.a.batch_stride, a.type);
  const Napi::Value epilogue = desc.optional(kFieldEpilogue);
  if (!epilogue.IsUndefined()) {
    if (d.a.type == qgemm::DType::kFloat32) throw_type_error(env, "ERR_QGEMM_DTYPE", "epilogues apply to int8 GEMMs");
    call->epilogue = std::make_unique<OwnedEpilogue>(parse_epilogue(env, epilogue, c.type, d.batch * d.m, d.n));
    call->epilogue->bind();
    d.epilogue = &call->epilogue->e;
  }
  return call;
}

void GemmCall::own_inputs() {
  a_copy.resize(static_cast<size_t>(a_bytes));
  if (a_bytes > 0) std::memcpy(a_copy.data(), desc.a.data, a_copy.size());
  desc.a.data = a_copy.data();
  if (desc.packed_b == nullptr) {
    b_copy.resize(static_cast<size_t>(b_bytes));
    if (b_bytes > 0) std::memcpy(b_copy.data(), desc.b.data, b_copy.size());
    desc.b.data = b_copy.data();
  }
}

}  // namespace qgemm_binding

namespace qgemm_binding {

bool GemmCall::own_output() {
  c_owned.reset(static_cast<uint8_t*>(std::malloc(static_cast<size_t>(c_bytes) + 1)));
  desc.c = c_owned.get();
  return c_owned != nullptr;
}

Napi::ArrayBuffer GemmCall::take_output(Napi::Env env) {
  uint8_t* data = c_owned.release();
  Napi::ArrayBuffer buffer = Napi::ArrayBuffer::New(env, data, static_cast<size_t>(c_bytes),
                                                    [](Napi::Env, void* p) { std::free(p); });
  return buffer;
}

}  // namespace qgemm_binding
