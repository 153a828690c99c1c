// One parsed and bounds-checked gemm() call, ready to run now or on the
// compute queue (after own_inputs() snapshots the inputs).
#pragma once

#include <napi.h>

#include "args.h"

#include <cstdlib>
#include <memory>
#include <vector>

#include "gemm/gemm.h"
#include "epilogue_args.h"
#include "gemm/packed_b.h"

namespace qgemm_binding {

// The numeric fields of a gemm descriptor, in its dims array.
enum GemmDim : size_t {
  kGemmM, kGemmN, kGemmK, kGemmBatch, kGemmAStride, kGemmBStride, kGemmCStride,
  kGemmTransposeA, kGemmTransposeB, kGemmBackend, kGemmAllowInexact, kGemmDims
};
inline constexpr const char* kGemmDimNames[kGemmDims] = {
    "m", "n", "k", "batch", "aStride", "bStride", "cStride", "transposeA", "transposeB", "backend", "allowInexact"};

struct GemmCall {
  qgemm::GemmDesc desc;
  qgemm::Backend backend = qgemm::Backend::kAuto;
  bool allow_inexact = false;
  std::shared_ptr<const qgemm::PackedB> packed;  // keeps a pack alive even if disposed meanwhile
  std::unique_ptr<OwnedEpilogue> epilogue;
  std::vector<uint8_t> a_copy, b_copy;           // the inputs' snapshot, for async calls

  // gemm({ a, b (TypedArray or PackedWeights), c, dims, epilogue? }): one
  // descriptor object; dims holds the numbers at the indices of GemmDim.
  // With native_out, `c` only names the result type (it may be empty): the
  // result goes to memory the call owns (see own_output()).
  static std::unique_ptr<GemmCall> parse(const Napi::CallbackInfo& info, const Napi::FunctionReference& packed_class,
                                         FieldNames& names, bool native_out = false);

  // Copies A and an unpacked B into memory the call owns, so that JS changing,
  // detaching or transferring them later cannot touch a running job.
  void own_inputs();
  // Allocates the result natively (for async calls: memory owned by a JS
  // isolate could be freed under a running job when a worker terminates).
  bool own_output();
  // Hands the result to JS as an ArrayBuffer that frees it when collected.
  Napi::ArrayBuffer take_output(Napi::Env env);
  qgemm::Status run() const { return qgemm::gemm(desc, backend, allow_inexact); }

 private:
  int64_t a_bytes = 0, b_bytes = 0, c_bytes = 0;
  std::unique_ptr<uint8_t, void (*)(void*)> c_owned{nullptr, std::free};
};

}  // namespace qgemm_binding
