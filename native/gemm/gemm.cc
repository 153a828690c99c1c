#include "gemm/gemm.h"

#include <new>
#include <vector>

#include "gemm/builtin_gemm.h"
#include "gemm/epilogue.h"
#include "gemm/packed_b.h"
#include "onednn/onednn_gemm.h"
#include "threads/thread_pool.h"

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
    if (d.epilogue != nullptr) return invalid("epilogues apply to int8 GEMMs");
    if (b_type != DType::kFloat32 || d.c_type != DType::kFloat32) {
      return invalid("float32 A needs float32 B and float32 C");
    }
  } else {
    if (d.a.type != DType::kInt8 && d.a.type != DType::kUInt8) return invalid("A must be int8, uint8 or float32");
    const DType out = d.epilogue != nullptr ? d.epilogue->out_type : DType::kInt32;
    if (b_type != DType::kInt8 || d.c_type != out) return invalid("int8 GEMM needs int8 B and a C of the epilogue's type");
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

// Sums of A's rows (M values) and B's columns (N values) of one batch item,
// reading the operands as stored (transposed or not).
void operand_sums(const GemmDesc& d, int64_t item, std::vector<int32_t>* rows, std::vector<int32_t>* cols) {
  const uint8_t* a = static_cast<const uint8_t*>(d.a.data) + item * d.a.batch_stride;
  const int8_t* b = static_cast<const int8_t*>(d.b.data) + item * d.b.batch_stride;
  const bool a_unsigned = d.a.type == DType::kUInt8;
  rows->assign(static_cast<size_t>(d.m), 0);
  cols->assign(static_cast<size_t>(d.n), 0);
  for (int64_t i = 0; i < d.m; ++i) {
    uint32_t s = 0;
    for (int64_t p = 0; p < d.k; ++p) {
      const uint8_t v = d.a.transposed ? a[p * d.m + i] : a[i * d.k + p];
      s += a_unsigned ? v : static_cast<uint32_t>(static_cast<int32_t>(static_cast<int8_t>(v)));
    }
    (*rows)[i] = static_cast<int32_t>(s);
  }
  for (int64_t j = 0; j < d.n; ++j) {
    uint32_t s = 0;
    for (int64_t p = 0; p < d.k; ++p) {
      s += static_cast<uint32_t>(static_cast<int32_t>(d.b.transposed ? b[j * d.k + p] : b[p * d.n + j]));
    }
    (*cols)[j] = static_cast<int32_t>(s);
  }
}

// oneDNN computes the raw int32 product; our epilogue then converts it, so
// both backends share one definition of every output type (oneDNN 2.6.3's own
// scales and zero points leave AMX, run reference code per column, or add the
// bias before scaling).
Status onednn_with_epilogue(const GemmDesc& d) {
  std::vector<int32_t> acc;
  try {
    acc.resize(static_cast<size_t>(d.batch * d.m * d.n));
  } catch (const std::bad_alloc&) {
    return Status::Error(StatusCode::kOutOfMemory, "cannot allocate the accumulators");
  }
  GemmDesc raw = d;
  raw.epilogue = nullptr;
  raw.c = acc.data();
  raw.c_type = DType::kInt32;
  raw.c_batch_stride = d.m * d.n;
  Status status = onednn_gemm(raw);
  if (!status.ok()) return status;
  std::vector<int32_t> rows, cols;
  const size_t c_size = dtype_size(d.c_type);
  for (int64_t item = 0; item < d.batch; ++item) {
    operand_sums(d, item, &rows, &cols);
    const EpilogueContext ctx{d.epilogue, d.k, item * d.m, rows.data(), cols.data()};
    apply_epilogue(ctx, acc.data() + item * d.m * d.n, d.n,
                   static_cast<uint8_t*>(d.c) + item * d.c_batch_stride * static_cast<int64_t>(c_size), d.n, 0, d.m,
                   0, d.n);
  }
  return Status::Ok();
}

}  // namespace

Status gemm(const GemmDesc& desc, Backend backend, bool allow_inexact) {
  Status status = validate(desc);
  if (!status.ok()) return status;
  if (desc.epilogue != nullptr && desc.epilogue->consume != nullptr &&
      (backend != Backend::kBuiltin || desc.epilogue->out_type != DType::kFloat32)) {
    return invalid("an epilogue consumer needs float32 output on the builtin backend");
  }
  if (backend == Backend::kOneDnn) {
    if (desc.packed_b != nullptr) {
      return Status::Error(StatusCode::kUnsupported, "weights packed for the builtin backend");
    }
    if (onednn_compiled() && desc.a.type != DType::kFloat32 && !allow_inexact && !onednn_int8_exact()) {
      return Status::Error(StatusCode::kInexact,
                           "oneDNN's int8 matmul saturates on this CPU (no AVX-512 VNNI or AMX) and would "
                           "return wrong results; use the builtin backend");
    }
    // One product at a time across both backends: oneDNN's OpenMP team and
    // qgemm's pool are each sized to the cores, so overlapping would oversubscribe.
    ThreadPool::global().run_exclusive(
        [&] { status = desc.epilogue != nullptr ? onednn_with_epilogue(desc) : onednn_gemm(desc); });
    return status;
  }
  return builtin_gemm(desc);
}

bool onednn_available() { return onednn_compiled(); }

}  // namespace qgemm
